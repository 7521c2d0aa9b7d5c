"""What the IG pages' browser tests share: a hub where agencies have disclosed, declined,
been read and broken into (all through the API, with real signed tokens), the IG officer
giving a purpose, and changing the log as someone with the database owner's access would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.conftest import DatabaseUrls
from tests.web.conftest import LiveHub
from tests.web.enquiry_support import Api, sign_in

IG_OFFICER = "Morgan Reed, information governance officer"
SOCIAL_WORKER = "Sam Okafor, MASH social worker"
POLICE_REP = "Police representative, agency representative, police"
PURPOSE = "Subject access request SAR-2026-041"
AUDIT_TABLES = ("audit_entries", "audit_terms", "audit_leaves", "audit_checkpoints")
IG_PAGES = (
    "/governance",
    "/governance/purpose",
    "/governance/disclosures",
    "/governance/audit",
    "/governance/denied",
    "/governance/verify",
    "/governance/people",
)
IG_FORMS = (
    "/governance/purpose",
    "/governance/verify",
    "/governance/evidence",
    "/governance/people",
    "/governance/people/export",
    "/governance/people/contacts/00000000-0000-4000-8000-000000000000/opening",
    "/governance/people/disclosures/00000000-0000-4000-8000-000000000000/opening",
)


@dataclass
class Scene:
    enquiry_id: str
    police_disclosure: str
    health_disclosure: str
    housing_decline: str


def disclosures_made(page: Page, hub: LiveHub) -> Scene:
    """An enquiry about Wren: police share chosen fields (caveated), health a summary, and
    housing decides not to share; a social worker then reads the police disclosure, a
    manager breaks the glass on a police record, and the police review it."""
    api = Api(page, hub)
    police_record = api.record("police", record_type="domestic_incident", summary="Callout.")
    reference = api.contact_screened_for_enquiry(rag="red")
    listed = api.get("/contacts", "mash_admin")["items"]
    contact_id = next(c["id"] for c in listed if c["reference"] == reference)
    enquiry = api.post("/enquiries", {"contact_id": contact_id}, "mash_social_worker")
    api.post(
        f"/enquiries/{enquiry['id']}/checks",
        {"agencies": ["police", "health", "housing"], "question": "What do you hold?"},
        "mash_social_worker",
    )
    police = api.disclose(
        "police",
        {
            "kind": "fields",
            "records": [{"record_id": police_record, "fields": ["record_type", "summary"]}],
            "purpose": "safeguarding enquiry",
            "lawful_basis": "dpa_2018_s35_sch8_para4",
            "consent": "not_sought",
            "proportionality": "Recent incident with the child present; relevant to risk.",
            "caveat": {"code": "police_intelligence", "text": "Not for onward sharing."},
        },
    )
    health = api.disclose(
        "health",
        {
            "kind": "summary",
            "summary": "Three missed health visitor appointments.",
            "purpose": "safeguarding enquiry",
            "lawful_basis": "uk_gdpr_9_2_h_dpa_sch1_para2",
            "consent": "not_sought",
            "proportionality": "Health picture needed to judge neglect.",
        },
    )
    housing = api.disclose(
        "housing",
        {
            "kind": "decline",
            "purpose": "safeguarding enquiry",
            "reasons": "Sharing would prejudice a live tenancy investigation.",
        },
    )
    api.get(f"/disclosures/{police}", "mash_social_worker", sub="sw-reader")
    opened = api.post(
        f"/agencies/police/records/{police_record}/break-glass",
        {"reason": "Child missing overnight, police unreachable."},
        "mash_manager",
    )
    api.post(
        f"/agencies/police/break-glass/{opened['break_glass_id']}/review",
        {"justified": True, "notes": "Justified: the child was at risk."},
        "agency_rep",
        agency="police",
    )
    return Scene(str(enquiry["id"]), police, health, housing)


def sequence(hub: LiveHub) -> None:
    """Place every entry in the tree and sign a checkpoint (the sequencer's work)."""
    hub.app.state.audit_log.sequence(force_checkpoint=True)


def gives_purpose(page: Page, purpose: str = PURPOSE) -> None:
    page.get_by_role("textbox", name="Why are you looking?").fill(purpose)
    page.get_by_role("button", name="Continue").click()


def ig_officer_signs_in(page: Page) -> None:
    sign_in(page, IG_OFFICER)


def stated_purposes(page: Page, hub: LiveHub, entries: list[dict[str, Any]]) -> list[str]:
    """The purposes given for these entries: sealed beside the log, each opened one at a
    time by another IG officer who says why (each opening itself logged)."""
    api = Api(page, hub)
    headers = api.headers("ig_officer", sub="ig-checker")
    opened = []
    for entry in entries:
        assert entry["purpose"] is None, "a stated purpose is never in the entry in clear"
        response = page.request.post(
            f"/api/v1/audit/entries/{entry['id']}/text",
            headers={**headers, "X-Audit-Purpose": "checking the IG officer's look-ups"},
        )
        assert response.ok, response.text()
        opened.append(response.json()["text"]["purpose"])
    return opened


def ig_entries(page: Page, hub: LiveHub, sub: str = "demo-ig") -> list[dict[str, Any]]:
    """The IG officer's own entries on the log, as the API returns them to another IG
    officer (whose look-up is itself logged)."""
    api = Api(page, hub)
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        after = f"&cursor={cursor}" if cursor else ""
        headers = api.headers("ig_officer", sub="ig-checker")
        response = page.request.get(
            f"/api/v1/audit/entries?actor={sub}&limit=200{after}",
            headers={**headers, "X-Audit-Purpose": "checking the IG officer's look-ups"},
        )
        assert response.ok, response.text()
        body = response.json()
        found += body["items"]
        if not body["next_cursor"]:
            return found
        cursor = body["next_cursor"]


def change_an_entry(urls: DatabaseUrls, entry_id: int) -> None:
    """Edit one audit entry with the triggers off, as the database's owner could."""
    engine = create_engine(urls.owner)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            for table in AUDIT_TABLES:
                for operation in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{operation}"))
        else:
            for table in AUDIT_TABLES:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        connection.execute(
            text("UPDATE audit_entries SET outcome = 'denied' WHERE id = :id"), {"id": entry_id}
        )
        if engine.dialect.name != "sqlite":
            for table in AUDIT_TABLES:
                connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    engine.dispose()


def refused_quietly(page: Page, path: str) -> None:
    """The page answers 404, asked with the browser's cookies but without opening it."""
    assert page.request.get(path).status == 404, path


def expect_not_found(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 404, path
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()

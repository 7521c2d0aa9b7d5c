"""One case walked through the whole hub, with a token of every role at every step.

At each step the test asserts what each role can and cannot see (404 where a refusal
would reveal that something exists) and what the audit log says.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders

CHILD = {
    "given_name": "Wren",
    "family_name": "Castellane",
    "date_of_birth": "2015-06-21",
    "postcode": "RT3 4PX",
}
MOTHER = {"given_name": "Ilse", "family_name": "Castellane", "date_of_birth": "1989-02-11"}
REASON = "Police callouts and school concerns together point to significant harm."


class Hub:
    """The people of one MASH, each with their own token."""

    def __init__(self, client: TestClient, auth: AuthHeaders) -> None:
        self.client = client
        self.referrer = auth("referrer", sub="teacher-17")
        self.admin = auth("mash_admin", sub="admin-1")
        self.social_worker = auth("mash_social_worker", sub="sw-1")
        self.manager = auth("mash_manager", sub="mgr-1")
        self.police = auth("agency_rep", sub="pc-1", agency="police")
        self.health = auth("agency_rep", sub="hv-1", agency="health")
        self.housing = auth("agency_rep", sub="ho-1", agency="housing")
        self.duty = {
            team: auth("operational", sub=f"op-{team}", team=team)
            for team in ("duty_a", "duty_b", "duty_c", "duty_d", "early_help", "ooh")
        }
        self.ig = auth("ig_officer", sub="ig-1") | {"X-Audit-Purpose": "case review CR-19"}
        self.sysadmin = auth("sysadmin", sub="it-1")

    def get(self, path: str, who: dict[str, str]) -> Any:
        return self.client.get(path, headers=who)

    def post(self, path: str, who: dict[str, str], body: Any = None) -> Any:
        return self.client.post(path, headers=who, json=body)

    def audit(self, **params: str) -> list[dict[str, Any]]:
        response = self.client.get(
            "/api/v1/audit/entries", params=params | {"limit": "200"}, headers=self.ig
        )
        assert response.status_code == 200
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture
def hub(client: TestClient, auth: AuthHeaders) -> Hub:
    return Hub(client, auth)


def outsiders(hub: Hub) -> list[dict[str, str]]:
    return [hub.duty["duty_a"], hub.ig, hub.sysadmin, hub.referrer]


def test_a_case_from_front_door_to_the_team_that_acts(hub: Hub, app: FastAPI) -> None:
    # Agencies already hold records about the family.
    police_record = hub.post(
        "/api/v1/agencies/police/records",
        hub.police,
        {
            "source_ref": "NICHE-88121",
            **CHILD,
            "record_type": "domestic_incident",
            "occurred_on": "2026-10-02",
            "summary": "Attended address; child present during argument.",
            "details": {"officer": "PC 4411"},
        },
    )
    assert police_record.status_code == 201, police_record.text
    health_record = hub.post(
        "/api/v1/agencies/health/records",
        hub.health,
        {
            "source_ref": "HV-2231",
            **CHILD,
            "record_type": "missed_appointments",
            "occurred_on": "2026-09-15",
            "summary": "Three missed health visitor appointments.",
        },
    )
    assert health_record.status_code == 201
    # Each agency store is its own: the other agency gets 404, as does the hub.
    police_path = f"/api/v1/agencies/police/records/{police_record.json()['id']}"
    for who in (hub.health, hub.social_worker, hub.manager, hub.admin, *outsiders(hub)):
        assert hub.get(police_path, who).status_code == 404

    # 1. Contact: a professional referrer, consent not sought.
    contact = hub.post(
        "/api/v1/contacts",
        hub.referrer,
        {
            "channel": "email",
            "children": [CHILD],
            "adults": [MOTHER],
            "worries": ["domestic_abuse", "neglect"],
            "concern": "Wren says there is shouting every night and she hides under the bed.",
            "consent": {
                "status": "not_sought",
                "reason": "Asking could alert the mother's partner.",
            },
        },
    )
    assert contact.status_code == 201
    reference = contact.json()["reference"]
    contact_id = next(
        c["id"]
        for c in hub.get("/api/v1/contacts", hub.admin).json()["items"]
        if c["reference"] == reference
    )
    for who in (hub.police, *outsiders(hub)):
        assert hub.get(f"/api/v1/contacts/{contact_id}", who).status_code == 404
    assert hub.get("/api/v1/me/contacts", hub.referrer).json()[0]["outcome"].startswith("Received")

    # 2. Screening: red, threshold 4, a manager authorises going on without consent.
    screened = hub.post(
        f"/api/v1/contacts/{contact_id}/screening",
        hub.social_worker,
        {"threshold_level": 4, "threshold_reason": REASON, "rag": "red"},
    )
    assert screened.status_code == 200
    assert (
        hub.post(
            f"/api/v1/contacts/{contact_id}/outcome",
            hub.social_worker,
            {"outcome": "mash_enquiry", "reason": REASON},
        ).status_code
        == 422
    )
    assert (
        hub.post(
            f"/api/v1/contacts/{contact_id}/consent-override", hub.manager, {"reason": REASON}
        ).status_code
        == 200
    )
    assert (
        hub.post(
            f"/api/v1/contacts/{contact_id}/outcome",
            hub.social_worker,
            {"outcome": "mash_enquiry", "reason": REASON},
        ).status_code
        == 200
    )

    # 3. Enquiry: the agency check says who knows the child, without content.
    enquiry = hub.post("/api/v1/enquiries", hub.social_worker, {"contact_id": contact_id})
    assert enquiry.status_code == 201, enquiry.text
    enquiry_id = enquiry.json()["id"]
    for who in (hub.police, hub.admin, *outsiders(hub)):
        assert hub.get(f"/api/v1/enquiries/{enquiry_id}", who).status_code == 404
    checks = hub.post(f"/api/v1/enquiries/{enquiry_id}/agency-check", hub.social_worker).json()
    child_check = checks[0]
    assert {a["agency"] for a in child_check["agencies"]} == {"police", "health"}
    assert "summary" not in str(child_check)
    assert "Attended" not in str(child_check)

    asked = hub.post(
        f"/api/v1/enquiries/{enquiry_id}/checks",
        hub.social_worker,
        {
            "agencies": ["police", "health", "housing"],
            "question": "Any involvement with Wren or her mother?",
        },
    )
    assert asked.status_code == 201
    by_agency = {r["agency"]: r for r in asked.json()}
    # Red: checks are due two hours after they were asked.
    assert by_agency["police"]["due_at"] > by_agency["police"]["requested_at"]

    # Each agency sees its own inbox only.
    police_inbox = hub.get("/api/v1/agencies/police/checks", hub.police).json()
    assert [r["id"] for r in police_inbox] == [by_agency["police"]["id"]]
    assert police_inbox[0]["subjects"][0]["family_name"] == "Castellane"
    assert hub.get("/api/v1/agencies/police/checks", hub.health).status_code == 404
    assert hub.get("/api/v1/agencies/police/checks", hub.duty["duty_a"]).status_code == 404

    # 4. Disclosure: police share chosen fields under a law-enforcement basis with a caveat;
    #    health share a summary; housing hold nothing.
    police_disclosure = hub.post(
        f"/api/v1/checks/{by_agency['police']['id']}/disclosure",
        hub.police,
        {
            "kind": "fields",
            "records": [
                {
                    "record_id": police_record.json()["id"],
                    "fields": ["record_type", "occurred_on", "summary"],
                }
            ],
            "purpose": "safeguarding enquiry",
            "lawful_basis": "dpa_2018_s35_sch8_para4",
            "consent": "not_sought",
            "proportionality": "Recent incident with the child present; relevant to risk tonight.",
            "caveat": {
                "code": "police_intelligence",
                "text": "Not for onward sharing without police release.",
            },
        },
    )
    assert police_disclosure.status_code == 201, police_disclosure.text
    assert police_disclosure.json()["content"]["records"][0] == {
        "record_id": police_record.json()["id"],
        "record_type": "domestic_incident",
        "occurred_on": "2026-10-02",
        "summary": "Attended address; child present during argument.",
    }
    # Health cannot answer the police check.
    assert (
        hub.post(
            f"/api/v1/checks/{by_agency['police']['id']}/disclosure",
            hub.health,
            {"kind": "no_information"},
        ).status_code
        == 404
    )
    health_disclosure = hub.post(
        f"/api/v1/checks/{by_agency['health']['id']}/disclosure",
        hub.health,
        {
            "kind": "summary",
            "summary": "Three missed appointments since September; weight static.",
            "purpose": "safeguarding enquiry",
            "lawful_basis": "uk_gdpr_9_2_h_dpa_sch1_para2",
            "consent": "not_sought",
            "proportionality": "Health picture needed to judge neglect.",
        },
    )
    assert health_disclosure.status_code == 201
    housing = hub.post(
        f"/api/v1/checks/{by_agency['housing']['id']}/disclosure",
        hub.housing,
        {"kind": "no_information"},
    )
    assert housing.status_code == 201
    # The hub reads what was disclosed; no one outside the hub can.
    disclosed = hub.get(f"/api/v1/enquiries/{enquiry_id}/disclosures", hub.social_worker).json()
    assert {d["agency"] for d in disclosed} == {"police", "health", "housing"}
    for who in (hub.police, *outsiders(hub)):
        assert hub.get(f"/api/v1/enquiries/{enquiry_id}/disclosures", who).status_code == 404

    # 5. Information product: the caveated police item needs police release first.
    product_body = {
        "analysis": "Pattern of domestic abuse with the child present, and neglect indicators.",
        "proposed_outcome": "strategy_discussion",
        "disclosure_ids": [police_disclosure.json()["id"], health_disclosure.json()["id"]],
        "receiving_team": "duty_b",
        "team_reason": "Duty B assessed Wren last year and knows the family.",
    }
    blocked = hub.post(f"/api/v1/enquiries/{enquiry_id}/products", hub.social_worker, product_body)
    assert blocked.status_code == 422
    assert blocked.json()["error"] == "caveat_not_released"
    assert (
        hub.post(
            f"/api/v1/disclosures/{police_disclosure.json()['id']}/release",
            hub.health,
            {"reason": REASON},
        ).status_code
        == 404
    )
    assert (
        hub.post(
            f"/api/v1/disclosures/{police_disclosure.json()['id']}/release",
            hub.police,
            {"reason": REASON},
        ).status_code
        == 200
    )
    product = hub.post(f"/api/v1/enquiries/{enquiry_id}/products", hub.social_worker, product_body)
    assert product.status_code == 201, product.text
    product_id = product.json()["id"]
    # Not yet sent: the receiving team cannot see it.
    assert hub.get(f"/api/v1/products/{product_id}", hub.duty["duty_b"]).status_code == 404
    assert (
        hub.post(
            f"/api/v1/products/{product_id}/authorisation",
            hub.social_worker,
            {"decision": "authorise", "reason": REASON},
        ).status_code
        == 403
    )
    assert hub.post(f"/api/v1/products/{product_id}/dissemination", hub.manager).status_code == 409
    assert (
        hub.post(
            f"/api/v1/products/{product_id}/authorisation",
            hub.manager,
            {"decision": "authorise", "reason": REASON},
        ).status_code
        == 200
    )
    sent = hub.post(f"/api/v1/products/{product_id}/dissemination", hub.manager)
    assert sent.status_code == 200
    assert sent.json()["status"] == "disseminated"

    # The receiving team reads the product, and only the product.
    received = hub.get(f"/api/v1/products/{product_id}", hub.duty["duty_b"])
    assert received.status_code == 200
    assert {item["agency"] for item in received.json()["items"]} == {"police", "health"}
    assert [p["id"] for p in hub.get("/api/v1/products", hub.duty["duty_b"]).json()] == [product_id]
    for team in ("duty_a", "early_help", "ooh"):
        assert hub.get(f"/api/v1/products/{product_id}", hub.duty[team]).status_code == 404
        assert hub.get("/api/v1/products", hub.duty[team]).json() == []
    for path in (
        f"/api/v1/enquiries/{enquiry_id}",
        f"/api/v1/enquiries/{enquiry_id}/disclosures",
        f"/api/v1/contacts/{contact_id}",
    ):
        assert hub.get(path, hub.duty["duty_b"]).status_code == 404

    # The referrer hears the outcome, not the content.
    feedback = hub.get("/api/v1/me/contacts", hub.referrer).json()
    assert feedback == [
        {
            "reference": reference,
            "received_at": feedback[0]["received_at"],
            "outcome": "Decided: passed to the team that will act.",
        }
    ]

    # 6. Audit: police see every later read of what they disclosed.
    police_view = hub.get("/api/v1/agencies/police/disclosures", hub.police).json()
    readers = {(r["reader"], r["reader_role"]) for r in police_view[0]["later_reads"]}
    assert ("sw-1", "mash_social_worker") in readers
    assert ("op-duty_b", "operational") in readers
    assert hub.get("/api/v1/agencies/police/disclosures", hub.health).status_code == 404

    app.state.audit_log.sequence(force_checkpoint=True)
    register = hub.client.get("/api/v1/audit/disclosures", headers=hub.ig).json()["items"]
    police_entry = next(r for r in register if r["disclosure"]["actor_agency"] == "police")
    assert police_entry["disclosure"]["lawful_basis"] == "dpa_2018_s35_sch8_para4"
    assert police_entry["disclosure"]["consent"] == "not_sought"
    assert len(police_entry["disclosure"]["content_hash"]) == 64
    assert {r["actor_sub"] for r in police_entry["later_reads"]} >= {"sw-1", "op-duty_b"}

    child_trail = hub.audit(subject=_child_person_id(hub, contact_id))
    actions = [(e["actor_role"], e["action"], e["resource_kind"]) for e in child_trail]
    for expected in [
        ("referrer", "create", "contact"),
        ("mash_social_worker", "screen", "contact"),
        ("mash_manager", "override_consent", "contact"),
        ("mash_social_worker", "create", "enquiry"),
        ("agency_rep", "create", "disclosure"),
        ("mash_manager", "disseminate", "information_product"),
        ("operational", "read", "information_product"),
    ]:
        assert expected in actions, expected
    denied = hub.audit(outcome="denied")
    assert any(
        e["actor_sub"] == "op-duty_a" and e["resource_kind"] == "information_product"
        for e in denied
    )
    assert any(e["actor_sub"] == "hv-1" and e["resource_kind"] == "check_request" for e in denied)
    verified = hub.client.post("/api/v1/audit/verify", headers=hub.ig).json()
    assert verified["intact"] is True


def _child_person_id(hub: Hub, contact_id: str) -> str:
    detail = hub.get(f"/api/v1/contacts/{contact_id}", hub.social_worker).json()
    return str(next(p["id"] for p in detail["people"] if p["person_role"] == "child"))


def test_break_glass_is_alerted_to_the_agency_with_a_review_due(hub: Hub) -> None:
    record = hub.post(
        "/api/v1/agencies/health/records",
        hub.health,
        {
            "source_ref": "HV-9",
            **CHILD,
            "record_type": "note",
            "occurred_on": "2026-11-01",
            "summary": "Seen at clinic.",
        },
    ).json()
    path = f"/api/v1/agencies/health/records/{record['id']}/break-glass"
    assert hub.post(path, hub.social_worker, {"reason": REASON}).status_code == 404
    opened = hub.post(
        path, hub.manager, {"reason": "Child missing tonight; need last known clinic contact."}
    )
    assert opened.status_code == 200
    assert opened.json()["record"]["summary"] == "Seen at clinic."
    alerts = hub.get("/api/v1/agencies/health/break-glass", hub.health).json()
    assert alerts[0]["opened_by"] == "mgr-1"
    assert alerts[0]["review_due_at"] > alerts[0]["opened_at"]
    assert hub.get("/api/v1/agencies/health/break-glass", hub.police).status_code == 404
    assert alerts[0]["review_overdue"] is False
    review = f"/api/v1/agencies/health/break-glass/{alerts[0]['id']}/review"
    verdict = {"justified": True, "notes": "Emergency was real; the child was found safe."}
    assert hub.post(review, hub.police, verdict).status_code == 404
    assert hub.post(review, hub.manager, verdict).status_code == 404
    assert hub.post(review, hub.health, verdict).status_code == 200
    assert hub.post(review, hub.health, verdict).status_code == 409
    reviewed = hub.get("/api/v1/agencies/health/break-glass", hub.health).json()[0]
    assert (reviewed["reviewed_by"], reviewed["review_justified"]) == ("hv-1", True)
    trail = hub.audit(action="break_glass")
    assert [(e["actor_sub"], e["outcome"]) for e in trail] == [
        ("sw-1", "denied"),
        ("mgr-1", "allowed"),
    ]
    assert trail[1]["purpose"] == "emergency"
    # The reason is sealed: IG opens it, one entry at a time, with a purpose of their own.
    assert trail[1]["reason"] is None
    assert trail[1]["text_sealed"] is True
    opened = hub.client.post(f"/api/v1/audit/entries/{trail[1]['id']}/text", headers=hub.ig)
    assert opened.status_code == 200, opened.text
    assert opened.json()["text"]["reason"].startswith("Child missing tonight")


def check_request_for(hub: Hub, *, rag: str, agency: str) -> dict[str, Any]:
    """A contact screened into an enquiry, and one agency asked to check: the request."""
    contact = hub.post(
        "/api/v1/contacts",
        hub.admin,
        {
            "children": [CHILD],
            "worries": ["neglect"],
            "concern": "x",
            "consent": {"status": "obtained"},
        },
    )
    contact_id = next(
        c["id"]
        for c in hub.get("/api/v1/contacts", hub.admin).json()["items"]
        if c["reference"] == contact.json()["reference"]
    )
    screening = {"threshold_level": 4, "threshold_reason": REASON, "rag": rag}
    hub.post(f"/api/v1/contacts/{contact_id}/screening", hub.social_worker, screening)
    outcome = {"outcome": "mash_enquiry", "reason": REASON}
    hub.post(f"/api/v1/contacts/{contact_id}/outcome", hub.social_worker, outcome)
    enquiry = hub.post("/api/v1/enquiries", hub.social_worker, {"contact_id": contact_id})
    [request] = hub.post(
        f"/api/v1/enquiries/{enquiry.json()['id']}/checks",
        hub.social_worker,
        {"agencies": [agency], "question": "Anything?"},
    ).json()
    return dict(request)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "kind": "fields",
                "records": [],
                "purpose": "x",
                "lawful_basis": "uk_gdpr_6_1_e",
                "consent": "obtained",
                "proportionality": REASON,
            },
            "record",
        ),
        (
            {
                "kind": "summary",
                "summary": "x",
                "purpose": "x",
                "lawful_basis": "made_up",
                "consent": "obtained",
                "proportionality": REASON,
            },
            "lawful_basis",
        ),
        ({"kind": "summary", "summary": "x"}, "purpose"),
        ({"kind": "decline"}, "reasons"),
        ({"kind": "no_information", "summary": "x"}, "shares no"),
    ],
)
def test_bad_disclosures_get_a_clear_4xx_and_change_nothing(
    hub: Hub, body: dict[str, Any], field: str
) -> None:
    request = check_request_for(hub, rag="amber", agency="police")
    response = hub.post(f"/api/v1/checks/{request['id']}/disclosure", hub.police, body)
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert hub.get("/api/v1/agencies/police/checks", hub.police).json()[0]["status"] == "pending"


def test_a_council_configures_its_own_lawful_bases_and_check_times(hub: Hub, app: FastAPI) -> None:
    from datetime import datetime, timedelta

    from hub.bootstrap import check_policy_for
    from hub.settings import Settings

    configured = Settings(
        dev_mode=True,
        check_due_hours=(1.0, 6.0, 24.0),
        extra_lawful_bases=("children_act_1989_s47=Children Act 1989 s47: enquiries",),
    )
    app.state.check_policy = check_policy_for(configured)
    app.state.lawful_bases = configured.lawful_bases()
    request = check_request_for(hub, rag="red", agency="health")
    due = datetime.fromisoformat(request["due_at"]) - datetime.fromisoformat(
        request["requested_at"]
    )
    assert due == timedelta(hours=1)
    disclosed = hub.post(
        f"/api/v1/checks/{request['id']}/disclosure",
        hub.health,
        {
            "kind": "summary",
            "summary": "Known to the health visiting service.",
            "purpose": "s47 enquiry",
            "lawful_basis": "children_act_1989_s47",
            "consent": "not_applicable",
            "proportionality": REASON,
        },
    )
    assert disclosed.status_code == 201, disclosed.text
    assert disclosed.json()["lawful_basis_text"] == "Children Act 1989 s47: enquiries"


def test_ig_opens_one_disclosure_with_a_purpose_that_is_logged(hub: Hub, app: FastAPI) -> None:
    request = check_request_for(hub, rag="amber", agency="health")
    disclosed = hub.post(
        f"/api/v1/checks/{request['id']}/disclosure",
        hub.health,
        {
            "kind": "summary",
            "summary": "Known to the health visiting service.",
            "purpose": "safeguarding enquiry",
            "lawful_basis": "uk_gdpr_9_2_h_dpa_sch1_para2",
            "consent": "not_sought",
            "proportionality": REASON,
        },
    )
    assert disclosed.status_code == 201, disclosed.text
    disclosure_id = disclosed.json()["id"]
    opening = f"/api/v1/disclosures/{disclosure_id}/opening"
    sar = hub.ig | {"X-Audit-Purpose": "SAR-2026-0301 from the child's mother"}

    # Only IG opens, one disclosure, saying why; IG still reads no case content otherwise.
    for who in (hub.manager, hub.social_worker, hub.police, hub.duty["duty_a"], hub.sysadmin):
        assert hub.post(opening, who | {"X-Audit-Purpose": "curious"}).status_code in (403, 404)
    assert hub.post(opening, hub.ig | {"X-Audit-Purpose": ""}).status_code == 400
    enquiry_id = hub.get("/api/v1/agencies/health/checks", hub.health).json()[0]["enquiry_id"]
    assert hub.get(f"/api/v1/enquiries/{enquiry_id}/disclosures", sar).status_code == 404
    assert hub.get("/api/v1/agencies/health/disclosures", sar).status_code == 404

    opened = hub.client.post(opening, headers=sar)
    assert opened.status_code == 200, opened.text
    assert opened.json()["content"]["summary"] == "Known to the health visiting service."
    assert opened.json()["purpose"] == "safeguarding enquiry"

    # The opening is on the record with its purpose (sealed), for IG and for the agency.
    app.state.audit_log.sequence(force_checkpoint=True)
    [entry] = [e for e in hub.audit(action="open", kind="disclosure") if e["outcome"] == "allowed"]
    assert (entry["actor_sub"], entry["resource_id"]) == ("ig-1", disclosure_id)
    assert entry["purpose"] is None
    assert entry["text_sealed"] is True
    text = hub.client.post(f"/api/v1/audit/entries/{entry['id']}/text", headers=hub.ig).json()
    assert text["text"]["purpose"] == "SAR-2026-0301 from the child's mother"
    police_view = hub.get("/api/v1/agencies/health/disclosures", hub.health).json()
    readers = {(r["reader"], r["action"]) for r in police_view[0]["later_reads"]}
    assert ("ig-1", "open") in readers

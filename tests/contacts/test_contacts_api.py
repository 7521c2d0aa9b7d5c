"""The first slice of the workflow, end to end through the firewall and the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.db import Database
from tests.conftest import AuthHeaders


def a_contact(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "web_form",
        "children": [
            {"given_name": "Tamsin", "family_name": "Quorley", "date_of_birth": "2016-05-04"}
        ],
        "worries": ["neglect"],
        "concern": "The child is often collected late and seems hungry.",
        "consent": {"status": "obtained"},
    }
    body.update(overrides)
    return body


def audit_rows(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())


def test_public_referrer_gets_a_reference_and_nothing_else(
    client: TestClient, database: Database
) -> None:
    response = client.post("/api/v1/contacts", json=a_contact())
    assert response.status_code == 201
    receipt = response.json()
    assert receipt["reference"].startswith("MH-")
    assert set(receipt) == {"reference", "received_at"}
    # Without a token the public can read nothing.
    assert client.get("/api/v1/contacts").status_code == 401
    [entry] = audit_rows(database)
    assert (entry.actor_sub, entry.action, entry.outcome) == ("public", "create", "allowed")
    assert entry.consent == "obtained"
    assert len(entry.subject_ids) > 2  # the child's id is recorded


@pytest.mark.parametrize("role", ["mash_admin", "mash_social_worker", "mash_manager"])
def test_hub_roles_list_and_read_contacts(
    client: TestClient, auth: AuthHeaders, database: Database, role: str
) -> None:
    created = client.post("/api/v1/contacts", json=a_contact(), headers=auth("mash_admin"))
    assert created.status_code == 201
    listing = client.get("/api/v1/contacts", headers=auth(role))
    assert listing.status_code == 200
    [item] = listing.json()["items"]
    assert item["reference"] == created.json()["reference"]
    detail = client.get(f"/api/v1/contacts/{item['id']}", headers=auth(role))
    assert detail.status_code == 200
    body = detail.json()
    assert body["people"][0]["family_name"] == "Quorley"
    assert body["concern"].startswith("The child is often collected late")
    actions = [(e.action, e.outcome) for e in audit_rows(database)]
    assert actions == [("create", "allowed"), ("list", "allowed"), ("read", "allowed")]


@pytest.mark.parametrize(
    ("role", "claims"),
    [
        ("operational", {"team": "duty_a"}),
        ("agency_rep", {"agency": "police"}),
        ("ig_officer", {}),
        ("sysadmin", {}),
        ("referrer", {}),
    ],
)
def test_roles_outside_the_hub_get_404_and_the_denial_is_audited(
    client: TestClient, auth: AuthHeaders, database: Database, role: str, claims: dict[str, str]
) -> None:
    created = client.post("/api/v1/contacts", json=a_contact(), headers=auth("mash_admin"))
    contact_id = client.get("/api/v1/contacts", headers=auth("mash_admin")).json()["items"][0]["id"]
    assert created.status_code == 201

    listing = client.get("/api/v1/contacts", headers=auth(role, **claims))
    reading = client.get(f"/api/v1/contacts/{contact_id}", headers=auth(role, **claims))
    missing = client.get(
        "/api/v1/contacts/00000000-0000-4000-8000-000000000000", headers=auth(role, **claims)
    )
    assert listing.status_code == reading.status_code == missing.status_code == 404
    # The refusal of a real contact looks exactly like a contact that does not exist.
    assert reading.json() == missing.json() == {"error": "not_found", "detail": "Not found."}

    denied = [e for e in audit_rows(database) if e.outcome == "denied"]
    assert [(e.action, e.resource_kind, e.actor_role) for e in denied] == [
        ("list", "contact", role),
        ("read", "contact", role),
        ("read", "contact", role),
    ]
    assert denied[1].resource_id == contact_id
    assert all(e.rule == "default deny" for e in denied)


def test_double_submitted_form_creates_one_contact(client: TestClient, database: Database) -> None:
    headers = {"Idempotency-Key": "form-7f3a9c"}
    first = client.post("/api/v1/contacts", json=a_contact(), headers=headers)
    second = client.post("/api/v1/contacts", json=a_contact(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    other = client.post(
        "/api/v1/contacts", json=a_contact(concern="Something else entirely."), headers=headers
    )
    assert other.status_code == 409
    assert other.json()["error"] == "idempotency_conflict"
    assert len([e for e in audit_rows(database) if e.action == "create"]) == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b"[]", 422, "invalid"),
        (b'{"children": "one"}', 422, "invalid"),
    ],
)
def test_malformed_bodies_get_a_clear_4xx_and_change_nothing(
    client: TestClient, database: Database, body: bytes, status: int, code: str
) -> None:
    response = client.post(
        "/api/v1/contacts", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["error"] == code
    assert set(response.json()) == {"error", "detail"}
    assert audit_rows(database) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"children": []}, "children"),
        ({"worries": ["witchcraft"]}, "worries"),
        ({"consent": {"status": "not_sought"}}, "consent"),
        # A field the schema does not know is not named: its name is the sender's.
        ({"nickname": "x"}, "a field that is not known"),
        ({"children": [{"given_name": "A", "date_of_birth": "2999-01-01"}]}, "children"),
        ({"concern": ""}, "concern"),
    ],
)
def test_invalid_contacts_name_the_field_without_echoing_values(
    client: TestClient, database: Database, change: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/contacts", json=a_contact(**change))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["detail"]
    assert "Quorley" not in body["detail"]
    assert "witchcraft" not in body["detail"]
    assert "nickname" not in body["detail"]
    assert audit_rows(database) == []


def test_oversized_body_is_413(client: TestClient, app: Any) -> None:
    big = a_contact(concern="x" * (app.state.settings.max_body_bytes + 10))
    response = client.post("/api/v1/contacts", json=big)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_personal_details_are_sealed_in_the_database(
    client: TestClient, database: Database
) -> None:
    assert client.post("/api/v1/contacts", json=a_contact()).status_code == 201
    from hub.contacts.models import Contact

    with database.session() as session:
        contact = session.execute(select(Contact)).scalar_one()
    assert b"Quorley" not in contact.sealed_details
    assert b"hungry" not in contact.sealed_details


def test_public_form_is_rate_limited(client: TestClient, app: Any) -> None:
    from hub.kit.ratelimit import RateLimiter

    # The limiter's clock stands still: the three posts fall in one minute however slowly
    # the machine runs them.
    app.state.public_rate_limiter = RateLimiter(per_minute=2, clock=lambda: 1_000.0)
    codes = [client.post("/api/v1/contacts", json=a_contact()).status_code for _ in range(3)]
    assert codes == [201, 201, 429]


def test_paging_is_stable(client: TestClient, auth: AuthHeaders) -> None:
    admin = auth("mash_admin")
    refs = {
        client.post("/api/v1/contacts", json=a_contact(), headers=admin).json()["reference"]
        for _ in range(5)
    }
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/contacts", params=params, headers=admin).json()
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(refs)
    assert client.get("/api/v1/contacts", params={"cursor": "!!"}, headers=admin).status_code == 400

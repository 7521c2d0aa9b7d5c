"""The daily triage meeting: its list, its outcomes and its closure."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.contacts.models import Contact
from hub.db import Database
from tests.conftest import AuthHeaders
from tests.triage.conftest import a_notification, audit_rows, hours_ago


def receive(
    client: TestClient, headers: dict[str, str], *notifications: dict[str, Any]
) -> list[str]:
    response = client.post(
        "/api/v1/da-notifications", json={"notifications": list(notifications)}, headers=headers
    )
    assert response.status_code == 201, response.text
    return [item["id"] for item in response.json()["items"]]


def outcome_url(meeting_id: str, notification_id: str) -> str:
    return f"/api/v1/triage/meetings/{meeting_id}/items/{notification_id}/outcome"


def test_the_list_is_high_risk_first_and_closes_when_every_item_has_an_outcome(
    triage_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    admin = auth("mash_admin")
    two_children = [
        {"given_name": "Ennor", "family_name": "Vosper", "date_of_birth": "2019-01-02"},
        {"given_name": "Lowen", "family_name": "Vosper", "date_of_birth": "2021-03-04"},
    ]
    ids = receive(
        triage_client,
        admin,
        a_notification("A/1", risk_level="standard", incident_at=hours_ago(30)),
        a_notification("A/2", risk_level="high", incident_at=hours_ago(5)),
        a_notification("A/3", risk_level="medium", incident_at=hours_ago(20)),
        a_notification("A/4", risk_level="high", incident_at=hours_ago(8), children=two_children),
    )
    opened = triage_client.post("/api/v1/triage/meetings", headers=admin)
    assert opened.status_code == 201, opened.text
    meeting = opened.json()
    assert [i["police_reference"] for i in meeting["items"]] == ["A/4", "A/2", "A/3", "A/1"]
    assert [i["risk_level"] for i in meeting["items"]] == ["high", "high", "medium", "standard"]
    assert [i["children"] for i in meeting["items"]] == [2, 1, 1, 1]
    assert [i["marac_flag"] for i in meeting["items"]] == [True, True, False, False]
    assert (meeting["item_count"], meeting["outstanding"], meeting["closed_at"]) == (4, 4, None)

    # One meeting at a time.
    again = triage_client.post("/api/v1/triage/meetings", headers=auth("mash_manager"))
    assert again.status_code == 409
    assert again.json()["error"] == "meeting_open"

    meeting_id = meeting["id"]
    # An outcome needs a reason.
    no_reason = triage_client.put(
        outcome_url(meeting_id, ids[0]), json={"outcome": "no_further_action"}, headers=admin
    )
    blank = triage_client.put(
        outcome_url(meeting_id, ids[0]),
        json={"outcome": "no_further_action", "reason": "   "},
        headers=admin,
    )
    unknown = triage_client.put(
        outcome_url(meeting_id, ids[0]),
        json={"outcome": "lose_it", "reason": "x"},
        headers=admin,
    )
    assert no_reason.status_code == blank.status_code == unknown.status_code == 422
    assert "reason" in no_reason.json()["detail"]

    decisions = {
        ids[0]: "no_further_action",
        ids[1]: "referred_to_marac",
        ids[2]: "early_help_offer",
    }
    for notification_id, code in decisions.items():
        response = triage_client.put(
            outcome_url(meeting_id, notification_id),
            json={"outcome": code, "reason": "Discussed with police and health."},
            headers=auth("mash_social_worker"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "triaged"
        assert response.json()["outcome_reason"] == "Discussed with police and health."
    still_open = triage_client.get(f"/api/v1/triage/meetings/{meeting_id}", headers=admin).json()
    assert (still_open["outstanding"], still_open["closed_at"]) == (1, None)

    twice = triage_client.put(
        outcome_url(meeting_id, ids[0]),
        json={"outcome": "early_help_offer", "reason": "Changed my mind."},
        headers=admin,
    )
    assert twice.status_code == 409

    last = triage_client.put(
        outcome_url(meeting_id, ids[3]),
        json={"outcome": "information_sharing_letter", "reason": "Letter to school and GP."},
        headers=admin,
    )
    assert last.status_code == 200
    closed = triage_client.get(f"/api/v1/triage/meetings/{meeting_id}", headers=admin).json()
    assert closed["outstanding"] == 0
    assert closed["closed_at"] is not None
    assert [i["outcome"] for i in closed["items"]] == [
        "information_sharing_letter",
        "referred_to_marac",
        "early_help_offer",
        "no_further_action",
    ]

    # The next meeting has what arrived since; nothing already decided comes back.
    [later] = receive(triage_client, admin, a_notification("A/5", risk_level="medium"))
    following = triage_client.post("/api/v1/triage/meetings", headers=admin).json()
    assert [i["id"] for i in following["items"]] == [later]
    outcomes = [
        e for e in audit_rows(database) if e.reason and e.reason.startswith("triage outcome")
    ]
    assert len(outcomes) == 4
    assert "Letter to school" not in " ".join(e.reason or "" for e in audit_rows(database))


def test_since_a_given_time_and_an_empty_list(triage_client: TestClient, auth: AuthHeaders) -> None:
    admin = auth("mash_admin")
    receive(triage_client, admin, a_notification("B/1"))
    future_cut = triage_client.post(
        "/api/v1/triage/meetings", json={"since": "2099-01-01T00:00:00Z"}, headers=admin
    )
    assert future_cut.status_code == 422  # a time to come is a mistake
    empty = triage_client.post(
        "/api/v1/triage/meetings", json={"since": hours_ago(0)}, headers=admin
    )
    # Nothing received since then: the list is empty and so already closed.
    assert empty.status_code == 201, empty.text
    assert (empty.json()["item_count"], empty.json()["closed_at"] is not None) == (0, True)
    whole = triage_client.post("/api/v1/triage/meetings", headers=admin).json()
    assert [i["police_reference"] for i in whole["items"]] == ["B/1"]


def test_referral_to_the_mash_creates_a_contact_and_needs_the_consent_position(
    triage_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    admin = auth("mash_admin")
    [notification_id] = receive(triage_client, admin, a_notification("C/1", risk_level="high"))
    meeting_id = triage_client.post("/api/v1/triage/meetings", headers=admin).json()["id"]
    without = triage_client.put(
        outcome_url(meeting_id, notification_id),
        json={"outcome": "refer_to_mash", "reason": "Third incident this year."},
        headers=admin,
    )
    assert without.status_code == 422
    assert "consent" in without.json()["detail"]
    referred = triage_client.put(
        outcome_url(meeting_id, notification_id),
        json={
            "outcome": "refer_to_mash",
            "reason": "Third incident this year.",
            "consent": {
                "status": "not_sought",
                "reason": "Seeking it could raise the risk to the victim.",
            },
        },
        headers=admin,
    )
    assert referred.status_code == 200, referred.text
    contact_id = referred.json()["contact_id"]
    assert contact_id is not None
    contact = triage_client.get(f"/api/v1/contacts/{contact_id}", headers=admin).json()
    assert contact["channel"] == "police_notification"
    assert contact["worries"] == ["domestic_abuse"]
    assert [p["given_name"] for p in contact["people"]] == ["Wenna", "Orlaith", "Gideon"]
    with database.session() as session:
        assert len(session.execute(select(Contact.id)).all()) == 1


def test_an_outcome_for_a_notification_not_on_the_list_is_404(
    triage_client: TestClient, auth: AuthHeaders
) -> None:
    admin = auth("mash_admin")
    [first] = receive(triage_client, admin, a_notification("D/1"))
    meeting_id = triage_client.post("/api/v1/triage/meetings", headers=admin).json()["id"]
    [second] = receive(triage_client, admin, a_notification("D/2"))
    response = triage_client.put(
        outcome_url(meeting_id, second),
        json={"outcome": "no_further_action", "reason": "Not this one."},
        headers=admin,
    )
    assert response.status_code == 404
    assert first != second

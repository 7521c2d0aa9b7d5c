"""Police notifications in bulk, as a MASH admin officer sees them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hub.db import Database
from hub.triage.models import DaNotification
from tests.conftest import AuthHeaders
from tests.triage.conftest import a_notification, audit_rows, hours_ago


def count_notifications(database: Database) -> int:
    with database.session() as session:
        return int(session.execute(select(func.count()).select_from(DaNotification)).scalar_one())


def post_batch(
    client: TestClient, headers: dict[str, str], notifications: list[dict[str, Any]]
) -> Any:
    return client.post(
        "/api/v1/da-notifications", json={"notifications": notifications}, headers=headers
    )


def test_a_batch_is_stored_flagged_for_marac_and_a_resend_changes_nothing(
    triage_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    batch = [
        a_notification("RT/1/24", risk_level="standard"),
        a_notification("RT/2/24", risk_level="high"),
        a_notification("RT/3/24", risk_level="medium"),
    ]
    first = post_batch(triage_client, auth("agency_rep", agency="police"), batch)
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert (receipt["received"], receipt["created"], receipt["already_received"]) == (3, 3, 0)
    assert [i["marac_flag"] for i in receipt["items"]] == [False, True, False]

    # The police system sends the same batch again (a reference in lower case is the same).
    again = post_batch(
        triage_client,
        auth("mash_admin"),
        [{**batch[0], "police_reference": "rt/1/24"}, *batch[1:]],
    )
    assert again.status_code == 201, again.text
    assert (again.json()["created"], again.json()["already_received"]) == (0, 3)
    assert [i["id"] for i in again.json()["items"]] == [i["id"] for i in receipt["items"]]
    assert count_notifications(database) == 3
    creates = [e for e in audit_rows(database) if e.action == "create"]
    assert len(creates) == 4  # one per notification stored, one for the re-sent batch
    assert {e.resource_id for e in creates[:3]} == {i["id"] for i in receipt["items"]}
    assert all(len(e.subject_ids) > 2 for e in creates[:3])  # the people are on the record

    listing = triage_client.get("/api/v1/da-notifications", headers=auth("mash_social_worker"))
    assert listing.status_code == 200
    assert {i["police_reference"] for i in listing.json()["items"]} == {
        "RT/1/24",
        "RT/2/24",
        "RT/3/24",
    }
    high = next(i for i in listing.json()["items"] if i["risk_level"] == "high")
    assert high["marac_flag"] is True
    assert high["status"] == "awaiting_triage"
    detail = triage_client.get(
        f"/api/v1/da-notifications/{high['id']}", headers=auth("mash_manager")
    ).json()
    assert detail["postcode"] == "S60 1AE"
    assert [a["role"] for a in detail["adults"]] == ["victim", "alleged_perpetrator"]
    assert detail["child_people"][0]["given_name"] == "Wenna"
    assert detail["children"] == 1


def test_a_batch_with_bad_notifications_stores_nothing_and_names_each_by_position(
    triage_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    batch = [
        a_notification("RT/10/24"),
        a_notification("RT/11/24", postcode="QQ99 9QQ"),
        a_notification("RT/12/24", incident_at="2099-01-01T10:00:00Z"),
        a_notification("RT/13/24", children=[]),
        a_notification("RT/14/24", risk_level="critical"),
    ]
    response = post_batch(triage_client, auth("mash_admin"), batch)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "notifications.1.postcode" in detail
    assert "notifications.2.incident_at" in detail
    assert "notifications.3.children" in detail
    assert "notifications.4.risk_level" in detail
    assert "QQ99" not in detail
    assert "2099" not in detail
    assert count_notifications(database) == 0
    assert [e for e in audit_rows(database) if e.action == "create"] == []


def test_a_reference_twice_or_already_held_with_other_details_rejects_the_batch(
    triage_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    twice = post_batch(
        triage_client,
        auth("mash_admin"),
        [a_notification("RT/20/24"), a_notification("RT/21/24"), a_notification("rt/20/24")],
    )
    assert twice.status_code == 422
    assert twice.json()["error"] == "invalid_batch"
    assert (
        "notifications.2.police_reference: appears more than once (first at 0)"
        in (twice.json()["detail"])
    )
    assert count_notifications(database) == 0

    assert post_batch(triage_client, auth("mash_admin"), [a_notification("RT/22/24")]).status_code
    changed = post_batch(
        triage_client,
        auth("mash_admin"),
        [a_notification("RT/23/24"), a_notification("RT/22/24", risk_level="high")],
    )
    assert changed.status_code == 422
    assert (
        "notifications.1.police_reference: was already received with other details"
        in (changed.json()["detail"])
    )
    assert count_notifications(database) == 1


def test_a_batch_holds_at_most_500(
    triage_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    empty = post_batch(triage_client, auth("mash_admin"), [])
    too_many = post_batch(
        triage_client, auth("mash_admin"), [a_notification(f"R/{i}") for i in range(501)]
    )
    assert empty.status_code == 422
    assert empty.json() == {
        "error": "invalid",
        "detail": "notifications: has too few items (at least 1)",
    }
    # 501 notifications are well under the body limit: the batch is refused for its count.
    assert too_many.status_code == 422
    assert too_many.json() == {
        "error": "invalid",
        "detail": "notifications: has too many items (at most 500)",
    }
    assert count_notifications(database) == 0


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
    triage_client: TestClient,
    auth: AuthHeaders,
    database: Database,
    role: str,
    claims: dict[str, str],
) -> None:
    created = post_batch(triage_client, auth("mash_admin"), [a_notification()])
    notification_id = created.json()["items"][0]["id"]
    headers = auth(role, **claims)

    listing = triage_client.get("/api/v1/da-notifications", headers=headers)
    reading = triage_client.get(f"/api/v1/da-notifications/{notification_id}", headers=headers)
    meeting = triage_client.post("/api/v1/triage/meetings", headers=headers)
    assert listing.status_code == reading.status_code == meeting.status_code == 404
    assert reading.json() == {"error": "not_found", "detail": "Not found."}

    denied = [e for e in audit_rows(database) if e.outcome == "denied"]
    assert [(e.action, e.resource_kind, e.actor_role) for e in denied] == [
        ("list", "da_notification", role),
        ("read", "da_notification", role),
        ("update", "da_notification", role),
    ]
    assert denied[1].resource_id == notification_id
    assert count_notifications(database) == 1


def test_a_police_officer_may_send_but_not_read(
    triage_client: TestClient, auth: AuthHeaders
) -> None:
    police = auth("agency_rep", agency="police")
    created = post_batch(triage_client, police, [a_notification()])
    assert created.status_code == 201
    notification_id = created.json()["items"][0]["id"]
    assert (
        triage_client.get(f"/api/v1/da-notifications/{notification_id}", headers=police).status_code
        == 404
    )


def test_a_request_without_a_token_is_refused(triage_client: TestClient) -> None:
    response = triage_client.post(
        "/api/v1/da-notifications", json={"notifications": [a_notification()]}
    )
    assert response.status_code == 401


def test_times_without_a_zone_are_uk_time(triage_client: TestClient, auth: AuthHeaders) -> None:
    created = post_batch(
        triage_client,
        auth("mash_admin"),
        [a_notification(incident_at="2024-07-01T22:30:00")],  # BST, UTC+1
    )
    notification_id = created.json()["items"][0]["id"]
    detail = triage_client.get(
        f"/api/v1/da-notifications/{notification_id}", headers=auth("mash_admin")
    ).json()
    assert detail["incident_at"].startswith("2024-07-01T21:30:00")
    assert hours_ago(0) > detail["incident_at"]

"""Missing episodes, return home interviews and the repeat-missing flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from hub.agencies.indexing import Indexer
from hub.audit.models import AuditEntry
from hub.db import Database
from hub.keys.service import Keyring
from hub.missing.models import MissingEpisode
from hub.missing.signals import missing_episodes_for_person
from hub.people.normalise import PersonIdentifiers
from tests.conftest import AuthHeaders
from tests.missing.conftest import an_episode


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def record(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/missing-episodes", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def audit_rows(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())


def count_episodes(database: Database) -> int:
    with database.session() as session:
        return int(session.execute(select(func.count()).select_from(MissingEpisode)).scalar_one())


def test_the_return_interview_is_due_72_hours_after_return_across_a_weekend(
    missing_client: TestClient, auth: AuthHeaders
) -> None:
    worker = auth("mash_social_worker")
    # Back on a Friday evening: due on Monday evening, weekend hours count.
    friday = record(
        missing_client,
        worker,
        an_episode("2024-03-01T09:00:00Z", returned_at="2024-03-01T18:30:00Z"),
    )
    assert friday["interview_due_at"] == "2024-03-04T18:30:00Z"
    # Back on the Friday before the clocks go forward: 72 real hours, so 19:30 BST on Monday.
    open_episode = record(missing_client, worker, an_episode("2024-03-29T08:00:00Z"))
    assert open_episode["returned_at"] is None
    assert open_episode["interview_due_at"] is None
    returned = missing_client.put(
        f"/api/v1/missing-episodes/{open_episode['id']}/return",
        json={"returned_at": "2024-03-29T18:30:00", "where_found": "A friend's flat in Dalton"},
        headers=worker,
    )
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert body["returned_at"] == "2024-03-29T18:30:00Z"  # UK time, GMT that day
    assert body["interview_due_at"] == "2024-04-01T19:30:00+01:00"
    assert body["where_found"] == "A friend's flat in Dalton"
    assert body["interview_overdue"] is True


def test_the_overdue_list_is_most_overdue_first_and_leaves_out_interviews_done(
    missing_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    admin = auth("mash_admin")
    two_days = record(
        missing_client, admin, an_episode(ago(days=6), returned_at=ago(days=5, hours=1))
    )
    one_day = record(
        missing_client, admin, an_episode(ago(days=5), returned_at=ago(days=4, hours=3))
    )
    record(missing_client, admin, an_episode(ago(days=2), returned_at=ago(days=1)))  # not yet due
    record(missing_client, admin, an_episode(ago(hours=5)))  # still missing
    done = record(missing_client, admin, an_episode(ago(days=9), returned_at=ago(days=8)))
    interview = missing_client.put(
        f"/api/v1/missing-episodes/{done['id']}/return-interview",
        json={
            "conducted_at": ago(days=7),
            "conducted_by": "RHI officer 7",
            "summary": "Push factors at placement.",
        },
        headers=auth("mash_social_worker"),
    )
    assert interview.status_code == 200, interview.text
    assert interview.json()["interview"]["summary"] == "Push factors at placement."

    overdue = missing_client.get("/api/v1/missing-episodes/overdue-interviews", headers=admin)
    assert overdue.status_code == 200
    items = overdue.json()["items"]
    assert [i["id"] for i in items] == [two_days["id"], one_day["id"]]
    assert items[0]["overdue_by"].startswith("2 days 1 hour")
    assert items[1]["overdue_by"].startswith("1 day 3 hours")
    assert items[0]["overdue_seconds"] > items[1]["overdue_seconds"] > 0
    listed = [e for e in audit_rows(database) if e.reason == "overdue return interviews"]
    assert len(listed) == 1
    assert len(listed[0].subject_ids) > 2


def test_three_episodes_in_30_days_raise_the_repeat_missing_flag_and_31_days_do_not(
    missing_client: TestClient, auth: AuthHeaders
) -> None:
    worker = auth("mash_social_worker")
    # 1, 15 and 30 January: three episodes within 30 calendar days.
    flagged = [
        record(missing_client, worker, an_episode(f"2024-01-{day:02d}T20:00:00Z"))
        for day in (1, 15, 30)
    ]
    assert [e["episodes_in_30_days"] for e in flagged] == [1, 2, 3]
    assert [e["repeat_missing"] for e in flagged] == [False, False, True]

    # Another child (recorded with a different spelling each time): 1, 15 and 31 March
    # span 31 days, so no flag.
    spellings = [("Kit", "O'Rourke"), ("kit", "ORourke"), ("KIT", "O Rourke")]
    child = {"date_of_birth": "2011-04-02", "nhs_number": None}
    not_flagged = [
        record(
            missing_client,
            worker,
            an_episode(
                f"2024-03-{day:02d}T07:00:00Z",
                child={**child, "given_name": given, "family_name": family},
            ),
        )
        for day, (given, family) in zip((1, 15, 31), spellings, strict=True)
    ]
    assert [e["episodes_in_30_days"] for e in not_flagged] == [1, 2, 2]
    assert not any(e["repeat_missing"] for e in not_flagged)
    # A fourth on 2 April is the third within 30 days: flagged, matched despite the spelling.
    fourth = record(
        missing_client,
        worker,
        an_episode(
            "2024-04-02T07:00:00+01:00",
            # With a curly apostrophe this time.
            child={**child, "given_name": "Kit", "family_name": "O\u2019Rourke"},
        ),
    )
    assert (fourth["episodes_in_30_days"], fourth["repeat_missing"]) == (3, True)

    # A twin (same family name and date of birth) is another child.
    twin = record(
        missing_client,
        worker,
        an_episode(
            "2024-04-02T09:00:00+01:00",
            child={**child, "given_name": "Rory", "family_name": "O'Rourke"},
        ),
    )
    assert (twin["episodes_in_30_days"], twin["repeat_missing"]) == (1, False)

    listing = missing_client.get("/api/v1/missing-episodes", headers=worker).json()["items"]
    by_id = {e["id"]: e["repeat_missing"] for e in listing}
    assert by_id[fourth["id"]] is True
    assert by_id[flagged[2]["id"]] is True
    assert by_id[twin["id"]] is False


def test_missing_episodes_for_a_person_counts_the_last_30_days(
    missing_client: TestClient, auth: AuthHeaders, app: FastAPI, database: Database
) -> None:
    worker = auth("mash_social_worker")
    for days in (1, 10, 45):
        record(missing_client, worker, an_episode(ago(days=days)))
    keyring: Keyring = app.state.keyring
    with database.session() as session:
        blinds = [
            index.blind
            for index in Indexer(keyring.linkage_key(session)).person(
                PersonIdentifiers(
                    given_name="Zoe", family_name="Ashdown Pryce", date_of_birth="2010-11-23"
                )
            )
        ]
        now = datetime.now(UTC)
        assert missing_episodes_for_person(session, blinds, now=now) == 2
        assert missing_episodes_for_person(session, blinds, now=now, window_days=60) == 3
        assert missing_episodes_for_person(session, [], now=now) == 0


def test_return_and_interview_rules(
    missing_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    worker = auth("mash_social_worker")
    episode = record(missing_client, worker, an_episode(ago(days=2)))
    url = f"/api/v1/missing-episodes/{episode['id']}"
    early = missing_client.put(
        f"{url}/return-interview",
        json={"conducted_at": ago(hours=1), "conducted_by": "RHI 2", "summary": "Seen."},
        headers=worker,
    )
    assert early.status_code == 409
    assert early.json()["error"] == "not_returned"
    before_start = missing_client.put(
        f"{url}/return", json={"returned_at": ago(days=3)}, headers=worker
    )
    assert before_start.status_code == 422
    assert missing_client.put(f"{url}/return", json={"returned_at": ago(days=1)}, headers=worker)
    twice = missing_client.put(f"{url}/return", json={"returned_at": ago(hours=2)}, headers=worker)
    assert twice.status_code == 409
    before_return = missing_client.put(
        f"{url}/return-interview",
        json={"conducted_at": ago(days=1, hours=1), "conducted_by": "RHI 2", "summary": "Seen."},
        headers=worker,
    )
    assert before_return.status_code == 422
    no_summary = missing_client.put(
        f"{url}/return-interview",
        json={"conducted_at": ago(hours=1), "conducted_by": "RHI 2", "summary": " "},
        headers=worker,
    )
    assert no_summary.status_code == 422
    detail = missing_client.get(url, headers=worker).json()
    assert detail["interview"] is None
    assert detail["interview_overdue"] is False
    updates = [e for e in audit_rows(database) if e.action == "update"]
    assert [e.reason for e in updates] == ["return recorded"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"started_at": "2099-01-01T00:00:00Z"}, "started_at"),
        ({"returned_at": "2020-01-01T00:00:00Z"}, "returned_at is before started_at"),
        ({"episode_type": "from_space"}, "episode_type"),
        (
            {"child": {"given_name": "Ann", "family_name": "Orr", "date_of_birth": "2031-01-01"}},
            "child.date_of_birth",
        ),
        (
            {
                "child": {
                    "given_name": "Ann",
                    "family_name": "Orr",
                    "date_of_birth": "2012-01-01",
                    "nhs_number": "9434765918",
                }
            },
            "child.nhs_number",
        ),
        # The unknown field's name is the sender's: only where it was is said.
        ({"reported_by": {"kind": "police", "colour": "blue"}}, "reported_by"),
        ({"where_found": "The park"}, "where_found goes with returned_at"),
    ],
)
def test_bad_input_is_a_4xx_that_names_the_field_and_changes_nothing(
    missing_client: TestClient,
    auth: AuthHeaders,
    database: Database,
    change: dict[str, Any],
    field: str,
) -> None:
    response = missing_client.post(
        "/api/v1/missing-episodes",
        json={**an_episode("2024-05-01T10:00:00Z"), **change},
        headers=auth("mash_admin"),
    )
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert "9434765918" not in response.json()["detail"]
    assert "colour" not in response.json()["detail"]
    assert count_episodes(database) == 0
    assert audit_rows(database) == []


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
    missing_client: TestClient,
    auth: AuthHeaders,
    database: Database,
    role: str,
    claims: dict[str, str],
) -> None:
    episode = record(missing_client, auth("mash_admin"), an_episode(ago(days=1)))
    headers = auth(role, **claims)
    responses = [
        missing_client.post(
            "/api/v1/missing-episodes", json=an_episode(ago(hours=1)), headers=headers
        ),
        missing_client.get("/api/v1/missing-episodes", headers=headers),
        missing_client.get(f"/api/v1/missing-episodes/{episode['id']}", headers=headers),
        missing_client.put(
            f"/api/v1/missing-episodes/{episode['id']}/return",
            json={"returned_at": ago(hours=1)},
            headers=headers,
        ),
        missing_client.get("/api/v1/missing-episodes/overdue-interviews", headers=headers),
    ]
    assert [r.status_code for r in responses] == [404] * 5
    assert {r.json()["error"] for r in responses} == {"not_found"}
    denied = [e for e in audit_rows(database) if e.outcome == "denied"]
    assert [(e.action, e.resource_kind, e.actor_role) for e in denied] == [
        ("create", "missing_episode", role),
        ("list", "missing_episode", role),
        ("read", "missing_episode", role),
        ("update", "missing_episode", role),
        ("list", "missing_episode", role),
    ]
    assert denied[2].resource_id == episode["id"]
    assert count_episodes(database) == 1


def test_nothing_personal_is_stored_in_clear(
    missing_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    worker = auth("mash_social_worker")
    episode = record(
        missing_client,
        worker,
        an_episode(
            ago(days=3),
            returned_at=ago(days=2),
            where_found="Behind the Meadowhall bus station",
            child={
                "given_name": "Zoë",
                "family_name": "Ashdown-Pryce",
                "date_of_birth": "2010-11-23",
                "nhs_number": "9434765919",
                "postcode": "S65 1AA",
            },
        ),
    )
    missing_client.put(
        f"/api/v1/missing-episodes/{episode['id']}/return-interview",
        json={
            "conducted_at": ago(days=1),
            "conducted_by": "Philippa Gorran",
            "summary": "Disclosed older boyfriend with a car.",
        },
        headers=worker,
    )
    missing_client.app.state.audit_log.sequence()  # type: ignore[attr-defined]  # writes terms
    parts: list[str] = []
    with database.session() as session:
        for table in ("missing_episodes", "person_index", "audit_entries", "audit_terms"):
            for row in session.execute(text(f"SELECT * FROM {table}")).mappings():
                for value in row.values():
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    parts.append(str(value))
    dump = "\n".join(parts).casefold()
    for secret in [
        "Zoë",
        "Zoe",
        "Ashdown",
        "2010-11-23",
        "9434765919",
        "S65 1AA",
        "S651AA",
        "Bryony",
        "Halse",
        "01709",
        "Meadowhall",
        "Philippa",
        "Gorran",
        "boyfriend",
        "Did not come back",
    ]:
        assert secret.casefold() not in dump, secret
    detail = missing_client.get(f"/api/v1/missing-episodes/{episode['id']}", headers=worker).json()
    assert detail["child"]["family_name"] == "Ashdown-Pryce"
    assert detail["where_found"] == "Behind the Meadowhall bus station"
    assert detail["interview"]["conducted_by"] == "Philippa Gorran"

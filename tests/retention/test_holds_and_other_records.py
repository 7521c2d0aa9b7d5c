"""Who may hold a case; police notifications and missing episodes under the schedule; two
runs at once; and the command's dry run, which names no one."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.db import Database, transaction, utcnow
from hub.keys.models import DataKeyRow
from hub.keys.service import episode_key_id, notification_key_id
from hub.people.models import PersonIndex
from hub.retention.service import (
    BACKGROUND_PRINCIPAL,
    Destroyable,
    RetentionSchedule,
    add_years,
    background_worker,
    run,
)
from hub.screening.models import ContactScreening
from hub.settings import Settings
from hub.triage.models import DaNotification
from tests.conftest import AuthHeaders
from tests.enquiries.test_end_to_end import Hub
from tests.missing.conftest import an_episode
from tests.retention.test_retention import SCHEDULE, SYSADMIN, _nfa_contact, _past_every_date
from tests.test_cli import environment
from tests.triage.conftest import a_notification

__all__ = ["environment"]  # the command's environment, as the command's own tests set it
REASON = "Subject access request under way; keep until it is answered."


@pytest.fixture
def hub(client: TestClient, auth: AuthHeaders) -> Hub:
    return Hub(client, auth)


def test_only_managers_and_ig_hold_a_case_and_each_change_needs_a_reason(hub: Hub) -> None:
    contact_id = _nfa_contact(hub)
    url = f"/api/v1/contacts/{contact_id}/legal-hold"
    place = {"decision": "place", "reason": REASON}
    # Hub staff who may read the contact are told they may not; others learn nothing of it.
    for colleague in (hub.social_worker, hub.admin):
        assert hub.post(url, colleague, place).status_code == 403
    for outsider in (hub.police, hub.duty["duty_a"], hub.sysadmin, hub.referrer):
        refused = hub.post(url, outsider, place)
        assert refused.status_code == 404, refused.text
        assert hub.get(url, outsider).status_code == 404
    assert hub.post(url, hub.manager, {"decision": "place", "reason": ""}).status_code == 422
    assert hub.get(url, hub.ig).json()["held"] is False

    held = hub.post(url, hub.ig, place)

    assert held.status_code == 200, held.text
    assert held.json()["held_by"] == "ig-1"
    again = hub.post(url, hub.manager, place)
    assert again.status_code == 409
    assert again.json()["error"] == "already_held"
    lifted = hub.post(url, hub.manager, {"decision": "lift", "reason": "Request answered."})
    assert lifted.json()["held"] is False
    assert hub.post(url, hub.manager, {"decision": "lift", "reason": "Twice."}).status_code == 409
    # Each change is one entry, its reason sealed beside the log, never in clear.
    entries = [e for e in hub.audit(action="hold") if e["resource_id"] == contact_id]
    assert [
        e["reason"] for e in entries if e["outcome"] == "allowed" and e["reason"] != "hold status"
    ] == [
        "legal hold placed",
        "legal hold lifted",
    ]
    assert all(REASON not in str(e) for e in entries)
    assert hub.get(f"/api/v1/contacts/{uuid.uuid4()}/legal-hold", hub.manager).status_code == 404


def test_notifications_and_returned_episodes_are_destroyed_and_leave_their_lists(
    hub: Hub, app: FastAPI, database: Database
) -> None:
    sent = hub.post(
        "/api/v1/da-notifications", hub.police, {"notifications": [a_notification("RT/77/24")]}
    )
    assert sent.status_code == 201, sent.text
    with database.session() as session:
        notification_id = session.scalars(select(DaNotification.id)).one()
    ago = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    returned = hub.post(
        "/api/v1/missing-episodes",
        hub.social_worker,
        an_episode(ago, returned_at=(datetime.now(UTC) - timedelta(days=1)).isoformat()),
    ).json()
    still_missing = hub.post("/api/v1/missing-episodes", hub.social_worker, an_episode(ago)).json()

    done = run(database, SYSADMIN, SCHEDULE, keyring=app.state.keyring, now=add_years(utcnow(), 7))

    assert {(d.kind, str(d.id)) for d in done.destroyed} == {
        (Destroyable.notification, str(notification_id)),
        (Destroyable.episode, returned["id"]),
    }
    assert hub.get(f"/api/v1/da-notifications/{notification_id}", hub.admin).status_code == 410
    listed = hub.get("/api/v1/da-notifications", hub.admin)
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    assert hub.get(f"/api/v1/missing-episodes/{returned['id']}", hub.admin).status_code == 410
    episodes = hub.get("/api/v1/missing-episodes", hub.admin)
    assert episodes.status_code == 200
    assert [e["id"] for e in episodes.json()["items"]] == [still_missing["id"]]
    assert hub.get("/api/v1/missing-episodes/overdue-interviews", hub.admin).status_code == 200
    with database.session() as session:
        for key_id in (notification_key_id(notification_id), episode_key_id(returned["id"])):
            row = session.scalars(select(DataKeyRow).where(DataKeyRow.key_id == key_id)).one()
            assert (row.state, row.wrapped) == ("shredded", None)
        parents = set(session.scalars(select(PersonIndex.parent_id)))
        assert notification_id not in parents
        assert uuid.UUID(returned["id"]) not in parents
        assert uuid.UUID(still_missing["id"]) in parents
        notification = session.get(DaNotification, notification_id)
        assert notification is not None
        assert notification.address_index is None


def test_two_runs_at_once_destroy_each_case_once(
    hub: Hub, app: FastAPI, database: Database
) -> None:
    contact_ids = [_nfa_contact(hub) for _ in range(3)]
    later = add_years(utcnow(), 3)
    results: list[int] = []
    start = threading.Barrier(2)

    def one_process() -> None:
        start.wait()
        done = run(database, SYSADMIN, SCHEDULE, keyring=app.state.keyring, now=later)
        results.append(len(done.destroyed))

    workers = [threading.Thread(target=one_process) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sum(results) == 3
    entries = [e for e in hub.audit(action="shred") if e["resource_kind"] == "key"]
    assert sorted(e["resource_id"] for e in entries) == sorted(f"case:{c}" for c in contact_ids)


def test_the_service_runs_the_schedule_only_when_an_interval_is_set(
    settings: Settings, database: Database, app: FastAPI, hub: Hub
) -> None:
    stop = threading.Event()
    keyring = app.state.keyring
    assert background_worker(settings, database, keyring, stop) == []
    every_hour = settings.model_copy(update={"retention_interval_seconds": 3600.0})
    [worker] = background_worker(every_hour, database, keyring, stop)
    assert worker.daemon
    assert worker.name == "retention"
    assert BACKGROUND_PRINCIPAL.sub == "system:retention"
    assert RetentionSchedule.from_settings(settings) == SCHEDULE

    # One interval passes, then the service stops: the worker destroys what is due, as the
    # background's own principal, and ends. (Its clock and its wait are given, not waited.)
    due = _nfa_contact(hub)
    waits: list[float] = []

    def one_interval_then_stop(seconds: float) -> bool:
        waits.append(seconds)
        return len(waits) > 1

    [worker] = background_worker(
        every_hour,
        database,
        keyring,
        stop,
        clock=_past_every_date,
        wait=one_interval_then_stop,
    )
    worker.run()
    assert waits == [3600.0, 3600.0]
    shredded = [e for e in hub.audit(action="shred") if e["resource_kind"] == "key"]
    assert [(e["resource_id"], e["actor_sub"]) for e in shredded] == [
        (f"case:{due}", BACKGROUND_PRINCIPAL.sub)
    ]


def test_the_command_lists_what_would_go_by_id_and_destroys_it_when_asked(
    hub: Hub, database: Database, environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    due = _nfa_contact(hub)
    held = _nfa_contact(hub)
    kept = _nfa_contact(hub)
    assert (
        hub.post(
            f"/api/v1/contacts/{held}/legal-hold",
            hub.manager,
            {"decision": "place", "reason": REASON},
        ).status_code
        == 200
    )
    three_years_ago = add_years(utcnow(), -3)
    with transaction(database) as session:
        session.execute(
            update(ContactScreening)
            .where(ContactScreening.contact_id.in_([uuid.UUID(due), uuid.UUID(held)]))
            .values(decided_at=three_years_ago)
        )
    runner = CliRunner()

    planned = runner.invoke(cli, ["retention", "run", "--dry-run"])

    assert planned.exit_code == 0, planned.output
    assert due in planned.output
    assert held in planned.output
    assert kept not in planned.output
    assert "would be destroyed" in planned.output
    assert "kept: held" in planned.output
    assert "Wren" not in planned.output
    assert "Ottoline" not in planned.output
    assert hub.get(f"/api/v1/contacts/{due}", hub.social_worker).status_code == 200

    destroyed = runner.invoke(cli, ["retention", "run"])

    assert destroyed.exit_code == 0, destroyed.output
    assert "1 of 1 destroyed, 1 held" in destroyed.output
    assert hub.get(f"/api/v1/contacts/{due}", hub.social_worker).status_code == 410
    assert hub.get(f"/api/v1/contacts/{held}", hub.social_worker).status_code == 200
    assert hub.get(f"/api/v1/contacts/{kept}", hub.social_worker).status_code == 200

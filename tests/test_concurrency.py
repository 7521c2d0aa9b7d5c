"""Many requests at once: a real server, real threads, real databases.

A request's transaction must never wait for a free worker thread while it holds a
connection (on SQLite, the write lock): with more simultaneous requests than threads
the two would wait on each other for ever. Reads share their audit commits, and a read
is answered only after its entry is committed, which the last test proves by stopping
the process between a batch's writes and its commit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select

from hub.audit.models import AuditEntry, AuditLeaf
from hub.audit.service import GroupCommit
from hub.auth.principal import Principal, Role
from hub.contacts.models import Contact
from hub.db import Database
from hub.settings import Settings
from tests.conftest import REPO_ROOT, AuthHeaders
from tests.contacts.test_contacts_api import a_contact

BURST = 200
# Only a guard against a hang: the assertions are about status codes, never time.
CLIENT_TIMEOUT = httpx.Timeout(120.0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    """The app on a real uvicorn server in this process (one worker, its default pool)."""
    port = _free_port()
    server = _Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert server.ready.wait(60), "the server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(60)


def _burst(requests: list[tuple[str, str, dict[str, Any]]]) -> Counter[int]:
    """Send every request at the same moment, each on its own connection."""
    start = threading.Barrier(len(requests))

    def send(request: tuple[str, str, dict[str, Any]]) -> int:
        method, url, options = request
        with httpx.Client(timeout=CLIENT_TIMEOUT) as http:
            start.wait()
            return http.request(method, url, **options).status_code

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return Counter(pool.map(send, requests))


def test_a_burst_of_200_mixed_requests_is_answered_without_a_5xx(
    served: str, app: FastAPI, auth: AuthHeaders, database: Database
) -> None:
    social_worker = auth("mash_social_worker")
    police = auth("agency_rep", agency="police")
    professional = auth("referrer")
    with httpx.Client(base_url=served, timeout=CLIENT_TIMEOUT) as http:
        created = http.post("/api/v1/contacts", json=a_contact(), headers=professional)
        contact_id = http.get("/api/v1/contacts", headers=social_worker).json()["items"][0]["id"]
        record = http.post(
            "/api/v1/agencies/police/records",
            headers=police,
            json={
                "source_ref": "REF-1",
                "given_name": "Tamsin",
                "family_name": "Quorley",
                "date_of_birth": "2016-05-04",
                "record_type": "incident",
                "occurred_on": "2024-02-11",
                "summary": "Officers attended a disturbance at the home.",
            },
        )
    assert created.status_code == 201
    assert record.status_code == 201
    record_id = record.json()["id"]
    mix: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", f"{served}/api/v1/contacts", {"json": a_contact(), "headers": professional}),
        ("GET", f"{served}/api/v1/contacts/{contact_id}", {"headers": social_worker}),
        ("GET", f"{served}/api/v1/screening/queue", {"headers": social_worker}),
        ("GET", f"{served}/api/v1/agencies/police/records/{record_id}", {"headers": police}),
    ]
    statuses = _burst([mix[i % len(mix)] for i in range(BURST)])

    assert sum(statuses.values()) == BURST
    assert {status for status in statuses if status >= 500} == set()
    assert statuses[201] == BURST // len(mix)
    assert statuses[200] == BURST - BURST // len(mix)
    # The sequencer still places every entry.
    app.state.audit_log.sequence(full_sweep=True)
    with database.session() as session:
        entries = session.scalar(select(func.count()).select_from(AuditEntry))
        leaves = session.scalar(select(func.count()).select_from(AuditLeaf))
    assert entries == leaves
    assert entries is not None
    assert entries >= BURST


def _entry(sub: str) -> dict[str, Any]:
    from hub.audit.service import AuditEvent, Outcome, _entry_values

    principal = Principal(sub=sub, role=Role.mash_social_worker, token_id="t")
    return _entry_values(principal, AuditEvent("read", "contact", Outcome.allowed, "test"))


def _subs(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(AuditEntry.actor_sub).order_by(AuditEntry.id)))


def _append_behind_a_held_batch(
    appends: GroupCommit, later: list[list[dict[str, Any]]]
) -> tuple[list[int], dict[int, str]]:
    """One caller's batch is held between its writes and its commit until every caller
    in ``later`` is queued behind it; returns the sizes of the batches that reached their
    commit, and what each caller was told."""
    first_batch_written = threading.Event()
    others_queued = threading.Event()
    batch_sizes: list[int] = []

    def hold_the_first_batch(size: int) -> None:
        batch_sizes.append(size)
        if len(batch_sizes) == 1:
            first_batch_written.set()
            assert others_queued.wait(60)

    appends.before_commit = hold_the_first_batch
    callers = [[_entry("first")], *later]
    outcomes: dict[int, str] = {}

    def append(index: int) -> None:
        try:
            appends.commit(callers[index])
            outcomes[index] = "committed"
        except RuntimeError:
            outcomes[index] = "refused"

    first = threading.Thread(target=append, args=(0,))
    first.start()
    assert first_batch_written.wait(60)
    queued = [threading.Thread(target=append, args=(i,)) for i in range(1, len(callers))]
    for thread in queued:
        thread.start()
    with appends._changed:
        while len(appends._queue) < len(queued):
            appends._changed.wait(0.05)
    others_queued.set()
    for thread in [first, *queued]:
        thread.join(60)
    return batch_sizes, outcomes


def test_reads_queued_behind_a_commit_share_the_next_one(database: Database) -> None:
    appends = GroupCommit(database)
    later = [[_entry(f"later-{i}")] for i in range(5)]

    batch_sizes, outcomes = _append_behind_a_held_batch(appends, later)

    assert batch_sizes == [1, 5]  # six callers, two commits
    assert outcomes == dict.fromkeys(range(6), "committed")
    assert sorted(_subs(database)) == sorted(["first", *(f"later-{i}" for i in range(5))])


def test_a_read_whose_entry_cannot_be_stored_fails_alone(database: Database) -> None:
    appends = GroupCommit(database)
    bad = _entry("broken")
    bad["actor_sub"] = None  # NOT NULL: this caller's entry cannot be stored
    later = [[_entry("mate-1")], [bad], [_entry("mate-2")]]

    batch_sizes, outcomes = _append_behind_a_held_batch(appends, later)

    # The shared batch failed on the bad entry before its commit; each caller was then
    # written on its own, and only the bad one was refused.
    assert batch_sizes == [1, 1, 1]
    assert outcomes == {0: "committed", 1: "committed", 2: "refused", 3: "committed"}
    assert sorted(_subs(database)) == ["first", "mate-1", "mate-2"]


def test_a_batch_larger_than_one_statement_is_stored_whole_and_sequenced(
    app: FastAPI, database: Database
) -> None:
    """PostgreSQL takes a batch as multi-row INSERTs of a thousand-odd rows each: every
    entry is stored with its own values, in order, and placed in the log."""
    entries = [_entry(f"reader-{i:04d}") for i in range(2500)]
    for i, values in enumerate(entries):
        values["resource_id"] = f"contact-{i}"
    written_at = [values["recorded_at"] for values in entries]

    GroupCommit(database).commit(entries)

    with database.session() as session:
        stored = session.execute(
            select(AuditEntry.actor_sub, AuditEntry.resource_id, AuditEntry.recorded_at)
            .where(AuditEntry.actor_sub.like("reader-%"))
            .order_by(AuditEntry.id)
        ).all()
    assert [(sub, resource) for sub, resource, _ in stored] == [
        (f"reader-{i:04d}", f"contact-{i}") for i in range(2500)
    ]
    assert [at for _, _, at in stored] == written_at
    app.state.audit_log.sequence(full_sweep=True)
    with database.session() as session:
        leafed = session.scalar(
            select(func.count())
            .select_from(AuditLeaf)
            .join(AuditEntry, AuditEntry.id == AuditLeaf.entry_id)
            .where(AuditEntry.actor_sub.like("reader-%"))
        )
    assert leafed == 2500


# ---------------------------------------------------------------- stopping mid-batch

KILL_AT_BATCH = 3


@pytest.fixture
def hub_killed_mid_batch(settings: Settings) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The hub in a process of its own that kills itself (SIGKILL) after writing its
    third batch of read entries and before committing it."""
    port = _free_port()
    env = {
        **os.environ,
        "HUB_DEV_MODE": "true",
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_KEY_DIR": str(settings.key_dir),
        "HUB_POLICY_DIR": str(settings.policy_dir),
    }
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "tests.serve_with_kill_point", str(port), str(KILL_AT_BATCH)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    yield f"http://127.0.0.1:{port}", process
    if process.poll() is None:
        process.kill()
    process.wait(60)


def test_no_acknowledged_read_without_its_entry_when_the_process_dies_mid_batch(
    hub_killed_mid_batch: tuple[str, subprocess.Popen[str]],
    auth: AuthHeaders,
    database: Database,
) -> None:
    base, process = hub_killed_mid_batch
    social_worker = auth("mash_social_worker")
    with httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT) as http:
        created = [
            http.post("/api/v1/contacts", json=a_contact(), headers=social_worker) for _ in range(3)
        ]
        contact_id = http.get("/api/v1/contacts", headers=social_worker).json()["items"][0]["id"]
    assert all(c.status_code == 201 for c in created)

    acknowledged: list[str] = []
    lost = 0

    def read(_: int) -> None:
        nonlocal lost
        try:
            with httpx.Client(timeout=CLIENT_TIMEOUT) as http:
                response = http.get(f"{base}/api/v1/contacts/{contact_id}", headers=social_worker)
            assert response.status_code == 200
            acknowledged.append(response.headers["x-request-id"])
        except httpx.TransportError:
            lost += 1

    # Sequential reads first (one batch each, so the third batch certainly comes), then
    # a crowd: the process dies in the middle of it.
    for i in range(2):
        read(i)
    with ThreadPoolExecutor(max_workers=40) as pool:
        list(pool.map(read, range(80)))
    assert process.wait(60) == -signal.SIGKILL
    assert lost > 0

    with database.session() as session:
        read_entries = set(
            session.scalars(
                select(AuditEntry.request_id).where(
                    AuditEntry.action == "read", AuditEntry.resource_kind == "contact"
                )
            )
        )
        contacts = session.scalar(select(func.count()).select_from(Contact))
        creations = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "create", AuditEntry.resource_kind == "contact")
        )
    # Every read the client was answered has its entry...
    assert set(acknowledged) <= read_entries
    # ...and the batch that was written but never committed left nothing behind.
    assert len(read_entries) < len(acknowledged) + lost
    # No action without its entry, no entry without its action.
    assert contacts == creations == 3

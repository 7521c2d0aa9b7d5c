"""The append path and the search terms the sequencer writes behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.orm import Session

from hub.audit import repository, terms
from hub.audit import service as audit
from hub.audit.canonical import canonical_bytes, canonical_document
from hub.audit.models import AuditEntry, AuditTerm
from hub.audit.sequencer import AuditLog
from hub.audit.service import AuditEvent, Outcome
from hub.auth.principal import Principal, Role
from hub.db import Database, transaction
from hub.migrations import alembic_config, upgrade
from tests.conftest import DatabaseUrls

POLICE_REP = Principal("pc-77", Role.agency_rep, agency="police")
WORKER = Principal("sw-2", Role.mash_social_worker)


def full_event(**changes: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "action": "create",
        "resource_kind": "disclosure",
        "outcome": Outcome.allowed,
        "rule": "p, agency_rep, disclosure, create, own_agency",
        "resource_id": "d-100",
        "resource_owner": "police",
        "purpose": "mash enquiry",
        "lawful_basis": "children_act_1989_s47",
        "consent": "not_sought",
        "reason": "Risk of significant harm; seeking consent would put the child at risk.",
        "subject_ids": ("child-9", "adult-3", "child-9"),
        "content_hash": "ab" * 32,
    }
    return AuditEvent(**(values | changes))


@pytest.fixture
def audit_log(app: object) -> AuditLog:
    log: AuditLog = app.state.audit_log  # type: ignore[attr-defined]
    return log


def _recorded_at(session: Session, entry_id: int) -> datetime:
    entry = session.get(AuditEntry, entry_id)
    assert entry is not None
    return entry.recorded_at


def ids_of(database: Database, **filters: Any) -> list[int]:
    with transaction(database) as session:
        return [e.id for e in repository.search_entries(session, **filters)]


def test_the_driver_level_append_stores_exactly_what_a_core_insert_would(
    database: Database,
) -> None:
    with transaction(database) as session:
        fast_id = audit.record(session, POLICE_REP, full_event())
    with transaction(database) as session:
        typed = session.execute(
            select(*AuditEntry.__table__.columns).where(AuditEntry.id == fast_id)
        ).one()
        values = {k: v for k, v in typed._mapping.items() if k != "id"}
        core_id = session.execute(
            insert(AuditEntry).values(values).returning(AuditEntry.id)
        ).scalar_one()
    with transaction(database) as session:
        raw = {
            row.id: {k: v for k, v in row._mapping.items() if k != "id"}
            for row in session.execute(
                text("SELECT * FROM audit_entries WHERE id IN (:a, :b)"),
                {"a": fast_id, "b": core_id},
            )
        }
        rows = {
            row.id: row
            for row in session.execute(
                select(*AuditEntry.__table__.columns).where(AuditEntry.id.in_([fast_id, core_id]))
            )
        }
    assert raw[fast_id] == raw[core_id]
    assert typed.subject_ids == '["adult-3","child-9"]'
    assert typed.recorded_at.tzinfo is not None
    leaf = [canonical_bytes(canonical_document(rows[i]._mapping)) for i in (fast_id, core_id)]
    assert leaf[0].replace(b'"id":%d' % fast_id, b"") == leaf[1].replace(b'"id":%d' % core_id, b"")


def test_an_append_fails_with_its_action(database: Database) -> None:
    try:
        with transaction(database) as session:
            audit.record(session, WORKER, full_event())
            raise RuntimeError("the action failed after its audit entry")
    except RuntimeError:
        pass
    assert ids_of(database) == []


def test_search_finds_entries_before_and_after_they_are_sequenced(
    database: Database, audit_log: AuditLog
) -> None:
    with transaction(database) as session:
        disclosed = audit.record(session, POLICE_REP, full_event())
        read = audit.record(
            session,
            WORKER,
            full_event(action="read", rule="p, mash_social_worker, disclosure, read, any"),
        )
        denied = audit.record(
            session,
            WORKER,
            full_event(
                action="read",
                resource_kind="agency_record",
                resource_id="r-1",
                resource_owner="health",
                outcome=Outcome.denied,
                subject_ids=("child-4",),
            ),
        )
    questions: list[tuple[dict[str, Any], list[int]]] = [
        ({"subject_id": "child-9"}, [disclosed, read]),
        ({"subject_id": "adult-3"}, [disclosed, read]),
        ({"subject_id": "child-4"}, [denied]),
        ({"subject_id": "child-1"}, []),
        ({"actor": "sw-2"}, [read, denied]),
        ({"agency": "police"}, [disclosed, read]),
        ({"agency": "health"}, [denied]),
        ({"outcome": "denied"}, [denied]),
        ({"kind": "disclosure", "action": "create"}, [disclosed]),
        ({"kind": "disclosure", "resource_id": "d-100"}, [disclosed, read]),
        ({"resource_id": "r-1"}, [denied]),
        ({"subject_id": "child-9", "actor": "sw-2"}, [read]),
        ({"subject_id": "child-9", "after_id": disclosed}, [read]),
    ]
    for filters, expected in questions:
        assert ids_of(database, **filters) == expected, ("before sequencing", filters)
    assert audit_log.sequence().sequenced == 3
    for filters, expected in questions:
        assert ids_of(database, **filters) == expected, ("after sequencing", filters)

    with transaction(database) as session:
        stored = set(
            session.execute(select(AuditTerm.term).where(AuditTerm.entry_id == denied)).scalars()
        )
        # The entry's own day, not the clock's now: the two differ across midnight UTC.
        recorded_on = _recorded_at(session, denied).date().isoformat()
    assert stored == {
        "subject:child-4",
        "actor:sw-2",
        "agency:health",
        "resource:r-1",
        "event:agency_record.read",
        f"day:{recorded_on}",
        "outcome:denied",
    }


def test_time_ranges_are_searched_by_day_and_then_by_the_exact_time(
    database: Database, audit_log: AuditLog
) -> None:
    with transaction(database) as session:
        first = audit.record(session, WORKER, full_event())
    audit_log.sequence()
    with transaction(database) as session:
        # Ranges around the moment the entry was recorded, not the clock's now, so the test
        # means the same whenever and however slowly it runs.
        recorded = _recorded_at(session, first)
    hour = timedelta(hours=1)
    assert ids_of(database, since=recorded - hour, until=recorded + hour) == [first]
    assert ids_of(database, since=recorded - 400 * hour, until=recorded - 300 * hour) == []
    assert ids_of(database, since=recorded + timedelta(seconds=5), until=recorded + hour) == []
    # Longer than the day terms cover: still right, by id order and the time itself.
    long_ago = recorded - timedelta(days=3 * terms.MAX_DAY_TERMS)
    assert ids_of(database, since=long_ago, until=recorded + hour) == [first]
    assert ids_of(database, since=recorded - hour) == [first]


def test_entries_from_before_the_terms_table_are_found_after_the_migration(
    database_urls: DatabaseUrls,
) -> None:
    config = alembic_config(database_urls.owner)
    command.downgrade(config, "0007")
    owner = create_engine(database_urls.owner)
    with owner.begin() as connection:
        for number, (subject, outcome) in enumerate(
            [("child-5", "allowed"), ("child-6", "denied"), ("child-5", "allowed")], start=1
        ):
            connection.execute(
                text(
                    "INSERT INTO audit_entries (id, recorded_at, actor_sub, actor_role, action,"
                    " resource_kind, resource_id, outcome, rule, subject_ids) VALUES (:id, :at,"
                    " 'sw-9', 'mash_social_worker', 'read', 'contact', :rid, :outcome, 'p',"
                    " :subjects)"
                ),
                {
                    "id": number,
                    "at": datetime(2026, 3, 2, 10, tzinfo=UTC),
                    "rid": f"c-{number}",
                    "outcome": outcome,
                    "subjects": f'["{subject}"]',
                },
            )
            connection.execute(
                text("INSERT INTO audit_subjects (subject_id, entry_id) VALUES (:s, :e)"),
                {"s": subject, "e": number},
            )
            if number < 3:  # the third was never sequenced
                connection.execute(
                    text(
                        "INSERT INTO audit_leaves (leaf_index, entry_id, leaf_hash)"
                        " VALUES (:i, :e, :h)"
                    ),
                    {"i": number - 1, "e": number, "h": "00" * 32},
                )
    upgrade(database_urls.owner)
    with owner.connect() as connection:
        backfilled = connection.execute(
            text("SELECT term, entry_id FROM audit_terms ORDER BY entry_id, term")
        ).all()
    assert ("subject:child-5", 1) in backfilled
    assert ("outcome:denied", 2) in backfilled
    assert ("day:2026-03-02", 2) in backfilled
    assert {entry for _, entry in backfilled} == {1, 2}

    command.downgrade(config, "0007")
    with owner.connect() as connection:
        restored = connection.execute(
            text("SELECT subject_id, entry_id FROM audit_subjects ORDER BY entry_id")
        ).all()
    assert restored == [("child-5", 1), ("child-6", 2), ("child-5", 3)]
    upgrade(database_urls.owner)
    owner.dispose()


def test_paging_crosses_from_sequenced_entries_to_the_newest_without_gaps(
    database: Database, audit_log: AuditLog
) -> None:
    def add(count: int) -> list[int]:
        with transaction(database) as session:
            return [audit.record(session, WORKER, full_event()) for _ in range(count)]

    expected = add(5)
    audit_log.sequence()
    expected += add(4)  # not sequenced yet
    seen: list[int] = []
    after: int | None = None
    while True:
        with transaction(database) as session:
            page = repository.search_entries(session, limit=2, subject_id="child-9", after_id=after)
        if not page:
            break
        seen += [entry.id for entry in page]
        after = page[-1].id
    assert seen == expected

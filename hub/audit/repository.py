"""Every audit query."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    exists,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from hub.audit import terms
from hub.audit.models import (
    AuditCheckpoint,
    AuditEntry,
    AuditLeaf,
    AuditSealing,
    AuditTerm,
    AuditText,
)
from hub.db import insert_on_driver

# An arbitrary constant naming the sequencer's PostgreSQL advisory lock.
SEQUENCER_LOCK_KEY = 0x4D415348  # "MASH"

ENTRY_COLUMNS = tuple(AuditEntry.__table__.columns)


def take_sequencer_lock(session: Session) -> bool:
    """Only one sequencer at a time, across every process of the hub.

    PostgreSQL: a transaction-scoped advisory lock (released at commit). SQLite: the
    transaction already holds the database's write lock from BEGIN IMMEDIATE.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    locked = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SEQUENCER_LOCK_KEY}
    ).scalar_one()
    return bool(locked)


def insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows on the driver's cursor, together (the sequencer's leaves and terms; see
    :meth:`hub.db.DriverInsert.insert_rows`)."""
    insert_on_driver(session, table, [dict(row) for row in rows])


def tree_size(session: Session) -> int:
    value = session.execute(select(func.max(AuditLeaf.leaf_index))).scalar_one()
    return 0 if value is None else int(value) + 1


def leaf_hashes_from(session: Session, start: int, *, batch: int = 100_000) -> Iterator[str]:
    """Stored leaf hashes from ``start`` on, in index order."""
    position = start
    while True:
        hashes = (
            session.execute(
                select(AuditLeaf.leaf_hash)
                .where(AuditLeaf.leaf_index >= position)
                .order_by(AuditLeaf.leaf_index)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not hashes:
            return
        yield from hashes
        position += len(hashes)


def highest_sequenced_entry(session: Session) -> int:
    value = session.execute(select(func.max(AuditLeaf.entry_id))).scalar_one()
    return int(value or 0)


def unsequenced_entries(session: Session, *, above: int, limit: int) -> Sequence[Row[Any]]:
    """Committed entries with no leaf yet, oldest id first."""
    leafed = exists().where(AuditLeaf.entry_id == AuditEntry.id)
    return session.execute(
        select(*ENTRY_COLUMNS)
        .where(AuditEntry.id > above, ~leafed)
        .order_by(AuditEntry.id)
        .limit(limit)
    ).all()


def count_unsequenced(session: Session) -> int:
    leafed = exists().where(AuditLeaf.entry_id == AuditEntry.id)
    return int(session.execute(select(func.count()).where(~leafed)).scalar_one())


def leaves_with_entries(session: Session, *, start: int, limit: int) -> Sequence[Row[Any]]:
    """Leaves from ``start`` with their entries (entry columns None if the entry is gone)."""
    return session.execute(
        select(
            AuditLeaf.leaf_index,
            AuditLeaf.leaf_hash,
            AuditLeaf.entry_id.label("leaf_entry_id"),
            *ENTRY_COLUMNS,
        )
        .outerjoin(AuditEntry, AuditEntry.id == AuditLeaf.entry_id)
        .where(AuditLeaf.leaf_index >= start)
        .order_by(AuditLeaf.leaf_index)
        .limit(limit)
    ).all()


# Column names come from the table definition, never from input.
_ENTRY_COLUMN_LIST = ", ".join(f"e.{column.name}" for column in ENTRY_COLUMNS)
_RAW_LEAVES = text(
    "SELECT l.leaf_index, l.leaf_hash, l.entry_id AS leaf_entry_id, "  # noqa: S608
    f"{_ENTRY_COLUMN_LIST} FROM audit_leaves l LEFT JOIN audit_entries e ON e.id = l.entry_id"
    " WHERE l.leaf_index >= :start ORDER BY l.leaf_index LIMIT :limit"
)


def raw_leaves_with_entries(session: Session, *, start: int, limit: int) -> Sequence[Row[Any]]:
    """As :func:`leaves_with_entries`, without type processing: for verifying at speed."""
    return session.execute(_RAW_LEAVES, {"start": start, "limit": limit}).all()


def checkpoints() -> Select[AuditCheckpoint]:
    return select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size)


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.execute(
        select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1)
    ).scalar_one_or_none()


def leaf_indexes_of(session: Session, entry_ids: Sequence[int]) -> dict[int, int]:
    """The leaf index of each of these entries that the sequencer has placed."""
    if not entry_ids:
        return {}
    rows = session.execute(
        select(AuditLeaf.entry_id, AuditLeaf.leaf_index).where(AuditLeaf.entry_id.in_(entry_ids))
    )
    return {int(entry_id): int(leaf_index) for entry_id, leaf_index in rows}


def leaf_of_entry(session: Session, entry_id: int) -> AuditLeaf | None:
    return session.execute(
        select(AuditLeaf).where(AuditLeaf.entry_id == entry_id)
    ).scalar_one_or_none()


def entry_at_leaf(session: Session, leaf_index: int) -> Row[Any] | None:
    return session.execute(
        select(*ENTRY_COLUMNS)
        .join(AuditLeaf, AuditLeaf.entry_id == AuditEntry.id)
        .where(AuditLeaf.leaf_index == leaf_index)
    ).first()


def _entry_checks(
    *,
    subject_id: str | None,
    agency: str | None,
    actor: str | None,
    action: str | None,
    actions: Sequence[str] | None,
    kind: str | None,
    resource_id: str | None,
    outcome: str | None,
    since: datetime | None,
    until: datetime | None,
    after_id: int | None,
) -> list[ColumnElement[bool]]:
    """The conditions every entry found must meet, one for each filter given."""
    equal_to: list[tuple[Any, str | None]] = [
        (AuditEntry.actor_sub, actor),
        (AuditEntry.action, action),
        (AuditEntry.resource_kind, kind),
        (AuditEntry.resource_id, resource_id),
        (AuditEntry.outcome, outcome),
    ]
    checks: list[ColumnElement[bool]] = []
    if subject_id is not None:
        # Entries store their people as a JSON array of strings, so the quoted id is exact.
        quoted = json.dumps(subject_id)
        checks.append(AuditEntry.subject_ids.contains(quoted, autoescape=True))
    if agency is not None:
        checks.append((AuditEntry.actor_agency == agency) | (AuditEntry.resource_owner == agency))
    checks += [column == value for column, value in equal_to if value is not None]
    if actions is not None:
        checks.append(AuditEntry.action.in_(actions))
    if since is not None:
        checks.append(AuditEntry.recorded_at >= since)
    if until is not None:
        checks.append(AuditEntry.recorded_at < until)
    if after_id is not None:
        checks.append(AuditEntry.id > after_id)
    return checks


def _sequenced_by_terms(
    session: Session,
    drivers: Sequence[str],
    checks: list[ColumnElement[bool]],
    *,
    up_to: int,
    after_id: int | None,
    limit: int | None,
) -> dict[int, AuditEntry]:
    """Sequenced entries (ids up to ``up_to``) under any of the driving terms, by id."""
    found: dict[int, AuditEntry] = {}
    for term in drivers:
        statement = (
            select(AuditEntry)
            .join(AuditTerm, AuditTerm.entry_id == AuditEntry.id)
            .where(AuditTerm.term == term, AuditTerm.entry_id <= up_to, *checks)
            .order_by(AuditTerm.entry_id)
            .limit(limit)
        )
        if after_id is not None:
            statement = statement.where(AuditTerm.entry_id > after_id)
        found.update((entry.id, entry) for entry in session.execute(statement).scalars())
    return found


def search_entries(
    session: Session,
    *,
    limit: int | None = None,
    subject_id: str | None = None,
    agency: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    actions: Sequence[str] | None = None,
    kind: str | None = None,
    resource_id: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: int | None = None,
) -> list[AuditEntry]:
    """IG search, oldest first, in id order for keyset paging (``after_id``).

    The most selective filter that has a search term drives the query: one range of the
    ``audit_terms`` key, already in entry order, so a page costs the same at any size of
    log. Every filter is then checked on the entries themselves. Entries the sequencer
    has not reached yet (ids above the highest sequenced one, a fraction of a second of
    appends) are read directly, so nothing just written is missed; an entry whose
    transaction committed after a higher id was sequenced is found once the sequencer's
    next pass places it.
    """
    checks = _entry_checks(
        subject_id=subject_id,
        agency=agency,
        actor=actor,
        action=action,
        actions=actions,
        kind=kind,
        resource_id=resource_id,
        outcome=outcome,
        since=since,
        until=until,
        after_id=after_id,
    )
    drivers = _driving_terms(
        subject_id=subject_id,
        resource_id=resource_id,
        actor=actor,
        agency=agency,
        denied=outcome == "denied",
        event=terms.event(kind, action) if kind is not None and action is not None else None,
        days=terms.days_between(since, until),
    )
    if drivers is None:
        statement = select(AuditEntry).where(*checks).order_by(AuditEntry.id).limit(limit)
        return list(session.execute(statement).scalars())

    sequenced_up_to = int(
        session.execute(select(func.coalesce(func.max(AuditLeaf.entry_id), 0))).scalar_one()
    )
    found = _sequenced_by_terms(
        session, drivers, checks, up_to=sequenced_up_to, after_id=after_id, limit=limit
    )
    entries = [found[i] for i in sorted(found)][:limit]
    if limit is None or len(entries) < limit:
        tail = (
            select(AuditEntry)
            .where(AuditEntry.id > sequenced_up_to, *checks)
            .order_by(AuditEntry.id)
            .limit(None if limit is None else limit - len(entries))
        )
        entries += session.execute(tail).scalars()
    return entries


def _driving_terms(
    *,
    subject_id: str | None,
    resource_id: str | None,
    actor: str | None,
    agency: str | None,
    denied: bool,
    event: str | None,
    days: list[str] | None,
) -> list[str] | None:
    """The terms of the most selective filter that has them, or None."""
    if subject_id is not None:
        return [terms.subject(subject_id)]
    if resource_id is not None:
        return [terms.resource(resource_id)]
    if actor is not None:
        return [terms.actor(actor)]
    if denied:
        return [terms.DENIED]
    if agency is not None:
        return [terms.agency(agency)]
    if event is not None:
        return [event]
    return days


def sealed_text_of(session: Session, entry_id: int) -> tuple[str, bytes | None] | None:
    """An entry's commitment and its sealed text (None if destroyed); None if it has none."""
    row = session.execute(
        select(AuditEntry.text_commitment, AuditText.sealed_text)
        .outerjoin(AuditText, AuditText.commitment == AuditEntry.text_commitment)
        .where(AuditEntry.id == entry_id, AuditEntry.text_commitment.is_not(None))
    ).first()
    if row is None:
        return None
    commitment, sealed = row
    return str(commitment), bytes(sealed) if sealed is not None else None


def count_clear_text_entries(session: Session) -> int:
    """Entries written before free text was sealed that hold a reason or purpose in clear.

    They are not rewritten (the log is append-only); a council needs to know it holds them.
    """
    first = select(func.min(AuditSealing.first_entry_id)).scalar_subquery()
    return int(
        session.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.id < func.coalesce(first, 0),
                or_(AuditEntry.reason.is_not(None), AuditEntry.purpose.is_not(None)),
            )
        ).scalar_one()
    )

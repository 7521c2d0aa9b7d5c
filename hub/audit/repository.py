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
    and_,
    bindparam,
    exists,
    func,
    insert,
    select,
    text,
    union,
)
from sqlalchemy.orm import Session

from hub.audit import terms
from hub.audit.models import AuditCheckpoint, AuditEntry, AuditLeaf, AuditTerm

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


_INSERTS: dict[tuple[str, str], tuple[str, tuple[str, ...] | None]] = {}


def insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert plain rows (no type conversions needed) with one driver ``executemany``.

    For the sequencer's leaves and terms: SQLAlchemy's per-row parameter handling would
    cost several times the inserts themselves. The SQL is SQLAlchemy's, compiled once per
    dialect.
    """
    if not rows:
        return
    connection = session.connection()
    key = (connection.dialect.name, table.name)
    if key not in _INSERTS:
        names = tuple(rows[0])
        compiled = insert(table).values({n: bindparam(n) for n in names}).compile(
            dialect=connection.dialect
        )
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        _INSERTS[key] = (str(compiled), order)
    sql, order = _INSERTS[key]
    parameters = rows if order is None else [tuple(row[n] for n in order) for row in rows]
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(sql, parameters)
    finally:
        cursor.close()


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


def search_entries(
    *,
    subject_id: str | None = None,
    agency: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    kind: str | None = None,
    resource_id: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: int | None = None,
) -> Select[AuditEntry]:
    """IG search, oldest first, in id order for keyset paging.

    Each filter with a term narrows through ``audit_terms`` (one range of its primary
    key) plus the entries the sequencer has not reached yet (ids above the highest
    sequenced one, a fraction of a second of appends); every filter is then checked on
    the entries themselves. An entry whose transaction committed after a higher id was
    sequenced is found by its terms once the sequencer's next pass places it.
    """
    wanted: list[str | list[str]] = []
    if subject_id is not None:
        wanted.append(terms.subject(subject_id))
    if agency is not None:
        wanted.append(terms.agency(agency))
    if actor is not None:
        wanted.append(terms.actor(actor))
    if resource_id is not None:
        wanted.append(terms.resource(resource_id))
    elif kind is not None and action is not None:
        wanted.append(terms.event(kind, action))
    if outcome == "denied":
        wanted.append(terms.DENIED)
    days = terms.days_between(since, until)
    if days is not None:
        wanted.append(days)

    conditions: list[ColumnElement[bool]] = []
    sequenced_up_to = select(func.coalesce(func.max(AuditLeaf.entry_id), 0)).scalar_subquery()
    not_yet_sequenced = select(AuditEntry.id).where(AuditEntry.id > sequenced_up_to)
    for term in wanted:
        matching = select(AuditTerm.entry_id).where(
            AuditTerm.term.in_(term) if isinstance(term, list) else AuditTerm.term == term
        )
        if after_id is not None:
            matching = matching.where(AuditTerm.entry_id > after_id)
        conditions.append(AuditEntry.id.in_(union(matching, not_yet_sequenced)))
    if subject_id is not None:
        # Entries store their people as a JSON array of strings, so the quoted id is exact.
        quoted = json.dumps(subject_id)
        conditions.append(AuditEntry.subject_ids.contains(quoted, autoescape=True))
    if agency is not None:
        conditions.append(
            (AuditEntry.actor_agency == agency) | (AuditEntry.resource_owner == agency)
        )
    if actor is not None:
        conditions.append(AuditEntry.actor_sub == actor)
    if action is not None:
        conditions.append(AuditEntry.action == action)
    if kind is not None:
        conditions.append(AuditEntry.resource_kind == kind)
    if resource_id is not None:
        conditions.append(AuditEntry.resource_id == resource_id)
    if outcome is not None:
        conditions.append(AuditEntry.outcome == outcome)
    if since is not None:
        conditions.append(AuditEntry.recorded_at >= since)
    if until is not None:
        conditions.append(AuditEntry.recorded_at < until)
    if after_id is not None:
        conditions.append(AuditEntry.id > after_id)
    statement = select(AuditEntry).order_by(AuditEntry.id)
    return statement.where(and_(*conditions)) if conditions else statement

"""Every agency-store query. Each starts inside one agency's store, from the
:class:`AgencyScope` that the firewall's decision opened (:func:`scope_granted`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Dialect,
    LargeBinary,
    Select,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from hub.agencies.indexing import PASS_OF_CODE, unpack_index_keys
from hub.agencies.models import AgencyRecord, AgencyRecordIndex
from hub.db import driver_insert
from hub.policy.firewall import Decision, Resource

# Parameters per IN (...) list; below SQLite's limit and PostgreSQL's comfortable range.
IN_LIST_LIMIT = 900


@dataclass(frozen=True, slots=True)
class AgencyScope:
    """One agency's store, as the firewall opened it for this request or command.

    Made only by :func:`scope_granted` from an allowed decision, so no query of a store
    can start from a string taken from a URL or a file.
    """

    agency: str


def scope_granted(decision: Decision, resource: Resource) -> AgencyScope:
    """The store that an allowed decision on an agency-owned resource opens."""
    if not decision.allowed or not resource.owner:
        raise ValueError("an agency store opens only on an allowed decision about that agency")
    return AgencyScope(resource.owner)


def _records_in(scope: AgencyScope) -> ColumnElement[bool]:
    """The one condition that keeps a query of records inside one agency's store."""
    return AgencyRecord.agency == scope.agency


def _index_in(scope: AgencyScope) -> ColumnElement[bool]:
    """The same for the agency's blind indexes."""
    return _RECORD_INDEX.c.agency == scope.agency


def records_of_agency(scope: AgencyScope) -> Select[AgencyRecord]:
    """The one starting point for any query of one agency's store."""
    return select(AgencyRecord).where(_records_in(scope))


def live_records_of_agency(scope: AgencyScope) -> Select[AgencyRecord]:
    return records_of_agency(scope).where(AgencyRecord.shredded_at.is_(None))


def record_of_agency(
    session: Session, scope: AgencyScope, record_id: uuid.UUID
) -> AgencyRecord | None:
    return session.execute(
        records_of_agency(scope).where(AgencyRecord.id == record_id)
    ).scalar_one_or_none()


def page_of_records(
    session: Session, scope: AgencyScope, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[AgencyRecord]:
    statement = live_records_of_agency(scope).order_by(
        AgencyRecord.created_at.desc(), AgencyRecord.id.desc()
    )
    if after is not None:
        created_at, record_id = after
        statement = statement.where(
            or_(
                AgencyRecord.created_at < created_at,
                and_(AgencyRecord.created_at == created_at, AgencyRecord.id < record_id),
            )
        )
    return list(session.execute(statement.limit(limit)).scalars())


def has_records(session: Session, scope: AgencyScope) -> bool:
    """Whether the scope's agency has any record found by its own reference (a live record)."""
    statement = (
        records_of_agency(scope)
        .where(AgencyRecord.source_ref_index.is_not(None))
        .with_only_columns(AgencyRecord.id)
        .limit(1)
    )
    return session.execute(statement).first() is not None


@dataclass(frozen=True, slots=True)
class KnownRecord:
    """What a write needs of a record that is already stored."""

    id: uuid.UUID
    row_digest: bytes | None
    index_keys: bytes | None


def records_by_source_ref(
    session: Session, scope: AgencyScope, source_ref_indexes: Sequence[bytes]
) -> dict[bytes, KnownRecord]:
    """Existing records of the scope's agency by source-ref index."""
    found: dict[bytes, KnownRecord] = {}
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # An import looks up every row of every batch: straight to the driver, as the bulk
        # writes below go, instead of SQLAlchemy processing each of the IN list's values.
        to_id = _RECORDS.c.id.type.result_processor(connection.dialect, None)
        cursor = connection.connection.cursor()
        try:
            for start in range(0, len(source_ref_indexes), IN_LIST_LIMIT):
                part = source_ref_indexes[start : start + IN_LIST_LIMIT]
                placeholders = ", ".join("?" * len(part))  # only placeholders go into the SQL
                cursor.execute(
                    "SELECT source_ref_index, id, row_digest, index_keys FROM agency_records "  # noqa: S608
                    f"WHERE agency = ? AND source_ref_index IN ({placeholders})",
                    (scope.agency, *part),
                )
                for ref_index, record_id, digest, index_keys in cursor.fetchall():
                    record_id = record_id if to_id is None else to_id(record_id)
                    found[bytes(ref_index)] = _known(record_id, digest, index_keys)
        finally:
            cursor.close()
        return found
    columns = (
        AgencyRecord.source_ref_index,
        AgencyRecord.id,
        AgencyRecord.row_digest,
        AgencyRecord.index_keys,
    )
    # One array parameter, not one parameter per index: a batch is one short query.
    statement = (
        records_of_agency(scope)
        .where(
            AgencyRecord.source_ref_index
            == any_(bindparam("refs", list(source_ref_indexes), type_=_BYTEA_ARRAY))
        )
        .with_only_columns(*columns)
    )
    for ref_index, record_id, digest, index_keys in session.execute(statement):
        if ref_index is not None:
            found[bytes(ref_index)] = _known(record_id, digest, index_keys)
    return found


def _known(record_id: Any, digest: Any, index_keys: Any) -> KnownRecord:
    return KnownRecord(
        cast(uuid.UUID, record_id),
        None if digest is None else bytes(digest),
        None if index_keys is None else bytes(index_keys),
    )


_BYTEA_ARRAY = postgresql.ARRAY(LargeBinary)


# --- bulk writes ------------------------------------------------------------------------
#
# An import writes thousands of rows per batch. Through SQLAlchemy's statement machinery
# the per-row parameter handling costs more than the sealing does, so the two INSERTs are
# compiled once per dialect and run on the transaction's own driver cursor, with
# SQLAlchemy's own bind processors applied: the stored rows are exactly what a Core insert
# stores (tests/agencies/test_bulk_import.py compares them). PostgreSQL takes the rows by
# COPY, which its planner and WAL handle far better than row-by-row INSERTs.

_RECORDS = cast(Table, AgencyRecord.__table__)
_RECORD_INDEX = cast(Table, AgencyRecordIndex.__table__)

# The per-row values of a new record, in this order (the repository adds the rest).
NEW_RECORD_FIELDS = (
    "id",
    "source_ref_index",
    "row_digest",
    "sealed_key",
    "key_version",
    "sealed_identifiers",
    "sealed_content",
    "index_keys",
)
# The table's own column order, which is the order of a compiled INSERT's parameters.
_RECORD_COLUMNS = (
    "id",
    "agency",
    *NEW_RECORD_FIELDS[1:],
    "created_by",
    "created_at",
    "updated_at",
    "shredded_at",
)
_INDEX_COLUMNS = ("agency", "blind", "record_id", "pass_code")
# PostgreSQL types for binary COPY, column by column.
_PG_TYPES = {
    "id": "uuid",
    "record_id": "uuid",
    "source_ref_index": "bytea",
    "row_digest": "bytea",
    "sealed_key": "bytea",
    "key_version": "int4",
    "sealed_identifiers": "bytea",
    "sealed_content": "bytea",
    "index_keys": "bytea",
    "blind": "bytea",
    "pass_code": "int2",
    "agency": "varchar",
    "created_by": "varchar",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "shredded_at": "timestamptz",
}


@dataclass(frozen=True, slots=True)
class _BulkInsert:
    """One table's bulk INSERT as one dialect's driver takes it."""

    sql: str
    columns: tuple[str, ...]
    processors: dict[str, Callable[[Any], Any]]


_BULK: dict[tuple[str, str], _BulkInsert] = {}


def _bulk_insert(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> _BulkInsert:
    found = _BULK.get((dialect.name, table.name))
    if found is not None:
        return found
    compiled = driver_insert(dialect, table, columns)
    if dialect.name == "postgresql":
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    else:
        if compiled.order != columns:
            raise RuntimeError(f"unexpected parameter style for {table.name} on {dialect.name}")
        sql = compiled.sql
    found = _BulkInsert(sql, columns, compiled.processors)
    _BULK[(dialect.name, table.name)] = found
    return found


def _run_bulk(session: Session, bulk: _BulkInsert, rows: Sequence[Sequence[Any]]) -> None:
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(bulk.sql) as copy:
                copy.set_types([_PG_TYPES[name] for name in bulk.columns])
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(bulk.sql, rows)
    finally:
        cursor.close()


# SQLite copies the write-ahead log back into the database file (a checkpoint, with an
# fsync) whenever the log passes 1000 pages, which a batch of records does on its own: a
# bulk import would checkpoint after every batch. Pages an import touches again and again
# (the blind index above all) are copied once per checkpoint, so during an import the
# connection checkpoints every ~200 MB instead. Committed batches are exactly as durable
# (they are in the log either way); the import's last transaction restores the usual
# setting, and its commit checkpoints what is left.
BULK_WAL_AUTOCHECKPOINT_PAGES = 50_000
SQLITE_DEFAULT_WAL_AUTOCHECKPOINT_PAGES = 1000


# An import batch inserts tens of thousands of index rows into one agency's range; with
# SQLite's default 2 MB page cache it spills dirty pages to the log and reads them back
# mid-transaction. A batch transaction gets a larger cache, and gives it back before it
# commits, so no pooled connection keeps it.
BULK_CACHE_KIB = 256 * 1024
_CACHE_BEFORE_BULK = "cache_size_before_bulk_writes"


def prepare_for_bulk_writes(session: Session) -> None:
    """Let this batch transaction's connection batch its checkpoints and cache more pages
    (SQLite; elsewhere a no-op). Call :func:`end_bulk_batch` before it commits."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={BULK_WAL_AUTOCHECKPOINT_PAGES}")
        before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        connection.info[_CACHE_BEFORE_BULK] = before
        connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")


def end_bulk_batch(session: Session) -> None:
    """Give back the batch's page cache (its dirty pages go to the log, as at commit)."""
    connection = session.connection()
    before = connection.info.pop(_CACHE_BEFORE_BULK, None)
    if before is not None:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def finish_bulk_writes(session: Session) -> None:
    """Go back to the usual checkpoints (the transaction's commit then checkpoints)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            f"PRAGMA wal_autocheckpoint={SQLITE_DEFAULT_WAL_AUTOCHECKPOINT_PAGES}"
        )


def insert_new_records(
    session: Session,
    scope: AgencyScope,
    *,
    created_by: str,
    now: datetime,
    records: Sequence[tuple[Any, ...]],
) -> None:
    """Insert new records of the scope's agency (values in :data:`NEW_RECORD_FIELDS` order)."""
    if not records:
        return
    bulk = _bulk_insert(session.get_bind().dialect, _RECORDS, _RECORD_COLUMNS)
    fixed = {
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
        "shredded_at": None,
    }
    # The same value in every row: through its bind processor once, not once per row.
    tail = tuple(
        bulk.processors[name](value) if name in bulk.processors else value
        for name, value in fixed.items()
    )
    to_id = bulk.processors.get("id")
    rows = (
        [(to_id(record[0]), scope.agency, *record[1:], *tail) for record in records]
        if to_id is not None
        else [(record[0], scope.agency, *record[1:], *tail) for record in records]
    )
    _run_bulk(session, bulk, rows)


def insert_blind_indexes(
    session: Session,
    scope: AgencyScope,
    records: Sequence[tuple[uuid.UUID, Sequence[tuple[int, bytes]]]],
) -> None:
    """Insert the blind indexes of the scope's records: ``(record id, [(pass code, blind)])``.

    Sorted by blind first, so the rows go into the agency's range of the index in order.
    """
    if not records:
        return
    bulk = _bulk_insert(session.get_bind().dialect, _RECORD_INDEX, _INDEX_COLUMNS)
    to_id = bulk.processors.get("record_id")
    rows: list[tuple[str, bytes, Any, int]] = []
    for record_id, blinds in records:
        stored_id = record_id if to_id is None else to_id(record_id)
        rows.extend([(scope.agency, blind, stored_id, code) for code, blind in blinds])
    rows.sort(key=_blind_of_row)
    _run_bulk(session, bulk, rows)


def _blind_of_row(row: tuple[str, bytes, Any, int]) -> bytes:
    return row[1]


def replace_record(
    session: Session, scope: AgencyScope, record_id: uuid.UUID, values: dict[str, Any]
) -> None:
    session.execute(
        update(AgencyRecord)
        .where(_records_in(scope), AgencyRecord.id == record_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def delete_indexes_of(
    session: Session, scope: AgencyScope, records: Sequence[tuple[uuid.UUID, bytes | None]]
) -> None:
    """Delete the blind indexes of the scope's records, given each ``(id, index keys)``."""
    keys = [
        {"index_blind": blind, "index_record_id": record_id}
        for record_id, packed in records
        if packed
        for _, blind in unpack_index_keys(packed)
    ]
    if keys:
        session.connection().execute(
            delete(_RECORD_INDEX).where(
                _index_in(scope),
                _RECORD_INDEX.c.blind == bindparam("index_blind"),
                _RECORD_INDEX.c.record_id == bindparam("index_record_id"),
            ),
            keys,
        )


# The agencies with anything in the index, one seek each (a loose index scan): an agency
# check then seeks its blind indexes within each agency's range of the key.
_AGENCIES_IN_INDEX = text(
    """
    WITH RECURSIVE present(agency) AS (
        SELECT min(agency) FROM agency_record_index
        UNION ALL
        SELECT (SELECT min(agency) FROM agency_record_index WHERE agency > present.agency)
        FROM present WHERE present.agency IS NOT NULL
    )
    SELECT agency FROM present WHERE agency IS NOT NULL
    """
)


def index_matches(session: Session, blinds: Iterable[bytes]) -> list[tuple[str, str, uuid.UUID]]:
    """Every (agency, pass, record) whose blind index is one of ``blinds``."""
    values = list(blinds)
    if not values:
        return []
    agencies = list(session.execute(_AGENCIES_IN_INDEX).scalars())
    if not agencies:
        return []
    rows = session.execute(
        select(
            AgencyRecordIndex.agency, AgencyRecordIndex.pass_code, AgencyRecordIndex.record_id
        ).where(AgencyRecordIndex.agency.in_(agencies), AgencyRecordIndex.blind.in_(values))
    ).all()
    return [(agency, PASS_OF_CODE[code], record_id) for agency, code, record_id in rows]


def matching_records_of_agency(
    session: Session, scope: AgencyScope, blinds: Iterable[bytes], *, limit: int
) -> list[tuple[AgencyRecord, str]]:
    """One agency's live records whose blind indexes include one of ``blinds``, with the pass."""
    values = list(blinds)
    if not values:
        return []
    statement = (
        live_records_of_agency(scope)
        .join(AgencyRecordIndex, AgencyRecordIndex.record_id == AgencyRecord.id)
        .where(_index_in(scope), AgencyRecordIndex.blind.in_(values))
        .add_columns(AgencyRecordIndex.pass_code)
        .order_by(AgencyRecord.created_at.desc(), AgencyRecord.id.desc())
        .limit(limit)
    )
    return [(record, PASS_OF_CODE[code]) for record, code in session.execute(statement).all()]


# --- keys over time -----------------------------------------------------------------------


def records_sealed_under_old_versions(
    session: Session,
    scope: AgencyScope,
    primary_version: int,
    *,
    after: uuid.UUID | None,
    limit: int,
) -> list[AgencyRecord]:
    statement = (
        live_records_of_agency(scope)
        .where(AgencyRecord.key_version < primary_version)
        .order_by(AgencyRecord.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(AgencyRecord.id > after)
    return list(session.execute(statement).scalars())


def count_sealed_under(session: Session, scope: AgencyScope, versions: Sequence[int]) -> int:
    if not versions:
        return 0
    statement = (
        live_records_of_agency(scope)
        .where(AgencyRecord.key_version.in_(versions))
        .with_only_columns(func.count())
    )
    return int(session.execute(statement).scalar_one())


def count_live_records(session: Session, scope: AgencyScope) -> int:
    return int(
        session.execute(live_records_of_agency(scope).with_only_columns(func.count())).scalar_one()
    )


_SHREDDED_VALUES: dict[str, Any] = {
    "source_ref_index": None,
    "row_digest": None,
    "sealed_key": None,
    "key_version": None,
    "sealed_identifiers": None,
    "sealed_content": None,
    "index_keys": None,
}


def shred_record(
    session: Session, scope: AgencyScope, record_id: uuid.UUID, when: datetime
) -> None:
    index_keys = session.execute(
        records_of_agency(scope)
        .where(AgencyRecord.id == record_id)
        .with_only_columns(AgencyRecord.index_keys)
    ).scalar_one_or_none()
    delete_indexes_of(session, scope, [(record_id, index_keys)])
    replace_record(session, scope, record_id, {**_SHREDDED_VALUES, "shredded_at": when})


def shred_agency_records(session: Session, scope: AgencyScope, when: datetime) -> list[uuid.UUID]:
    """Empty every record of the scope's agency; return the ids of those that held data."""
    ids = list(
        session.execute(live_records_of_agency(scope).with_only_columns(AgencyRecord.id)).scalars()
    )
    session.execute(
        delete(AgencyRecordIndex)
        .where(_index_in(scope))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(AgencyRecord)
        .where(_records_in(scope), AgencyRecord.shredded_at.is_(None))
        .values(**_SHREDDED_VALUES, shredded_at=when)
        .execution_options(synchronize_session=False)
    )
    return ids


def agency_of_record(session: Session, record_id: uuid.UUID) -> str | None:
    """Which agency a record belongs to (an id lookup for key administration, no content)."""
    return session.execute(
        select(AgencyRecord.agency).where(AgencyRecord.id == record_id)
    ).scalar_one_or_none()

"""Every data-key query."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Column, Connection, Select, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from hub.db import driver_statement, insert_on_driver, reading_connection
from hub.keys.models import DataKeyRow

# The columns of a new key version's row, as one insert writes them.
_NEW_VERSION_COLUMNS = (
    "key_id",
    "version",
    "state",
    "wrapped",
    "provider",
    "seal_count",
    "created_at",
)


def versions_of(key_id: str) -> Select[DataKeyRow]:
    return select(DataKeyRow).where(DataKeyRow.key_id == key_id).order_by(DataKeyRow.version)


def primary_of(session: Session, key_id: str) -> DataKeyRow | None:
    return session.execute(
        versions_of(key_id).where(DataKeyRow.state == "primary")
    ).scalar_one_or_none()


def version_of(session: Session, key_id: str, version: int) -> DataKeyRow | None:
    return session.execute(
        select(DataKeyRow).where(DataKeyRow.key_id == key_id, DataKeyRow.version == version)
    ).scalar_one_or_none()


def latest_version(session: Session, key_id: str) -> int:
    value = session.execute(
        select(func.max(DataKeyRow.version)).where(DataKeyRow.key_id == key_id)
    ).scalar_one()
    return int(value or 0)


def _primary() -> Select[int, str, bytes | None, int]:
    return select(
        DataKeyRow.version, DataKeyRow.state, DataKeyRow.wrapped, DataKeyRow.seal_count
    ).where(DataKeyRow.key_id == bindparam("which_key"), DataKeyRow.state == "primary")


def primary_version(session: Session, key_id: str) -> tuple[int, str, bytes | None, int] | None:
    """``(version, state, wrapped, seal_count)`` of ``key_id``'s primary version, if it has
    one: once per key and transaction on every sealing path, so one statement on the
    driver's cursor (see :class:`hub.db.DriverStatement`). The keyring flushes every
    change it makes to a key row as it makes it, so the table holds what the session does."""
    with reading_connection(session) as connection:
        rows = driver_statement(session.get_bind().dialect, "keys.primary", _primary).rows(
            connection, {"which_key": key_id}
        )
    return cast(tuple[int, str, bytes | None, int], rows[0]) if rows else None


def insert_version(session: Session, values: dict[str, Any]) -> None:
    """A new key version's row (``values`` by column name), inserted at once."""
    insert_on_driver(session, DataKeyRow, [values], _NEW_VERSION_COLUMNS)


def _count_seals() -> Update:
    return (
        update(DataKeyRow)
        .where(
            DataKeyRow.key_id == bindparam("which_key"),
            DataKeyRow.version == bindparam("which_version"),
        )
        .values(seal_count=DataKeyRow.seal_count + bindparam("seals"))
    )


def count_seals(session: Session | Connection, key_id: str, version: int, count: int) -> None:
    """Add ``count`` seals to a key version's row, in the caller's transaction."""
    connection = session.connection() if isinstance(session, Session) else session
    driver_statement(connection.dialect, "keys.count_seals", _count_seals).rows(
        connection.connection.driver_connection,
        {"which_key": key_id, "which_version": version, "seals": count},
    )


def versions_in_state(key_id: str, *states: str) -> Select[DataKeyRow]:
    return versions_of(key_id).where(DataKeyRow.state.in_(states))


def shred_all_versions(session: Session, key_id: str, when: datetime) -> list[int]:
    """Empty the wrapped key of every version of ``key_id``; return the versions touched."""
    versions = list(
        session.execute(
            select(DataKeyRow.version)
            .where(DataKeyRow.key_id == key_id, DataKeyRow.state != "shredded")
            .order_by(DataKeyRow.version)
        ).scalars()
    )
    if versions:
        session.execute(
            update(DataKeyRow)
            .where(DataKeyRow.key_id == key_id, DataKeyRow.version.in_(versions))
            .values(state="shredded", wrapped=None, shredded_at=when)
            .execution_options(synchronize_session="fetch")
        )
    return versions


# --- columns sealed under the hub key (hub/keys/hub_store.py lists them) ---------------------


def sealed_values(
    session: Session,
    row_id: Column[uuid.UUID],
    sealed: Column[Any],
    *,
    after: uuid.UUID | None,
    limit: int,
) -> list[tuple[uuid.UUID, bytes]]:
    """A page of ``(row id, sealed value)`` of one sealed column, in row id order."""
    statement = select(row_id, sealed).where(sealed.is_not(None)).order_by(row_id).limit(limit)
    if after is not None:
        statement = statement.where(row_id > after)
    return [(found_id, bytes(value)) for found_id, value in session.execute(statement)]


def replace_sealed(
    session: Session,
    row_id: Column[uuid.UUID],
    sealed: Column[Any],
    target: uuid.UUID,
    value: bytes,
) -> None:
    session.execute(update(row_id.table).where(row_id == target).values({sealed.name: value}))


# Case keys, sealed under the hub key in data_keys.wrapped (hub/keys/hub_store.py).
_CASE_KEY_PATTERNS = ("case:%", "notification:%", "episode:%")


def wrapped_case_keys(
    session: Session, *, after: str | None, limit: int
) -> list[tuple[str, bytes]]:
    """A page of ``(key id, sealed key)`` of the case keys not destroyed, by key id."""
    statement = (
        select(DataKeyRow.key_id, DataKeyRow.wrapped)
        .where(
            or_(*(DataKeyRow.key_id.like(p) for p in _CASE_KEY_PATTERNS)),
            DataKeyRow.wrapped.is_not(None),
        )
        .order_by(DataKeyRow.key_id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(DataKeyRow.key_id > after)
    return [(key_id, bytes(value or b"")) for key_id, value in session.execute(statement)]


def replace_wrapped_case_key(session: Session, key_id: str, value: bytes) -> None:
    session.execute(
        update(DataKeyRow)
        .where(DataKeyRow.key_id == key_id, DataKeyRow.wrapped.is_not(None))
        .values(wrapped=value)
    )

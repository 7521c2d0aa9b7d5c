"""Every data-key query."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Select, func, or_, select, update
from sqlalchemy.orm import Session

from hub.keys.models import DataKeyRow


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


def count_seals(session: Session | Connection, key_id: str, version: int, count: int) -> None:
    session.execute(
        update(DataKeyRow)
        .where(DataKeyRow.key_id == key_id, DataKeyRow.version == version)
        .values(seal_count=DataKeyRow.seal_count + count)
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

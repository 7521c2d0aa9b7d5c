"""Every query of the person index. Other domains ask here; none reads ``person_index`` itself.

Statements that other repositories join with their own tables come back as composable
``select()`` statements of the index's columns (``parent_id``, ``person_id``, ``pass_name``,
``blind``, ``created_at``); the domain decides what a parent is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, delete, select
from sqlalchemy.orm import Session

from hub.db import insert_on_driver
from hub.people.models import PersonIndex

# Large IN lists are split so SQLite's limit on bound parameters is never reached.
IN_LIST_LIMIT = 900
_INDEX_COLUMNS = ("id", "store", "parent_id", "person_id", "pass_name", "blind", "created_at")


def insert_person_indexes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Store index rows, each with every column (``id``, ``store``, ``parent_id``,
    ``person_id``, ``pass_name``, ``blind``, ``created_at``); converted here, in place.

    On the driver's cursor (see :class:`hub.db.DriverInsert`): a contact's intake writes a
    few of these, and SQLAlchemy's executemany cost more than the rows.
    """
    insert_on_driver(session, PersonIndex, rows, _INDEX_COLUMNS)


def index_entries(
    store: str,
    *,
    blinds: Iterable[bytes] | Select[Any] | None = None,
    passes: Sequence[str] | None = None,
    person_ids: Sequence[uuid.UUID] | None = None,
    parent_id: uuid.UUID | None = None,
    not_parent: uuid.UUID | None = None,
) -> Select[uuid.UUID, uuid.UUID, str, bytes, datetime]:
    """The index entries of one store, narrowed by whatever is given."""
    statement = select(
        PersonIndex.parent_id,
        PersonIndex.person_id,
        PersonIndex.pass_name,
        PersonIndex.blind,
        PersonIndex.created_at,
    ).where(PersonIndex.store == store)
    if blinds is not None:
        values = blinds.scalar_subquery() if isinstance(blinds, Select) else list(blinds)
        statement = statement.where(PersonIndex.blind.in_(values))
    if passes is not None:
        statement = statement.where(PersonIndex.pass_name.in_(passes))
    if person_ids is not None:
        statement = statement.where(PersonIndex.person_id.in_(person_ids))
    if parent_id is not None:
        statement = statement.where(PersonIndex.parent_id == parent_id)
    if not_parent is not None:
        statement = statement.where(PersonIndex.parent_id != not_parent)
    return statement


def blinds_of(
    store: str, *, passes: Sequence[str], person_ids: Sequence[uuid.UUID]
) -> Select[bytes]:
    """The blind indexes of these people (for use inside another statement)."""
    return select(PersonIndex.blind).where(
        PersonIndex.store == store,
        PersonIndex.person_id.in_(person_ids),
        PersonIndex.pass_name.in_(passes),
    )


def matches(
    session: Session, store: str, blinds: Iterable[bytes]
) -> Sequence[Row[uuid.UUID, uuid.UUID, str, datetime]]:
    """``(parent, person, pass, indexed at)`` of entries with one of ``blinds``, newest first."""
    values = list(blinds)
    if not values:
        return []
    return session.execute(
        select(
            PersonIndex.parent_id,
            PersonIndex.person_id,
            PersonIndex.pass_name,
            PersonIndex.created_at,
        )
        .where(PersonIndex.store == store, PersonIndex.blind.in_(values))
        .order_by(PersonIndex.created_at.desc())
    ).all()


def blinds_by_person(
    session: Session, store: str, *, passes: Sequence[str], person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, set[bytes]]:
    """Each person's blind indexes of these passes."""
    found: dict[uuid.UUID, set[bytes]] = {}
    for start in range(0, len(person_ids), IN_LIST_LIMIT):
        rows = session.execute(
            select(PersonIndex.person_id, PersonIndex.blind).where(
                PersonIndex.store == store,
                PersonIndex.pass_name.in_(passes),
                PersonIndex.person_id.in_(list(person_ids[start : start + IN_LIST_LIMIT])),
            )
        )
        for person_id, blind in rows:
            found.setdefault(person_id, set()).add(bytes(blind))
    return found


def blinds_of_parent(
    session: Session, store: str, parent_id: uuid.UUID, *, passes: Sequence[str]
) -> set[bytes]:
    """The blind indexes of every person of one parent (a contact, say)."""
    return {
        bytes(blind)
        for blind in session.execute(
            select(PersonIndex.blind).where(
                PersonIndex.store == store,
                PersonIndex.parent_id == parent_id,
                PersonIndex.pass_name.in_(passes),
            )
        ).scalars()
    }


def parent_ids(
    store: str,
    *,
    blinds: Iterable[bytes] | Select[Any] | None = None,
    passes: Sequence[str] | None = None,
    person_ids: Sequence[uuid.UUID] | None = None,
) -> Select[uuid.UUID]:
    """The parents (contacts, notifications, episodes) with matching entries, for ``IN (...)``."""
    entries = index_entries(store, blinds=blinds, passes=passes, person_ids=person_ids)
    return entries.with_only_columns(PersonIndex.parent_id)


def person_ids(
    store: str,
    *,
    blinds: Iterable[bytes] | Select[Any] | None = None,
    not_parent: uuid.UUID | None = None,
) -> Select[uuid.UUID]:
    """The people with matching entries, for ``IN (...)`` or a join."""
    entries = index_entries(store, blinds=blinds, not_parent=not_parent)
    return entries.with_only_columns(PersonIndex.person_id)


def remove_entries_of(session: Session, stores: Sequence[str], parent_id: uuid.UUID) -> int:
    """Forget every person of one parent (a case destroyed under the retention schedule):
    a blind index left behind would still show that the person was there."""
    result = session.execute(
        delete(PersonIndex)
        .where(PersonIndex.store.in_(stores), PersonIndex.parent_id == parent_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)

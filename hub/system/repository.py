"""What the system administrator's pages count: data keys and agency records, as figures.

Nothing here returns key material or record content. The hub's own keys and the agencies'
store keys are few and are read version by version; every other key (a record's, a
case's, whatever later kinds of key are added) is only ever counted, grouped by the
prefix of its id before ``:``, so a store of a million such keys costs one aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, case, func, literal, or_, select
from sqlalchemy.orm import Session

from hub.agencies.models import AgencyRecord
from hub.keys.models import DataKeyRow
from hub.keys.service import AGENCY_KEY_PREFIX, SHREDDED

KEY_ID_SEPARATOR = ":"


@dataclass(frozen=True, slots=True)
class KeyGroupCount:
    """How many keys of one prefix there are, and how many of them are destroyed."""

    prefix: str
    live: int
    destroyed: int


@dataclass(frozen=True, slots=True)
class RecordCount:
    """An agency's records: still held, and destroyed with their record key."""

    agency: str
    live: int
    destroyed: int


def _separator_at(dialect: str) -> ColumnElement[int]:
    """Where the first ``:`` of a key id is (1-based; 0 when there is none)."""
    if dialect == "postgresql":
        return func.strpos(DataKeyRow.key_id, KEY_ID_SEPARATOR)
    return func.instr(DataKeyRow.key_id, KEY_ID_SEPARATOR)


def _is_store_key() -> ColumnElement[bool]:
    """The hub's own keys (no prefix) and the agencies' store keys: listed one by one."""
    return or_(
        ~DataKeyRow.key_id.contains(KEY_ID_SEPARATOR, autoescape=True),
        DataKeyRow.key_id.startswith(AGENCY_KEY_PREFIX, autoescape=True),
    )


def store_key_versions() -> Select[DataKeyRow]:
    return select(DataKeyRow).where(_is_store_key()).order_by(DataKeyRow.key_id, DataKeyRow.version)


def key_group_counts(session: Session) -> list[KeyGroupCount]:
    """Every other key counted by its prefix: live if any version is not shredded."""
    dialect = session.get_bind().dialect.name
    separator = _separator_at(dialect)
    prefix = func.substr(DataKeyRow.key_id, literal(1), separator - 1)
    per_key = (
        select(
            prefix.label("prefix"),
            func.max(case((DataKeyRow.state != SHREDDED, 1), else_=0)).label("live"),
        )
        .where(~_is_store_key())
        .group_by(DataKeyRow.key_id)
        .subquery()
    )
    statement = (
        select(
            per_key.c.prefix,
            func.sum(per_key.c.live),
            func.count() - func.sum(per_key.c.live),
        )
        .group_by(per_key.c.prefix)
        .order_by(per_key.c.prefix)
    )
    return [
        KeyGroupCount(str(name), int(live or 0), int(destroyed or 0))
        for name, live, destroyed in session.execute(statement)
    ]


def record_counts(session: Session) -> list[RecordCount]:
    """Each agency's records, held and destroyed: the record keys (``record:``) by owner."""
    destroyed = func.count(AgencyRecord.shredded_at)
    statement = (
        select(AgencyRecord.agency, func.count() - destroyed, destroyed)
        .group_by(AgencyRecord.agency)
        .order_by(AgencyRecord.agency)
    )
    return [
        RecordCount(str(agency), int(live), int(gone))
        for agency, live, gone in session.execute(statement)
    ]

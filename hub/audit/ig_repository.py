"""The queries behind the information-governance pages: the disclosure register filtered and
newest first, and the weekly figures the IG home page draws, each one SQL aggregate.

The figures count entries of the log (and, for decisions not to share, the disclosures'
own kind), never the content of anything: no reason, no sealed column is read here.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry
from hub.enquiries.models import Disclosure

DISCLOSURE = "disclosure"
DECLINE = "decline"


@dataclass(frozen=True, slots=True)
class RegisterFilters:
    """What the register is narrowed to; ``None`` for a filter not used."""

    agency: str | None = None
    lawful_basis: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    enquiry_id: uuid.UUID | None = None
    declined_only: bool = False

    def described(self) -> dict[str, str]:
        used: dict[str, str] = {}
        for name in ("agency", "lawful_basis", "since", "until", "enquiry_id"):
            value = getattr(self, name)
            if value is not None:
                used[name] = value.isoformat() if isinstance(value, datetime) else str(value)
        if self.declined_only:
            used["declined_only"] = "yes"
        return used


def _disclosure_ids(session: Session, filters: RegisterFilters) -> list[str] | None:
    """Ids of the disclosures of one enquiry and/or the decisions not to share, as the log
    names them; None when neither filter is used."""
    if filters.enquiry_id is None and not filters.declined_only:
        return None
    statement = select(Disclosure.id)
    if filters.enquiry_id is not None:
        statement = statement.where(Disclosure.enquiry_id == filters.enquiry_id)
    if filters.declined_only:
        statement = statement.where(Disclosure.kind == DECLINE)
    return [str(i) for i in session.execute(statement).scalars()]


def register_entries(
    session: Session, filters: RegisterFilters, *, limit: int, before_id: int | None
) -> list[AuditEntry]:
    """Disclosures on the log (the entry of each one made), newest first, keyset paged."""
    checks: list[ColumnElement[bool]] = [
        AuditEntry.resource_kind == DISCLOSURE,
        AuditEntry.action == "create",
        AuditEntry.outcome == "allowed",
    ]
    if filters.agency is not None:
        checks.append(AuditEntry.resource_owner == filters.agency)
    if filters.lawful_basis is not None:
        checks.append(AuditEntry.lawful_basis == filters.lawful_basis)
    if filters.since is not None:
        checks.append(AuditEntry.recorded_at >= filters.since)
    if filters.until is not None:
        checks.append(AuditEntry.recorded_at < filters.until)
    if before_id is not None:
        checks.append(AuditEntry.id < before_id)
    ids = _disclosure_ids(session, filters)
    if ids is not None:
        if not ids:
            return []
        checks.append(AuditEntry.resource_id.in_(ids))
    statement = select(AuditEntry).where(*checks).order_by(AuditEntry.id.desc()).limit(limit)
    return list(session.execute(statement).scalars())


def register_entry(session: Session, entry_id: int) -> AuditEntry | None:
    """One disclosure's entry on the log, or None if this id is not a disclosure made."""
    return session.execute(
        select(AuditEntry).where(
            AuditEntry.id == entry_id,
            AuditEntry.resource_kind == DISCLOSURE,
            AuditEntry.action == "create",
            AuditEntry.outcome == "allowed",
        )
    ).scalar_one_or_none()


def disclosure_kinds(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """How each of these disclosures answered (records, fields, summary, no_information,
    decline): the kind only, never what it shares."""
    wanted = []
    for value in ids:
        try:
            wanted.append(uuid.UUID(value))
        except ValueError:
            continue
    if not wanted:
        return {}
    rows = session.execute(select(Disclosure.id, Disclosure.kind).where(Disclosure.id.in_(wanted)))
    return {str(i): str(kind) for i, kind in rows}


def _week_of(session: Session, column: Any) -> ColumnElement[str]:
    """The Monday (UTC date, ``YYYY-MM-DD``) of the week a moment falls in."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
    # SQLite: back to the Monday on or before the day ('weekday 1' moves forward to Monday).
    return func.date(column, "-6 days", "weekday 1")


@dataclass(frozen=True, slots=True)
class WeeklyCount:
    week: str
    label: str
    count: int


def declines_by_week(session: Session, *, since: datetime) -> list[WeeklyCount]:
    """Decisions not to share each week since ``since``, by agency."""
    week = _week_of(session, Disclosure.disclosed_at).label("week")
    statement = (
        select(week, Disclosure.agency, func.count().label("n"))
        .where(Disclosure.kind == DECLINE, Disclosure.disclosed_at >= since)
        .group_by(week, Disclosure.agency)
        .order_by(week, Disclosure.agency)
    )
    return [WeeklyCount(w, agency, int(n)) for w, agency, n in session.execute(statement)]


@dataclass(frozen=True, slots=True)
class EntryFigures:
    disclosures: list[WeeklyCount]
    break_glass: list[WeeklyCount]
    denied_by_role: list[tuple[str, int]]


def entry_figures(session: Session, *, since: datetime) -> EntryFigures:
    """The IG charts' counts from the log in one pass over the entries since ``since``:
    disclosures by week, agency and basis; break-glass openings and reviews by week; denied
    attempts by role. (The log has no index but its key, so each scan reads every entry
    since ``since``: one scan, not three.)"""
    disclosed = and_(
        AuditEntry.resource_kind == DISCLOSURE,
        AuditEntry.action == "create",
        AuditEntry.outcome == "allowed",
    )
    glass = and_(
        AuditEntry.resource_kind == "agency_record",
        AuditEntry.action.in_(("break_glass", "review")),
        AuditEntry.outcome == "allowed",
    )
    denied = AuditEntry.outcome == "denied"
    figure = case((disclosed, literal("disclosure")), (glass, literal("glass")), else_="denied")
    week = _week_of(session, AuditEntry.recorded_at)
    agency = func.coalesce(AuditEntry.resource_owner, literal_column("'-'"))
    basis = func.coalesce(AuditEntry.lawful_basis, literal_column("'none'"))
    columns = (figure, week, agency, basis, AuditEntry.action, AuditEntry.actor_role)
    statement = (
        select(*columns, func.count())
        .where(AuditEntry.recorded_at >= since, or_(disclosed, glass, denied))
        .group_by(*columns)
    )
    disclosures: Counter[tuple[str, str]] = Counter()
    openings: Counter[tuple[str, str]] = Counter()
    refusals: Counter[str] = Counter()
    for kind, monday, owner, lawful, action, role, n in session.execute(statement):
        if kind == "disclosure":
            disclosures[(monday, f"{owner}|{lawful}")] += int(n)
        elif kind == "glass":
            openings[(monday, action)] += int(n)
        else:
            refusals[role] += int(n)
    return EntryFigures(
        disclosures=[WeeklyCount(w, label, n) for (w, label), n in sorted(disclosures.items())],
        break_glass=[WeeklyCount(w, action, n) for (w, action), n in sorted(openings.items())],
        denied_by_role=sorted(refusals.items(), key=lambda item: (-item[1], item[0])),
    )

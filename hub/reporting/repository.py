"""Every management information query: aggregates counted by the database, not in Python.

Times are bucketed by the UTC hour in SQL (a few thousand rows at most for half a year);
the service folds the hours into London days and weeks, which SQLite cannot do itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, String, and_, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from hub.contacts.models import Contact, ContactPerson
from hub.enquiries.models import CheckRequest, Enquiry
from hub.people.models import PersonIndex
from hub.products.models import InformationProduct
from hub.screening.models import ContactScreening

# The person index passes that name one child the same way across contacts, best first.
CHILD_ID_PASSES = ("nhs", "given_family_dob")
CONTACT_STORE = "contact"
# Products a manager has authorised (and perhaps sent): their outcome is decided.
DECIDED_PRODUCTS = ("authorised", "disseminated")


class utc_hour(FunctionElement[str]):
    """``YYYY-MM-DD HH`` of a UTC timestamp column, on SQLite and PostgreSQL."""

    type = String()
    inherit_cache = True


@compiles(utc_hour, "sqlite")
def _utc_hour_sqlite(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite holds UTC timestamps as ISO text: the first 13 characters are the hour.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


class seconds_between(FunctionElement[float]):
    """Seconds from the first timestamp to the second."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"extract(epoch from ({end} - {start}))"


def _received_in(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(Contact.received_at >= start, Contact.received_at < end)


# --- Annex A List 1 ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChildContactRow:
    """One child of one contact, with the contact's sealed details still sealed."""

    contact_id: uuid.UUID
    person_id: uuid.UUID
    position: int
    received_at: datetime
    channel: str


def children_contacted(session: Session, start: datetime, end: datetime) -> list[ChildContactRow]:
    """Every child of every contact received in ``[start, end)``, oldest contact first."""
    statement = (
        select(
            Contact.id,
            ContactPerson.id,
            ContactPerson.position,
            Contact.received_at,
            Contact.channel,
        )
        .join(ContactPerson, ContactPerson.contact_id == Contact.id)
        .where(_received_in(start, end), ContactPerson.person_role == "child")
        .order_by(Contact.received_at, Contact.id, ContactPerson.position)
    )
    return [ChildContactRow(*row) for row in session.execute(statement)]


def sealed_details_of(session: Session, start: datetime, end: datetime) -> list[Contact]:
    """The contacts received in ``[start, end)``: their sealed details, to open one by one."""
    return list(session.scalars(select(Contact).where(_received_in(start, end))))


def child_blinds(session: Session, start: datetime, end: datetime) -> dict[uuid.UUID, bytes]:
    """For each child of a contact in the window, its best blind index (see CHILD_ID_PASSES)."""
    statement = (
        select(PersonIndex.person_id, PersonIndex.pass_name, PersonIndex.blind)
        .join(Contact, Contact.id == PersonIndex.parent_id)
        .where(
            _received_in(start, end),
            PersonIndex.store == CONTACT_STORE,
            PersonIndex.pass_name.in_(CHILD_ID_PASSES),
        )
    )
    best: dict[uuid.UUID, tuple[int, bytes]] = {}
    for person_id, pass_name, blind in session.execute(statement):
        rank = CHILD_ID_PASSES.index(pass_name)
        if person_id not in best or rank < best[person_id][0]:
            best[person_id] = (rank, blind)
    return {person_id: blind for person_id, (_, blind) in best.items()}


# --- the dashboard ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactFigures:
    """The window's contacts received in one part of a UTC day, counted.

    ``part`` is a UTC hour, ``YYYY-MM-DD HH``: ``... 23`` for those received from 23:00
    UTC, which fall on the next London day in summer time, and ``... 00`` for the rest of
    that UTC day, which is always its own London day.
    """

    part: str
    by_channel: dict[str, int]
    # Contacts whose screening ended in each outcome.
    by_outcome: dict[str, int]
    # Rated contacts decided by their RAG deadline, and those that missed it (decided
    # after it, or not decided and the deadline passed).
    on_time: int
    breached: int
    # Contacts with a screening decision, and the seconds from receipt to it, summed.
    decided: int
    decision_seconds: float


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def contact_figures(
    session: Session,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    channels: Sequence[str],
    outcomes: Sequence[str],
) -> list[ContactFigures]:
    """Every figure the dashboard takes from contacts received in the window, in one pass
    over them (their rows are wide, with sealed details, so each scan costs), a row or
    two per day (a row per hour, channel and outcome would be thousands to add up)."""
    deadline = ContactScreening.rag_deadline
    decided = ContactScreening.decided_at
    hour = utc_hour(Contact.received_at)
    part = case(
        (func.substr(hour, 12, 2) == "23", hour),
        else_=func.substr(hour, 1, 10) + literal(" 00"),
    )
    statement = (
        select(
            part,
            *(_count_where(Contact.channel == channel) for channel in channels),
            *(_count_where(ContactScreening.outcome == outcome) for outcome in outcomes),
            # A contact not rated has no deadline: neither on time nor breached.
            _count_where(and_(decided.is_not(None), decided <= deadline)),
            _count_where(or_(decided > deadline, and_(decided.is_(None), deadline < now))),
            func.count(decided),
            func.sum(seconds_between(Contact.received_at, decided)),
        )
        .outerjoin(ContactScreening, ContactScreening.contact_id == Contact.id)
        .where(_received_in(start, end))
        .group_by(part)
    )
    found = []
    for row in session.execute(statement):
        counts = [int(n or 0) for n in row[1 : 1 + len(channels) + len(outcomes)]]
        on_time, breached, done, seconds = row[1 + len(channels) + len(outcomes) :]
        found.append(
            ContactFigures(
                part=str(row[0]),
                by_channel=dict(zip(channels, counts[: len(channels)], strict=True)),
                by_outcome=dict(zip(outcomes, counts[len(channels) :], strict=True)),
                on_time=int(on_time or 0),
                breached=int(breached or 0),
                decided=int(done),
                decision_seconds=float(seconds or 0),
            )
        )
    return found


def product_outcomes(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Authorised information products' outcomes, for contacts received in the window."""
    statement = (
        select(InformationProduct.proposed_outcome, func.count())
        .join(Enquiry, Enquiry.id == InformationProduct.enquiry_id)
        .join(Contact, Contact.id == Enquiry.contact_id)
        .where(_received_in(start, end), InformationProduct.status.in_(DECIDED_PRODUCTS))
        .group_by(InformationProduct.proposed_outcome)
    )
    return {str(outcome): count for outcome, count in session.execute(statement)}


@dataclass(frozen=True, slots=True)
class AgencyChecks:
    agency: str
    asked: int
    on_time: int
    late: int
    waiting: int


def checks_by_agency(
    session: Session, start: datetime, end: datetime, now: datetime
) -> list[AgencyChecks]:
    """Checks asked in the window, per agency: answered by the due time, late, still waiting."""
    answered = CheckRequest.answered_at
    due = CheckRequest.due_at
    statement = (
        select(
            CheckRequest.agency,
            func.count(),
            func.sum(case((and_(answered.is_not(None), answered <= due), 1), else_=0)),
            func.sum(case((or_(answered > due, and_(answered.is_(None), due < now)), 1), else_=0)),
            func.sum(case((and_(answered.is_(None), due >= now), 1), else_=0)),
        )
        .where(CheckRequest.requested_at >= start, CheckRequest.requested_at < end)
        .group_by(CheckRequest.agency)
        .order_by(CheckRequest.agency)
    )
    return [
        AgencyChecks(agency, asked, int(ok or 0), int(late or 0), int(waiting or 0))
        for agency, asked, ok, late, waiting in session.execute(statement)
    ]

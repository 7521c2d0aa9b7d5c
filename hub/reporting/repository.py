"""Every management information query: aggregates counted by the database, not in Python.

Times are bucketed by the UTC hour in SQL (a few thousand rows at most for half a year);
the service folds the hours into London days and weeks, which SQLite cannot do itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, String, and_, case, func, or_, select
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


def contacts_by_hour_and_channel(
    session: Session, start: datetime, end: datetime
) -> list[tuple[str, str, int]]:
    """``(UTC hour, channel, contacts)`` for contacts received in the window."""
    hour = utc_hour(Contact.received_at)
    statement = (
        select(hour, Contact.channel, func.count())
        .where(_received_in(start, end))
        .group_by(hour, Contact.channel)
    )
    return [(h, channel, n) for h, channel, n in session.execute(statement)]


def screening_timeliness_by_hour(
    session: Session, start: datetime, end: datetime, now: datetime
) -> list[tuple[str, int, int]]:
    """``(UTC hour of receipt, decided by the RAG deadline, breached)`` for rated contacts.

    A breach is a decision after the deadline, or no decision and the deadline passed.
    """
    deadline = ContactScreening.rag_deadline
    decided = ContactScreening.decided_at
    on_time = func.sum(case((and_(decided.is_not(None), decided <= deadline), 1), else_=0))
    breached = func.sum(
        case(
            (or_(decided > deadline, and_(decided.is_(None), deadline < now)), 1),
            else_=0,
        )
    )
    hour = utc_hour(Contact.received_at)
    statement = (
        select(hour, on_time, breached)
        .join(ContactScreening, ContactScreening.contact_id == Contact.id)
        .where(_received_in(start, end), deadline.is_not(None))
        .group_by(hour)
    )
    return [(h, int(ok or 0), int(late or 0)) for h, ok, late in session.execute(statement)]


def screening_outcomes(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """How screening ended for contacts received in the window, by outcome code."""
    statement = (
        select(ContactScreening.outcome, func.count())
        .join(Contact, Contact.id == ContactScreening.contact_id)
        .where(_received_in(start, end), ContactScreening.outcome.is_not(None))
        .group_by(ContactScreening.outcome)
    )
    return {str(outcome): count for outcome, count in session.execute(statement)}


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


def decision_time(session: Session, start: datetime, end: datetime) -> tuple[int, float | None]:
    """``(decided contacts, their average seconds from receipt to the screening decision)``."""
    seconds = seconds_between(Contact.received_at, ContactScreening.decided_at)
    statement = (
        select(func.count(), func.avg(seconds))
        .join(ContactScreening, ContactScreening.contact_id == Contact.id)
        .where(_received_in(start, end), ContactScreening.decided_at.is_not(None))
    )
    count, average = session.execute(statement).one()
    return int(count), None if average is None else float(average)

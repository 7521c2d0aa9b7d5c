"""Every enquiry, check request, disclosure and break-glass query.

Agency scoping starts from :func:`requests_of_agency`, :func:`disclosures_of_agency` and
:func:`break_glass_of_agency`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, Select, case, select
from sqlalchemy.orm import Session

from hub.contacts.models import Contact
from hub.enquiries.models import (
    BreakGlassEvent,
    CheckRequest,
    Disclosure,
    Enquiry,
)
from hub.screening.models import ContactScreening


def enquiry(session: Session, enquiry_id: uuid.UUID) -> Enquiry | None:
    return session.get(Enquiry, enquiry_id)


def contact_id_of_enquiry(session: Session, enquiry_id: uuid.UUID) -> uuid.UUID | None:
    """Whose case an enquiry is: the contact it was opened on (its case key is named after it)."""
    return session.execute(
        select(Enquiry.contact_id).where(Enquiry.id == enquiry_id)
    ).scalar_one_or_none()


def enquiry_for_contact(session: Session, contact_id: uuid.UUID) -> Enquiry | None:
    return session.execute(
        select(Enquiry).where(Enquiry.contact_id == contact_id)
    ).scalar_one_or_none()


def open_enquiries() -> Select[Enquiry]:
    return select(Enquiry).where(Enquiry.status == "open").order_by(Enquiry.opened_at)


def open_enquiries_with_deadlines(
    session: Session,
) -> Sequence[Row[uuid.UUID, str, str, datetime, datetime | None]]:
    """Every open enquiry with its contact's reference and RAG deadline."""
    return session.execute(
        select(
            Enquiry.id,
            Contact.reference,
            Enquiry.rag,
            Enquiry.opened_at,
            ContactScreening.rag_deadline,
        )
        .join(Contact, Contact.id == Enquiry.contact_id)
        .outerjoin(ContactScreening, ContactScreening.contact_id == Enquiry.contact_id)
        .where(Enquiry.status == "open")
        .order_by(ContactScreening.rag_deadline, Enquiry.opened_at)
    ).all()


def awaiting_enquiry(
    session: Session,
) -> Sequence[Row[uuid.UUID, str, str | None, datetime | None]]:
    """Contacts screening sent to a MASH enquiry that has not been opened yet."""
    return session.execute(
        select(Contact.id, Contact.reference, ContactScreening.rag, ContactScreening.rag_deadline)
        .join(ContactScreening, ContactScreening.contact_id == Contact.id)
        .outerjoin(Enquiry, Enquiry.contact_id == Contact.id)
        .where(ContactScreening.outcome == "mash_enquiry", Enquiry.id.is_(None))
        .order_by(ContactScreening.rag_deadline, Contact.received_at)
    ).all()


def rag_deadline_of(session: Session, contact_id: uuid.UUID) -> datetime | None:
    return session.execute(
        select(ContactScreening.rag_deadline).where(ContactScreening.contact_id == contact_id)
    ).scalar_one_or_none()


def requests_of_enquiries(
    session: Session, enquiry_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CheckRequest]]:
    found: dict[uuid.UUID, list[CheckRequest]] = {}
    if not enquiry_ids:
        return found
    for request in session.scalars(
        select(CheckRequest)
        .where(CheckRequest.enquiry_id.in_(enquiry_ids))
        .order_by(CheckRequest.agency)
    ):
        found.setdefault(request.enquiry_id, []).append(request)
    return found


def disclosure_kinds_of_enquiries(
    session: Session, enquiry_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """How each agency answered, per enquiry: the kinds only, never the content."""
    found: dict[uuid.UUID, list[str]] = {}
    if not enquiry_ids:
        return found
    for enquiry_id, kind in session.execute(
        select(Disclosure.enquiry_id, Disclosure.kind).where(Disclosure.enquiry_id.in_(enquiry_ids))
    ):
        found.setdefault(enquiry_id, []).append(kind)
    return found


def contact_reference(session: Session, contact_id: uuid.UUID) -> str:
    return str(
        session.execute(select(Contact.reference).where(Contact.id == contact_id)).scalar_one()
    )


def _of_destroyed_cases() -> Select[uuid.UUID]:
    """The enquiries of cases destroyed under the retention schedule: nothing of them is
    left to list (their sealed questions and content open for no one)."""
    return (
        select(Enquiry.id)
        .join(Contact, Contact.id == Enquiry.contact_id)
        .where(Contact.destroyed_at.is_not(None))
    )


def requests_of_agency(agency: str) -> Select[CheckRequest]:
    """The one starting point for an agency's inbox: pending first, soonest due first."""
    return (
        select(CheckRequest)
        .where(CheckRequest.agency == agency, CheckRequest.enquiry_id.not_in(_of_destroyed_cases()))
        .order_by(case((CheckRequest.status == "pending", 0), else_=1), CheckRequest.due_at)
    )


def inbox_of_agency(session: Session, agency: str) -> list[CheckRequest]:
    return list(session.scalars(requests_of_agency(agency)))


def check_request(session: Session, request_id: uuid.UUID) -> CheckRequest | None:
    return session.get(CheckRequest, request_id)


def requests_of_enquiry(session: Session, enquiry_id: uuid.UUID) -> list[CheckRequest]:
    return list(
        session.execute(
            select(CheckRequest)
            .where(CheckRequest.enquiry_id == enquiry_id)
            .order_by(CheckRequest.agency)
        ).scalars()
    )


def pending_requests(session: Session) -> list[CheckRequest]:
    """Every unanswered check request, soonest due first."""
    return list(
        session.scalars(
            select(CheckRequest)
            .where(
                CheckRequest.status == "pending",
                CheckRequest.enquiry_id.not_in(_of_destroyed_cases()),
            )
            .order_by(CheckRequest.due_at)
        )
    )


def disclosures_of_agency(agency: str) -> Select[Disclosure]:
    return (
        select(Disclosure)
        .where(Disclosure.agency == agency, Disclosure.enquiry_id.not_in(_of_destroyed_cases()))
        .order_by(Disclosure.disclosed_at)
    )


def disclosures_made_by(session: Session, agency: str) -> list[Disclosure]:
    return list(session.scalars(disclosures_of_agency(agency)))


def disclosures_of_enquiry(session: Session, enquiry_id: uuid.UUID) -> list[Disclosure]:
    return list(
        session.execute(
            select(Disclosure)
            .where(Disclosure.enquiry_id == enquiry_id)
            .order_by(Disclosure.disclosed_at)
        ).scalars()
    )


def disclosure(session: Session, disclosure_id: uuid.UUID) -> Disclosure | None:
    return session.get(Disclosure, disclosure_id)


def disclosures_by_id(session: Session, ids: list[uuid.UUID]) -> list[Disclosure]:
    if not ids:
        return []
    return list(session.execute(select(Disclosure).where(Disclosure.id.in_(ids))).scalars())


def break_glass_of_agency(agency: str) -> Select[BreakGlassEvent]:
    return (
        select(BreakGlassEvent)
        .where(BreakGlassEvent.agency == agency)
        .order_by(BreakGlassEvent.opened_at.desc())
    )


def break_glass_alerts_of(session: Session, agency: str) -> list[BreakGlassEvent]:
    return list(session.scalars(break_glass_of_agency(agency)))


def break_glass_event(session: Session, agency: str, event_id: uuid.UUID) -> BreakGlassEvent | None:
    """One of the agency's break-glass openings; another agency's is not found."""
    return session.scalars(
        break_glass_of_agency(agency).where(BreakGlassEvent.id == event_id)
    ).one_or_none()

"""Every screening query."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from hub.agencies.models import PersonIndex
from hub.contacts.models import Contact
from hub.enquiries.models import Enquiry
from hub.screening.models import ContactScreening


def screening_of(session: Session, contact_id: uuid.UUID) -> ContactScreening | None:
    return session.get(ContactScreening, contact_id)


def open_contacts(
    session: Session,
) -> Sequence[Row[uuid.UUID, str, datetime, bool, str | None, datetime | None]]:
    """Contacts with no screening outcome yet, with their rating and deadline."""
    return session.execute(
        select(
            Contact.id,
            Contact.reference,
            Contact.received_at,
            ContactScreening.out_of_hours,
            ContactScreening.rag,
            ContactScreening.rag_deadline,
        )
        .join(ContactScreening, ContactScreening.contact_id == Contact.id)
        .where(ContactScreening.outcome.is_(None))
        .order_by(ContactScreening.rag_deadline, Contact.received_at)
    ).all()


def contacts_by_id(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Contact]:
    if not ids:
        return {}
    rows = session.execute(select(Contact).where(Contact.id.in_(ids))).scalars()
    return {contact.id: contact for contact in rows}


def contacts_about_person_since(
    session: Session, person_ids: Sequence[uuid.UUID], since: datetime
) -> int:
    """How many distinct contacts share a strong blind index with these people since a time."""
    if not person_ids:
        return 0
    blinds = select(PersonIndex.blind).where(
        PersonIndex.store == "contact",
        PersonIndex.person_id.in_(person_ids),
        PersonIndex.pass_name.in_(("nhs", "family_dob", "given_family_dob")),
    )
    return int(
        session.execute(
            select(func.count(func.distinct(PersonIndex.parent_id)))
            .join(Contact, Contact.id == PersonIndex.parent_id)
            .where(
                PersonIndex.store == "contact",
                PersonIndex.blind.in_(blinds.scalar_subquery()),
                Contact.received_at >= since,
            )
        ).scalar_one()
    )


def open_enquiry_references(session: Session, contact_ids: Sequence[uuid.UUID]) -> set[str]:
    """References of these contacts that have an open MASH enquiry."""
    if not contact_ids:
        return set()
    return set(
        session.execute(
            select(Contact.reference)
            .join(Enquiry, Enquiry.contact_id == Contact.id)
            .where(Contact.id.in_(contact_ids), Enquiry.status == "open")
        ).scalars()
    )

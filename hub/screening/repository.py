"""Every screening query."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Row, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from hub.contacts.models import Contact, ContactPerson
from hub.enquiries.models import Enquiry
from hub.kit.working_time import Rag
from hub.people import repository as people
from hub.people.service import CONTACT_ADDRESS_STORE, CONTACT_STORE
from hub.screening.models import ContactScreening, RagChange

# The passes that count a contact as being about the same child.
REPEAT_CONTACT_PASSES = ("nhs", "family_dob", "given_family_dob")


def screening_of(session: Session, contact_id: uuid.UUID) -> ContactScreening | None:
    return session.get(ContactScreening, contact_id)


def _open() -> ColumnElement[bool]:
    # A case destroyed under the retention schedule has nothing left to screen.
    return and_(ContactScreening.outcome.is_(None), Contact.destroyed_at.is_(None))


def open_contact_ids(session: Session) -> set[uuid.UUID]:
    """Every contact with no screening outcome yet."""
    return set(
        session.scalars(
            select(Contact.id)
            .join(ContactScreening, ContactScreening.contact_id == Contact.id)
            .where(_open())
        )
    )


def most_urgent_open_contacts(
    session: Session, *, per_rating: int
) -> list[Row[uuid.UUID, str, datetime, bool, str | None, datetime | None]]:
    """Contacts with no screening outcome yet, with their rating and deadline: at most
    ``per_rating`` of each rating (and of the unrated), nearest deadline first, then
    oldest first. A statement for each, each stopping at its limit on an index (a rank
    over every open contact sorted them all: 140 ms at 23,000)."""
    found: list[Row[uuid.UUID, str, datetime, bool, str | None, datetime | None]] = []
    for rag in (None, *Rag):  # the unrated, then red, amber and green
        statement = (
            select(
                Contact.id,
                Contact.reference,
                Contact.received_at,
                ContactScreening.out_of_hours,
                ContactScreening.rag,
                ContactScreening.rag_deadline,
            )
            .join(ContactScreening, ContactScreening.contact_id == Contact.id)
            .where(_open())
            .limit(per_rating)
        )
        if rag is None:
            statement = statement.where(ContactScreening.rag.is_(None)).order_by(
                Contact.received_at
            )
        else:
            statement = statement.where(ContactScreening.rag == rag).order_by(
                ContactScreening.rag_deadline, Contact.received_at
            )
        found.extend(session.execute(statement).all())
    return found


def open_contact_counts(session: Session, now: datetime) -> tuple[dict[str | None, int], int]:
    """How many contacts with no screening outcome yet there are of each rating (None:
    not rated yet), and how many of them are past their deadline at ``now``."""
    rows = session.execute(
        select(
            ContactScreening.rag,
            func.count(),
            func.sum(case((ContactScreening.rag_deadline < now, 1), else_=0)),
        )
        .join(Contact, Contact.id == ContactScreening.contact_id)
        .where(_open())
        .group_by(ContactScreening.rag)
    ).all()
    return {rag: count for rag, count, _ in rows}, sum(int(late or 0) for _, _, late in rows)


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
    blinds = people.blinds_of(CONTACT_STORE, passes=REPEAT_CONTACT_PASSES, person_ids=person_ids)
    contacts = people.parent_ids(CONTACT_STORE, blinds=blinds)
    return int(
        session.execute(
            select(func.count(Contact.id)).where(
                Contact.id.in_(contacts), Contact.received_at >= since
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


def children_at_address(
    session: Session, address_blind: bytes, *, not_contact: uuid.UUID
) -> list[uuid.UUID]:
    """Children of other contacts whose address has this blind index."""
    there = people.person_ids(CONTACT_ADDRESS_STORE, blinds=[address_blind], not_parent=not_contact)
    return list(
        session.execute(
            select(ContactPerson.id).where(
                ContactPerson.id.in_(there), ContactPerson.person_role == "child"
            )
        ).scalars()
    )


def open_contacts_with_people(session: Session, ids: Sequence[uuid.UUID]) -> list[Contact]:
    """These contacts, with their people loaded, if screening has not ended for them."""
    if not ids:
        return []
    return list(
        session.execute(
            select(Contact)
            .join(ContactScreening, ContactScreening.contact_id == Contact.id)
            .where(Contact.id.in_(ids), ContactScreening.outcome.is_(None))
            .options(selectinload(Contact.people))
        ).scalars()
    )


def screenings_of(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ContactScreening]:
    if not ids:
        return {}
    rows = session.execute(
        select(ContactScreening).where(ContactScreening.contact_id.in_(ids))
    ).scalars()
    return {row.contact_id: row for row in rows}


def contacts_changed_since(session: Session, since: datetime, now: datetime) -> set[uuid.UUID]:
    """Contacts received, rated, re-rated, authorised, decided or past their deadline since
    ``since``: what a board last drawn at ``since`` needs to draw again (or take away)."""
    changed = set(
        session.execute(
            select(ContactScreening.contact_id)
            .join(Contact, Contact.id == ContactScreening.contact_id)
            .where(
                or_(
                    Contact.received_at > since,
                    ContactScreening.screened_at > since,
                    ContactScreening.decided_at > since,
                    ContactScreening.consent_override_at > since,
                    and_(
                        ContactScreening.rag_deadline > since,
                        ContactScreening.rag_deadline <= now,
                    ),
                )
            )
        ).scalars()
    )
    changed.update(
        session.execute(select(RagChange.contact_id).where(RagChange.changed_at > since)).scalars()
    )
    return changed

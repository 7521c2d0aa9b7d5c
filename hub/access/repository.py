"""The queries behind a person's record of access: which contacts a person is in (from the
person index's blind indexes), what the hub did with each contact, the disclosures of
those contacts' enquiries, and who later read or opened each disclosure, or opened a
contact, as the log has it.

Nothing here reads a sealed column: the service decides what is unsealed, and when.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry
from hub.contacts.models import Contact, ContactPerson
from hub.enquiries.models import Disclosure, Enquiry
from hub.missing.models import MissingEpisode
from hub.people import repository as people
from hub.people.service import CONTACT_STORE
from hub.products.models import InformationProduct
from hub.screening.models import ContactScreening
from hub.triage.models import DaNotification, DaNotificationPerson

# The passes that name one person, not a family or a sound-alike: the NHS number, or the
# full name with the date of birth. Twins share a family name and a date of birth.
ONE_PERSON_PASSES = ("nhs", "given_family_dob")


def appearances(
    session: Session, blinds: Iterable[bytes], *, store: str = CONTACT_STORE
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """``(parent id, person id)`` of every person entry of ``store`` (contacts unless
    said) matching one of ``blinds`` on a pass that names one person, newest first."""
    seen: dict[tuple[uuid.UUID, uuid.UUID], None] = {}
    for parent_id, person_id, pass_name, _ in people.matches(session, store, blinds):
        if pass_name in ONE_PERSON_PASSES:
            seen.setdefault((parent_id, person_id), None)
    return list(seen)


def notifications_held(
    session: Session, found: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> list[tuple[DaNotification, DaNotificationPerson, str | None]]:
    """Police notifications the person is in, with their place in each and the reference
    of the contact it became, if any; newest first."""
    if not found:
        return []
    rows = session.execute(
        select(DaNotification, DaNotificationPerson, Contact.reference)
        .join(DaNotificationPerson, DaNotificationPerson.notification_id == DaNotification.id)
        .outerjoin(Contact, Contact.id == DaNotification.contact_id)
        .where(DaNotificationPerson.id.in_([person_id for _, person_id in found]))
        .order_by(DaNotification.received_at.desc())
    ).all()
    return [(notification, person, reference) for notification, person, reference in rows]


def episodes_held(
    session: Session, found: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> list[MissingEpisode]:
    """Missing episodes of the person, newest first."""
    if not found:
        return []
    return list(
        session.execute(
            select(MissingEpisode)
            .where(MissingEpisode.id.in_([episode_id for episode_id, _ in found]))
            .order_by(MissingEpisode.started_at.desc())
        ).scalars()
    )


@dataclass(frozen=True, slots=True)
class ContactHeld:
    contact: Contact
    person: ContactPerson
    screening: ContactScreening | None
    enquiry: Enquiry | None
    products: list[InformationProduct]


def contacts_held(
    session: Session, found: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> list[ContactHeld]:
    """Each contact the person is in, with what the hub did with it, newest first."""
    if not found:
        return []
    person_ids = [person_id for _, person_id in found]
    rows = session.execute(
        select(Contact, ContactPerson)
        .join(ContactPerson, ContactPerson.contact_id == Contact.id)
        .where(ContactPerson.id.in_(person_ids))
        .order_by(Contact.received_at.desc(), ContactPerson.position)
    ).all()
    contact_ids = list({contact.id for contact, _ in rows})
    screenings = {
        s.contact_id: s
        for s in session.execute(
            select(ContactScreening).where(ContactScreening.contact_id.in_(contact_ids))
        ).scalars()
    }
    enquiries = {
        e.contact_id: e
        for e in session.execute(
            select(Enquiry).where(Enquiry.contact_id.in_(contact_ids))
        ).scalars()
    }
    products: dict[uuid.UUID, list[InformationProduct]] = {}
    for product in session.execute(
        select(InformationProduct)
        .where(InformationProduct.enquiry_id.in_([e.id for e in enquiries.values()]))
        .order_by(InformationProduct.compiled_at)
    ).scalars():
        products.setdefault(product.enquiry_id, []).append(product)
    held = []
    for contact, person in rows:
        enquiry = enquiries.get(contact.id)
        held.append(
            ContactHeld(
                contact=contact,
                person=person,
                screening=screenings.get(contact.id),
                enquiry=enquiry,
                products=products.get(enquiry.id, []) if enquiry else [],
            )
        )
    return held


def people_of(session: Session, contact_id: uuid.UUID) -> list[ContactPerson]:
    """A contact's people in the order of its sealed details."""
    return list(
        session.execute(
            select(ContactPerson)
            .where(ContactPerson.contact_id == contact_id)
            .order_by(ContactPerson.position)
        ).scalars()
    )


def disclosures_of(session: Session, enquiry_ids: Sequence[uuid.UUID]) -> list[Disclosure]:
    """The disclosures made for these enquiries, oldest first."""
    if not enquiry_ids:
        return []
    return list(
        session.execute(
            select(Disclosure)
            .where(Disclosure.enquiry_id.in_(list(enquiry_ids)))
            .order_by(Disclosure.disclosed_at, Disclosure.id)
        ).scalars()
    )


READ_ACTIONS = ("read", "open")


def reads_of(session: Session, kind: str, ids: Sequence[str]) -> dict[str, list[AuditEntry]]:
    """Every allowed read or opening of these resources on the log, oldest first."""
    if not ids:
        return {}
    found: dict[str, list[AuditEntry]] = {}
    for entry in session.execute(
        select(AuditEntry)
        .where(
            AuditEntry.resource_kind == kind,
            AuditEntry.resource_id.in_(list(ids)),
            AuditEntry.action.in_(READ_ACTIONS),
            AuditEntry.outcome == "allowed",
        )
        .order_by(AuditEntry.id)
    ).scalars():
        found.setdefault(entry.resource_id or "", []).append(entry)
    return found


def openings_by(
    session: Session, actor_sub: str, kind: str, ids: Sequence[str]
) -> list[tuple[int, str]]:
    """``(entry id, resource id)`` of each opening of these resources by this person."""
    if not ids:
        return []
    return [
        (int(entry_id), str(resource_id))
        for entry_id, resource_id in session.execute(
            select(AuditEntry.id, AuditEntry.resource_id).where(
                AuditEntry.actor_sub == actor_sub,
                AuditEntry.resource_kind == kind,
                AuditEntry.resource_id.in_(list(ids)),
                AuditEntry.action == "open",
                AuditEntry.outcome == "allowed",
            )
        )
    ]

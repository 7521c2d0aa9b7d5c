"""The MASH enquiry: opened on a screened contact, with the agency check of who knows its
people, and what a referrer hears back.

Every step asks the firewall first and writes its audit entry in the same transaction.
What is asked of agencies is in :mod:`hub.enquiries.checks`, what they answer in
:mod:`hub.enquiries.disclosures`, emergency access in :mod:`hub.enquiries.break_glass`;
the information product compiled from the answers is :mod:`hub.products`.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from hub.agencies import service as agencies
from hub.agencies.schemas import PersonAgencyCheckOut
from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.contacts import repository as contacts_repository
from hub.contacts.models import Contact
from hub.contacts.service import open_details
from hub.db import utcnow
from hub.enquiries import repository
from hub.enquiries.models import Enquiry
from hub.enquiries.schemas import EnquiryIn, EnquiryOut, OutcomeFeedback
from hub.keys.service import Keyring, case_key_id, work_on_case
from hub.kit.errors import Conflict, NotFound
from hub.people.normalise import PersonIdentifiers, matching_keys
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Decision, Resource
from hub.policy.vocabulary import Action, Kind
from hub.screening import repository as screening_repository

# The most a list shows; older items are for the audit log and the database.
LIST_LIMIT = 200
FEEDBACK = {
    "received": "Received: the hub is looking at it.",
    "screening": "Being screened by the hub.",
    "closed_nfa": "Screened: no further action by children's services.",
    "closed_signpost": "Screened: the family has been signposted to other support.",
    "early_help": "Screened: passed to Early Help.",
    "mash_enquiry": "Being looked at with partner agencies.",
    "outcome_sent": "Decided: passed to the team that will act.",
}


def people_ids(contact: Contact) -> list[str]:
    """The ids of a contact's people: whom an audit entry about the enquiry concerns."""
    return [str(p.id) for p in contact.people]


def case_key_of_enquiry(session: Session, enquiry_id: uuid.UUID) -> str:
    """The key of the case an enquiry belongs to, now the transaction's case in hand (free
    text for its audit entries is sealed under it too)."""
    contact_id = repository.contact_id_of_enquiry(session, enquiry_id)
    if contact_id is None:  # pragma: no cover - foreign key
        raise NotFound()
    key_id = case_key_id(contact_id)
    work_on_case(session, key_id)
    return key_id


def contact_of(session: Session, enquiry: Enquiry) -> Contact:
    """The contact an enquiry was opened on."""
    contact = contacts_repository.get_contact(session, enquiry.contact_id)
    if contact is None:  # pragma: no cover - foreign key
        raise NotFound()
    return contact


def _enquiry_out(session: Session, enquiry: Enquiry) -> EnquiryOut:
    return EnquiryOut(
        id=enquiry.id,
        contact_id=enquiry.contact_id,
        contact_reference=repository.contact_reference(session, enquiry.contact_id),
        rag=enquiry.rag,
        status=enquiry.status,
        opened_at=enquiry.opened_at,
    )


# --- enquiries ------------------------------------------------------------------------------


def open_enquiry(session: Session, principal: Principal, payload: EnquiryIn) -> EnquiryOut:
    """Open an enquiry on a contact whose screening decided it needs agencies' checks."""
    decision = require(principal, Action.create, Resource(Kind.enquiry))
    contact = contacts_repository.get_contact(session, payload.contact_id)
    screening = screening_repository.screening_of(session, payload.contact_id)
    if contact is None or screening is None:
        raise NotFound()
    if screening.outcome != "mash_enquiry" or screening.rag is None:
        raise Conflict(
            "Screening must decide on a MASH enquiry before one is opened.",
            code="not_for_enquiry",
        )
    if repository.enquiry_for_contact(session, contact.id) is not None:
        raise Conflict("This contact already has an enquiry.", code="enquiry_exists")
    enquiry = Enquiry(
        id=uuid.uuid4(),
        contact_id=contact.id,
        rag=screening.rag,
        status="open",
        opened_by=principal.sub,
        opened_at=utcnow(),
    )
    session.add(enquiry)
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            Resource(Kind.enquiry),
            resource_id=str(enquiry.id),
            subject_ids=people_ids(contact),
        ),
    )
    return _enquiry_out(session, enquiry)


def _load_enquiry(
    session: Session, principal: Principal, enquiry_id: uuid.UUID, action: Action
) -> tuple[Decision, Enquiry, Contact]:
    decision = require(principal, action, Resource(Kind.enquiry, id=str(enquiry_id)))
    enquiry = repository.enquiry(session, enquiry_id)
    if enquiry is None:
        raise NotFound()
    return decision, enquiry, contact_of(session, enquiry)


def existing_enquiry_of(session: Session, principal: Principal, contact_id: uuid.UUID) -> uuid.UUID:
    """The enquiry already opened on a contact (asking is reading enquiries)."""
    require(principal, Action.read, Resource(Kind.enquiry))
    enquiry = repository.enquiry_for_contact(session, contact_id)
    if enquiry is None:
        raise NotFound()
    return enquiry.id


def read_enquiry(session: Session, principal: Principal, enquiry_id: uuid.UUID) -> EnquiryOut:
    decision, enquiry, contact = _load_enquiry(session, principal, enquiry_id, Action.read)
    audit.record(
        session,
        principal,
        allowed_event(
            decision, Resource(Kind.enquiry, id=str(enquiry.id)), subject_ids=people_ids(contact)
        ),
    )
    return _enquiry_out(session, enquiry)


def subjects_to_check(session: Session, contact: Contact, keyring: Keyring) -> list[dict[str, Any]]:
    """Who agencies are asked to check: identifiers only, never the worry itself."""
    details = open_details(session, contact, keyring=keyring)
    keep = ("given_name", "family_name", "date_of_birth", "nhs_number", "postcode", "address")
    return [
        {"person_id": str(person.id), "role": person.person_role, **{k: raw.get(k) for k in keep}}
        for person, raw in zip(contact.people, details["people"], strict=True)
    ]


def person_labels(contact: Contact) -> dict[uuid.UUID, tuple[str, int]]:
    """Each person's role and position in the contact ("child", 1): how pages, logs and
    answers name a person without their name."""
    counted: dict[str, int] = {}
    labels = {}
    for person in contact.people:
        counted[person.person_role] = counted.get(person.person_role, 0) + 1
        labels[person.id] = (person.person_role, counted[person.person_role])
    return labels


NOT_ENOUGH_TO_MATCH = (
    "not enough identifiers to match on: an NHS number, or a family name and date of birth, "
    "or names with a date of birth or postcode"
)


def agency_checks(
    session: Session, principal: Principal, enquiry_id: uuid.UUID, *, keyring: Keyring
) -> list[PersonAgencyCheckOut]:
    """Which agencies know each person in the enquiry, from blind indexes only.

    Everyone with enough identifiers is matched; a person without (an adult known only by
    a first name) is said to be skipped, by role and position, and does not stop the rest.
    """
    _, _, contact = _load_enquiry(session, principal, enquiry_id, Action.read)
    labels = person_labels(contact)
    results = []
    for subject in subjects_to_check(session, contact, keyring):
        role, position = labels[uuid.UUID(subject["person_id"])]
        identifiers = PersonIdentifiers(
            given_name=subject["given_name"],
            family_name=subject["family_name"],
            date_of_birth=subject["date_of_birth"],
            nhs_number=subject["nhs_number"],
            postcode=subject["postcode"],
        )
        who = {"person": f"{role} {position}", "role": role, "position": position}
        if not matching_keys(identifiers):
            results.append(
                PersonAgencyCheckOut(
                    **who,
                    agencies=[],
                    passes_tried=[],
                    checked=False,
                    not_checked_because=NOT_ENOUGH_TO_MATCH,
                )
            )
            continue
        found = agencies.agency_check(
            session,
            principal,
            identifiers,
            keyring=keyring,
            subject_ids=[subject["person_id"]],
            purpose="mash_enquiry",
        )
        results.append(PersonAgencyCheckOut(**who, **found.model_dump(), checked=True))
    return results


def referrer_feedback(session: Session, principal: Principal) -> list[OutcomeFeedback]:
    """A professional referrer's own contacts and a short outcome for each: no content."""
    resource = Resource(Kind.contact_outcome, owner=principal.sub)
    decision = require(principal, Action.list, resource)
    contacts = contacts_repository.newest_contacts_submitted_by(
        session, principal.sub, limit=LIST_LIMIT
    )
    audit.record(session, principal, allowed_event(decision, resource))
    return [
        OutcomeFeedback(
            reference=c.reference,
            received_at=c.received_at,
            outcome=FEEDBACK.get(c.status, "In progress."),
        )
        for c in contacts
    ]

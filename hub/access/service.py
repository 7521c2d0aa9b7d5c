"""A person's record of access: what the hub holds about one person and who read it.

An information-governance officer, answering a subject access request or a complaint,
finds ONE child or adult by what they know (the NHS number, or the full name and date of
birth), through the person index's blind indexes: the look-up never holds a name in clear
beyond the request, and never writes one anywhere. The record lists, by reference, date,
role in the case and state, every contact the person is in, its screening, enquiry and
products; every disclosure made for those enquiries (agency, basis, date, fields, caveat);
and every read of those disclosures (who, role, when, through which product, and whether
a purpose was stated, sealed). No content is shown: each contact or disclosure opens one
at a time, with the officer's purpose logged (``open``).

The look-up is one audit entry, its purpose sealed; the export another, with its counts.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from hub.access import repository
from hub.audit import repository as audit_repository
from hub.audit import sealing
from hub.audit import service as audit
from hub.audit.governance import stated_purpose
from hub.audit.models import AuditEntry
from hub.auth.principal import Principal
from hub.contacts.models import Contact
from hub.contacts.service import open_details
from hub.enquiries.disclosures import open_for_governance, product_in
from hub.enquiries.models import Disclosure
from hub.enquiries.schemas import DisclosureOut
from hub.keys.service import Keyring
from hub.kit.errors import BadRequest, NotFound
from hub.kit.schemas import ShortText, Strict
from hub.missing.repository import MISSING_STORE
from hub.people.indexing import PersonIndexer
from hub.people.normalise import PersonIdentifiers
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Decision, Resource
from hub.policy.vocabulary import Action, Kind
from hub.triage.repository import DA_STORE

PERSON_RECORD = Resource(Kind.person_record)

CHILD, PARENT, OTHER = "child", "parent", "other household member"
# Who an adult is to the child, as the referrer wrote it: these words make them a parent.
_PARENT_WORDS = frozenset(
    {
        "mother",
        "father",
        "mum",
        "mam",
        "mom",
        "mummy",
        "dad",
        "daddy",
        "parent",
        "stepmother",
        "stepfather",
        "step-mother",
        "step-father",
        "stepmum",
        "stepdad",
        "step-mum",
        "step-dad",
        "guardian",
    }
)


class PersonLookUpIn(Strict):
    """What the officer knows: the NHS number, or the full name and date of birth."""

    given_name: ShortText | None = None
    family_name: ShortText | None = None
    date_of_birth: date | None = None
    nhs_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = (
        None
    )

    def identifiers(self) -> PersonIdentifiers:
        return PersonIdentifiers(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            nhs_number=self.nhs_number or None,
        )


class ProductHeld(BaseModel):
    id: uuid.UUID
    status: str
    proposed_outcome: str
    receiving_team: str | None
    disseminated_at: datetime | None


class ReadOut(BaseModel):
    """One later read (or opening) of a contact or a disclosure, as the log has it."""

    entry_id: int
    at: datetime
    reader: str
    reader_role: str
    reader_agency: str | None
    reader_team: str | None
    action: str
    through_product: uuid.UUID | None
    # Whether the reader stated a purpose: ``sealed`` (beside the log, opened one entry at
    # a time), ``in clear`` (an entry written before purposes were sealed) or ``none``.
    purpose: str


class ContactHeldOut(BaseModel):
    """A contact the person is in: by reference, date, role and state, never its content."""

    contact_id: uuid.UUID
    person_id: uuid.UUID
    reference: str
    received_at: datetime
    role: str
    status: str
    rag: str | None
    threshold_level: int | None
    screening_outcome: str | None
    enquiry_id: uuid.UUID | None
    enquiry_status: str | None
    enquiry_opened_at: datetime | None
    products: list[ProductHeld]
    # Since when the case is on legal hold (kept from the retention schedule), if it is.
    held_since: datetime | None = None
    # Every read of the contact itself (a hub page or the API) and every IG opening of it.
    reads: list[ReadOut] = Field(default_factory=list)


class DisclosureHeldOut(BaseModel):
    id: uuid.UUID
    contact_reference: str
    agency: str
    kind: str
    lawful_basis: str | None
    consent: str | None
    disclosed_at: datetime
    fields: list[str]
    caveat: str | None
    caveat_text: str | None
    released_for_onward: bool
    reads: list[ReadOut]


class OtherRecordOut(BaseModel):
    """A police notification or a missing episode the person is in: by date, role and
    state (and the reference of its contact or episode), never its content."""

    kind: str  # police_notification | missing_episode
    id: uuid.UUID
    reference: str | None
    at: datetime
    role: str
    state: str


class PersonRecordOut(BaseModel):
    """Everything the hub holds about one person, by reference, and every read of it."""

    found: bool
    contacts: list[ContactHeldOut]
    disclosures: list[DisclosureHeldOut]
    other_records: list[OtherRecordOut] = Field(default_factory=list)


def _identifiers_or_refuse(person: PersonLookUpIn) -> PersonIdentifiers:
    named = person.given_name and person.family_name and person.date_of_birth
    if not named and not person.nhs_number:
        raise BadRequest(
            "Give the person's NHS number, or their given name, family name and date of birth.",
            code="identifiers_required",
        )
    return person.identifiers()


def role_of(person_role: str, relationship: str | None) -> str:
    """Child, parent or other household member, from the contact's role and the words
    the referrer used for who the adult is to the child."""
    if person_role == CHILD:
        return CHILD
    words = {w.strip(".,;:()'\"") for w in (relationship or "").lower().split()}
    return PARENT if words & _PARENT_WORDS else OTHER


def _purpose_state(entry: AuditEntry) -> str:
    if entry.text_commitment is not None:
        return "sealed"
    return "in clear" if entry.purpose else "none"


def _read_out(entry: AuditEntry) -> ReadOut:
    return ReadOut(
        entry_id=entry.id,
        at=entry.recorded_at,
        reader=entry.actor_sub,
        reader_role=entry.actor_role,
        reader_agency=entry.actor_agency,
        reader_team=entry.actor_team,
        action=entry.action,
        through_product=product_in(entry.rule),
        purpose=_purpose_state(entry),
    )


def _sealed_content(session: Session, keyring: Keyring, disclosure: Disclosure) -> dict[str, Any]:
    content: dict[str, Any] = keyring.open_hub_json(
        session, "disclosures", "sealed_content", disclosure.id, disclosure.sealed_content
    )
    return content


def _fields_of(content: dict[str, Any]) -> list[str]:
    """The names of what a disclosure shares (never the values): a record's fields, or
    "summary"."""
    names: list[str] = []
    for record in content.get("records") or []:
        for name in record:
            if name != "record_id" and name not in names:
                names.append(name)
    if content.get("summary"):
        names.append("summary")
    return names


def _relationship(
    session: Session, keyring: Keyring, contact: Contact, person_id: uuid.UUID
) -> str | None:
    """Who this adult of a contact is to the child, as the referrer wrote it."""
    details = open_details(session, contact, keyring=keyring)
    people = repository.people_of(session, contact.id)
    for person, raw in zip(people, details["people"], strict=True):
        if person.id == person_id:
            found: str | None = raw.get("relationship")
            return found
    return None


@dataclass(frozen=True, slots=True)
class _Found:
    contacts: list[ContactHeldOut]
    disclosures: list[DisclosureHeldOut]
    rows: list[Disclosure]
    others: list[OtherRecordOut]

    def record(self) -> PersonRecordOut:
        return PersonRecordOut(
            found=bool(self.contacts or self.others),
            contacts=self.contacts,
            disclosures=self.disclosures,
            other_records=self.others,
        )

    def record_on_log(
        self,
        session: Session,
        principal: Principal,
        decision: Decision,
        keyring: Keyring,
        purpose: str,
        reason: str,
    ) -> None:
        """One entry: the purpose sealed, the counts in ``reason`` (where ``{}`` is, or
        after ``reason: ``), the person's ids in the hub; never what was searched for."""
        reads = sum(len(d.reads) for d in self.disclosures)
        counts = (
            f"{len(self.contacts)} contacts, {len(self.disclosures)} disclosures, "
            f"{reads} reads, {len(self.others)} other records"
        )
        audit.record(
            session,
            principal,
            allowed_event(
                decision,
                PERSON_RECORD,
                subject_ids=sorted({str(c.person_id) for c in self.contacts}),
                reason=reason.format(counts) if "{}" in reason else f"{reason}: {counts}",
                free_text={"purpose": purpose},
            ),
            keyring=keyring,
        )


def _find(session: Session, keyring: Keyring, person: PersonLookUpIn) -> _Found:
    identifiers = _identifiers_or_refuse(person)
    blinds = PersonIndexer(keyring.linkage_key(session)).blinds(identifiers)
    held = repository.contacts_held(session, repository.appearances(session, blinds))
    contacts = []
    references: dict[uuid.UUID, str] = {}
    for item in held:
        relationship = None
        if item.person.person_role != CHILD:
            relationship = _relationship(session, keyring, item.contact, item.person.id)
        screening, enquiry = item.screening, item.enquiry
        if enquiry is not None:
            references[enquiry.id] = item.contact.reference
        contacts.append(
            ContactHeldOut(
                contact_id=item.contact.id,
                person_id=item.person.id,
                reference=item.contact.reference,
                received_at=item.contact.received_at,
                role=role_of(item.person.person_role, relationship),
                status=item.contact.status,
                rag=screening.rag if screening else None,
                threshold_level=screening.threshold_level if screening else None,
                screening_outcome=screening.outcome if screening else None,
                enquiry_id=enquiry.id if enquiry else None,
                enquiry_status=enquiry.status if enquiry else None,
                enquiry_opened_at=enquiry.opened_at if enquiry else None,
                products=[
                    ProductHeld(
                        id=p.id,
                        status=p.status,
                        proposed_outcome=p.proposed_outcome,
                        receiving_team=p.receiving_team,
                        disseminated_at=p.disseminated_at,
                    )
                    for p in item.products
                ],
                held_since=item.contact.held_since,
            )
        )
    contact_reads = repository.reads_of(
        session, str(Kind.contact), sorted({str(c.contact_id) for c in contacts})
    )
    for contact in contacts:
        contact.reads = [_read_out(e) for e in contact_reads.get(str(contact.contact_id), [])]
    disclosures = repository.disclosures_of(session, list(references))
    reads = repository.reads_of(session, str(Kind.disclosure), [str(d.id) for d in disclosures])
    held_disclosures = []
    for disclosure in disclosures:
        content = _sealed_content(session, keyring, disclosure)
        held_disclosures.append(
            DisclosureHeldOut(
                id=disclosure.id,
                contact_reference=references[disclosure.enquiry_id],
                agency=disclosure.agency,
                kind=disclosure.kind,
                lawful_basis=disclosure.lawful_basis,
                consent=disclosure.consent,
                disclosed_at=disclosure.disclosed_at,
                fields=_fields_of(content),
                caveat=disclosure.caveat,
                caveat_text=(content.get("caveat") or {}).get("text"),
                released_for_onward=disclosure.released_for_onward,
                reads=[_read_out(e) for e in reads.get(str(disclosure.id), [])],
            )
        )
    return _Found(contacts, held_disclosures, disclosures, _other_records(session, blinds))


def _other_records(session: Session, blinds: list[bytes]) -> list[OtherRecordOut]:
    """The police notifications and missing episodes the person is in."""
    found = [
        OtherRecordOut(
            kind="police_notification",
            id=notification.id,
            reference=reference,
            at=notification.received_at,
            role=person.person_role.replace("_", " "),
            state=(notification.outcome or "waiting for triage").replace("_", " ")
            + f", {notification.risk_level} risk",
        )
        for notification, person, reference in repository.notifications_held(
            session, repository.appearances(session, blinds, store=DA_STORE)
        )
    ]
    for episode in repository.episodes_held(
        session, repository.appearances(session, blinds, store=MISSING_STORE)
    ):
        interview = (
            "interview done"
            if episode.interview_done_at
            else "interview due"
            if episode.interview_due_at
            else "no interview due yet"
        )
        found.append(
            OtherRecordOut(
                kind="missing_episode",
                id=episode.id,
                reference=episode.reference,
                at=episode.started_at,
                role=CHILD,
                state=("returned" if episode.returned_at else "still missing") + f", {interview}",
            )
        )
    return sorted(found, key=lambda r: r.at, reverse=True)


def look_up(
    session: Session,
    principal: Principal,
    person: PersonLookUpIn,
    *,
    keyring: Keyring,
    purpose: str | None,
) -> PersonRecordOut:
    """The person's record of access. One audit entry: the purpose (sealed), the counts,
    and the person's ids in the hub (never what was searched for)."""
    decision = require(principal, Action.read, PERSON_RECORD)
    stated = stated_purpose(purpose)
    found = _find(session, keyring, person)
    found.record_on_log(session, principal, decision, keyring, stated, "record of access")
    return found.record()


# Opening one item: the only way the record shows content.


class PersonInContact(BaseModel):
    """One person named in an opened contact, marked as the subject or another person."""

    about: str  # "the subject" | "another person"
    role: str
    details: dict[str, Any]


class ContactOpenedOut(BaseModel):
    contact_id: uuid.UUID
    reference: str
    received_at: datetime
    worries: list[str]
    consent: str
    concern: str
    consent_reason: str | None
    people: list[PersonInContact]
    # The referrer is another person: their details are never the subject's to receive.
    referrer: dict[str, Any] | None


SUBJECT, ANOTHER_PERSON = "the subject", "another person"


def open_contact(
    session: Session,
    principal: Principal,
    contact_id: uuid.UUID,
    *,
    subject_person_id: uuid.UUID | None,
    keyring: Keyring,
    purpose: str | None,
) -> ContactOpenedOut:
    """An IG officer opens one contact's content, saying why: one audit entry, its purpose
    sealed. Each person in it is marked as the subject (``subject_person_id``) or not."""
    resource = Resource(Kind.contact, id=str(contact_id))
    decision = require(principal, Action.open, resource)
    stated = stated_purpose(purpose)
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound()
    people = repository.people_of(session, contact_id)
    details = open_details(session, contact, keyring=keyring)
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=[str(p.id) for p in people],
            free_text={"purpose": stated},
        ),
        keyring=keyring,
    )
    return ContactOpenedOut(
        contact_id=contact.id,
        reference=contact.reference,
        received_at=contact.received_at,
        worries=json.loads(contact.worries),
        consent=contact.consent,
        concern=details["concern"],
        consent_reason=details["consent_reason"],
        people=[
            PersonInContact(
                about=SUBJECT if person.id == subject_person_id else ANOTHER_PERSON,
                role=role_of(person.person_role, raw.get("relationship")),
                details={k: v for k, v in raw.items() if v not in (None, "")},
            )
            for person, raw in zip(people, details["people"], strict=True)
        ],
        referrer={k: v for k, v in details["referrer"].items() if v not in (None, "")}
        if details["referrer"]
        else None,
    )


def open_disclosure(
    session: Session,
    principal: Principal,
    disclosure_id: uuid.UUID,
    *,
    keyring: Keyring,
    purpose: str | None,
) -> DisclosureOut:
    """One disclosure's content, opened as the API's ``/disclosures/{id}/opening`` does."""
    return open_for_governance(session, principal, disclosure_id, purpose=purpose, keyring=keyring)


# The export for a subject access request or a complaint.


def _caveat_mark(disclosure: DisclosureHeldOut) -> str | None:
    if not disclosure.caveat:
        return None
    return f"caveat {disclosure.caveat}: ask {disclosure.agency} before anything is released"


class PersonExport(BaseModel):
    """The export's document: the record, and the content of what the officer opened."""

    purpose_sealed: bool
    made_at: datetime
    made_by: str
    record: PersonRecordOut
    opened_contacts: list[dict[str, Any]]
    opened_disclosures: list[dict[str, Any]]
    marks: dict[str, str]


def export(
    session: Session,
    principal: Principal,
    person: PersonLookUpIn,
    *,
    keyring: Keyring,
    purpose: str | None,
    now: datetime,
) -> PersonExport:
    """The record for a subject access request, with the content of only the items this
    officer opened with this same purpose, each opening logged (the export opens nothing
    itself: each item was read by a person, one at a time, before it leaves).
    What is about other people, and what carries an agency's caveat, is marked for the
    officer's redaction. One audit entry: the purpose (sealed) and the counts."""
    decision = require(principal, Action.export, PERSON_RECORD)
    stated = stated_purpose(purpose)
    found = _find(session, keyring, person)
    contacts, disclosures, rows = found.contacts, found.disclosures, found.rows
    contact_ids = _opened_for(
        session, keyring, principal, Kind.contact, [str(c.contact_id) for c in contacts], stated
    )
    disclosure_ids = _opened_for(
        session, keyring, principal, Kind.disclosure, [str(d.id) for d in disclosures], stated
    )
    opened_contacts = [
        _marked_contact(session, keyring, held)
        for held in contacts
        if str(held.contact_id) in contact_ids
    ]
    opened_disclosures = [
        _marked_disclosure(session, keyring, held, row)
        for held, row in zip(disclosures, rows, strict=True)
        if str(held.id) in disclosure_ids
    ]
    opened = len(opened_contacts) + len(opened_disclosures)
    found.record_on_log(
        session,
        principal,
        decision,
        keyring,
        stated,
        f"subject access export: {{}}, {opened} opened items",
    )
    return PersonExport(
        purpose_sealed=True,
        made_at=now,
        made_by=principal.sub,
        record=found.record(),
        opened_contacts=opened_contacts,
        opened_disclosures=opened_disclosures,
        marks={
            "another_person": "About another person (another household member, the "
            "referrer): redact before release.",
            "free_text": "Written by a professional or the referrer: may name other people; "
            "read before release.",
            "caveat": "Shared by an agency with a handling caveat: ask the agency before "
            "anything of it is released.",
        },
    )


def _opened_for(
    session: Session,
    keyring: Keyring,
    principal: Principal,
    kind: Kind,
    ids: list[str],
    purpose: str,
) -> set[str]:
    """Which of these items this officer opened with this same purpose: each opening's
    sealed purpose is checked against the one the export is made for."""
    opened: set[str] = set()
    for entry_id, resource_id in repository.openings_by(session, principal.sub, str(kind), ids):
        if resource_id in opened:
            continue
        found = audit_repository.sealed_text_of(session, entry_id)
        if found is None or found[1] is None:
            continue
        try:
            text = sealing.open_text(session, keyring, found[0], found[1])
        except sealing.TextUnavailable:
            continue
        if text.get("purpose") == purpose:
            opened.add(resource_id)
    return opened


def _marked_contact(session: Session, keyring: Keyring, held: ContactHeldOut) -> dict[str, Any]:
    contact = session.get(Contact, held.contact_id)
    assert contact is not None
    people = repository.people_of(session, held.contact_id)
    details = open_details(session, contact, keyring=keyring)
    return {
        "reference": held.reference,
        "received_at": held.received_at.isoformat(),
        "people": [
            {
                "mark": None if person.id == held.person_id else "another_person",
                "about": SUBJECT if person.id == held.person_id else ANOTHER_PERSON,
                "role": role_of(person.person_role, raw.get("relationship")),
                "details": {k: v for k, v in raw.items() if v not in (None, "")},
            }
            for person, raw in zip(people, details["people"], strict=True)
        ],
        "concern": {"mark": "free_text", "text": details["concern"]},
        "consent_reason": (
            {"mark": "free_text", "text": details["consent_reason"]}
            if details["consent_reason"]
            else None
        ),
        "referrer": (
            {
                "mark": "another_person",
                "details": {k: v for k, v in details["referrer"].items() if v not in (None, "")},
            }
            if details["referrer"]
            else None
        ),
    }


def _marked_disclosure(
    session: Session, keyring: Keyring, held: DisclosureHeldOut, disclosure: Disclosure
) -> dict[str, Any]:
    content = _sealed_content(session, keyring, disclosure)
    shared = {k: v for k, v in content.items() if k in ("records", "summary")}
    return {
        "id": str(held.id),
        "agency": held.agency,
        "contact_reference": held.contact_reference,
        "mark": "caveat" if held.caveat else None,
        "caveat": held.caveat,
        "caveat_text": held.caveat_text,
        "caveat_note": _caveat_mark(held),
        "content": shared,
    }

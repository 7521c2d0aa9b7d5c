"""The rules for contacts: record at once, seal the personal details, audit every touch."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.contacts import repository
from hub.contacts.models import Contact, ContactPerson
from hub.contacts.schemas import (
    ContactDetail,
    ContactIn,
    ContactSummary,
    PersonIn,
    PersonOut,
    ReferrerIn,
)
from hub.db import utcnow
from hub.keys.service import Keyring, case_key_id, hub_context, work_on_case
from hub.kit.crypto.envelope import SealContext
from hub.kit.errors import Conflict, NotFound
from hub.kit.pagination import DEFAULT_PAGE_SIZE, Page, decode_time_id_cursor, encode_time_id_cursor
from hub.people.service import index_contact_addresses, index_contact_people
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind

log = structlog.get_logger()

# What happens in the same transaction once a contact is recorded (screening's clock
# starts): handed in by the app, so the front door does not depend on the domains after it.
ContactRecorded = Callable[[Session, Contact], None]

# Crockford's base32 without I, L, O, U: references are read out over the phone.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_REFERENCE_DRAWS = 8


def _details_context(contact_id: uuid.UUID) -> SealContext:
    return hub_context("contacts", "sealed_details", contact_id)


def new_reference() -> str:
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"MH-{body[:4]}-{body[4:]}"


def _idempotency_hash(principal: Principal, key: str) -> str:
    return hashlib.sha256(f"{principal.sub}\x1f{key}".encode()).hexdigest()


def _request_hash(payload: ContactIn) -> str:
    return hashlib.sha256(payload.model_dump_json().encode()).hexdigest()


def create_contact(
    session: Session,
    principal: Principal,
    payload: ContactIn,
    *,
    keyring: Keyring,
    on_recorded: ContactRecorded,
    idempotency_key: str | None = None,
    before_new_contact: Callable[[], None] | None = None,
) -> Contact:
    """Record a contact. The same Idempotency-Key from the same submitter returns the first,
    even when the two arrive at the same moment. ``before_new_contact`` (the public form's
    rate limit) is called only for a contact not already recorded, so a retry of an
    accepted submission always gets its receipt."""
    decision = require(principal, Action.create, Resource(Kind.contact))
    request_hash = _request_hash(payload)
    idempotency_hash = _idempotency_hash(principal, idempotency_key) if idempotency_key else None
    if idempotency_hash is not None:
        existing = repository.by_idempotency_hash(session, idempotency_hash)
        if existing is not None:
            return _same_submission(existing, request_hash)
    if before_new_contact is not None:
        before_new_contact()

    contact, people = _new_contact(
        session, principal, payload, keyring, idempotency_hash, request_hash
    )
    raced = _insert_once(session, contact, people, idempotency_hash, request_hash)
    if raced is not None:
        return raced
    on_recorded(session, contact)
    _index_people(session, keyring, contact, list(zip(people, _everyone(payload), strict=True)))
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            Resource(Kind.contact),
            resource_id=str(contact.id),
            subject_ids=[str(p.id) for p in people],
            consent=contact.consent,
        ),
    )
    log.info("contact.received", contact_id=str(contact.id), channel=contact.channel)
    return contact


def _everyone(payload: ContactIn) -> list[PersonIn]:
    return [*payload.children, *payload.adults]


def _new_contact(
    session: Session,
    principal: Principal,
    payload: ContactIn,
    keyring: Keyring,
    idempotency_hash: str | None,
    request_hash: str,
) -> tuple[Contact, list[ContactPerson]]:
    """The contact with a fresh reference and its details sealed, and its people."""
    contact = Contact(
        id=uuid.uuid4(),
        reference=new_reference(),
        received_at=utcnow(),
        channel=str(payload.channel),
        referrer_kind="public" if principal.is_public else "professional",
        submitted_by=None if principal.is_public else principal.sub,
        worries=json.dumps(sorted({str(w) for w in payload.worries})),
        consent=str(payload.consent.status),
        status="received",
        idempotency_hash=idempotency_hash,
        request_hash=request_hash,
        sealed_details=b"",
    )
    people = [
        ContactPerson(id=uuid.uuid4(), contact_id=contact.id, position=i, person_role=person_role)
        for i, person_role in enumerate(
            ["child"] * len(payload.children) + ["adult"] * len(payload.adults)
        )
    ]
    details = {
        "people": [p.model_dump(mode="json") for p in _everyone(payload)],
        "concern": payload.concern,
        "consent_reason": payload.consent.reason,
        "referrer": payload.referrer.model_dump(mode="json") if payload.referrer else None,
    }
    # The case's own key: destroyed under the retention schedule, it takes the case with it.
    work_on_case(session, case_key_id(contact.id))
    keyring.new_case_key(session, case_key_id(contact.id), seals=1)  # the details, below
    contact.sealed_details = keyring.seal(
        session, case_key_id(contact.id), json.dumps(details).encode(), _details_context(contact.id)
    )
    return contact, people


def _insert_once(
    session: Session,
    contact: Contact,
    people: list[ContactPerson],
    idempotency_hash: str | None,
    request_hash: str,
) -> Contact | None:
    """Insert the contact and its people; if the same submission is already stored (it
    won a race to it), that one instead. A reference already taken (one in 32^8) is
    drawn again."""
    for _ in range(_REFERENCE_DRAWS):
        if repository.insert_new_contact(session, contact, people):
            return None
        existing = (
            repository.by_idempotency_hash(session, idempotency_hash) if idempotency_hash else None
        )
        if existing is not None:
            return _same_submission(existing, request_hash)
        contact.reference = new_reference()
    raise RuntimeError("no free contact reference after several draws")


def _index_people(
    session: Session,
    keyring: Keyring,
    contact: Contact,
    everyone: list[tuple[ContactPerson, PersonIn]],
) -> None:
    """Blind indexes of the people and their addresses, for matching later contacts."""
    index_contact_people(session, keyring, contact.id, [(p.id, raw) for p, raw in everyone])
    index_contact_addresses(
        session, keyring, contact.id, [(p.id, raw.address, raw.postcode) for p, raw in everyone]
    )


def _same_submission(existing: Contact, request_hash: str) -> Contact:
    if existing.request_hash != request_hash:
        raise Conflict(
            "This Idempotency-Key was already used for a different contact.",
            code="idempotency_conflict",
        )
    return existing


def summary_of(contact: Contact, people: list[ContactPerson]) -> ContactSummary:
    return ContactSummary(
        id=contact.id,
        reference=contact.reference,
        received_at=contact.received_at,
        channel=contact.channel,
        referrer_kind=contact.referrer_kind,
        worries=json.loads(contact.worries),
        consent=contact.consent,
        status=contact.status,
        children=sum(1 for p in people if p.person_role == "child"),
    )


def list_contacts(
    session: Session, principal: Principal, *, cursor: str | None, limit: int = DEFAULT_PAGE_SIZE
) -> Page[ContactSummary]:
    decision = require(principal, Action.list, Resource(Kind.contact))
    after = decode_time_id_cursor(cursor)
    contacts = repository.page_of_contacts(session, after=after, limit=limit + 1)
    more = len(contacts) > limit
    contacts = contacts[:limit]
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            Resource(Kind.contact),
            subject_ids=[str(p.id) for c in contacts for p in c.people],
        ),
    )
    next_cursor = (
        encode_time_id_cursor(contacts[-1].received_at, contacts[-1].id)
        if more and contacts
        else None
    )
    return Page[ContactSummary](
        items=[summary_of(c, c.people) for c in contacts], next_cursor=next_cursor
    )


def open_details(session: Session, contact: Contact, *, keyring: Keyring) -> dict[str, Any]:
    """The contact's sealed details. Callers have passed the firewall and audit the read."""
    details: dict[str, Any] = json.loads(
        keyring.open(session, contact.sealed_details, _details_context(contact.id))
    )
    return details


def read_contact(
    session: Session, principal: Principal, contact_id: uuid.UUID, *, keyring: Keyring
) -> ContactDetail:
    resource = Resource(Kind.contact, id=str(contact_id))
    # Permission first, then existence: a caller who may not read contacts learns nothing.
    decision = require(principal, Action.read, resource)
    contact = repository.contact_to_read(session, contact_id)
    if contact is None:
        raise NotFound()
    details: dict[str, Any] = json.loads(
        keyring.open_with(
            session, contact.sealed_details, _details_context(contact.id), contact.hub_keys
        )
    )
    # The sealed details were validated as PersonIn when the contact came in.
    people = [
        PersonOut.model_validate({**raw, "id": person_id, "person_role": person_role})
        for (person_id, person_role), raw in zip(contact.people, details["people"], strict=True)
    ]
    audit.record(
        session,
        principal,
        allowed_event(decision, resource, subject_ids=[str(p.id) for p in people]),
    )
    return ContactDetail(
        id=contact.id,
        reference=contact.reference,
        received_at=contact.received_at,
        channel=contact.channel,
        referrer_kind=contact.referrer_kind,
        worries=json.loads(contact.worries),
        consent=contact.consent,
        status=contact.status,
        children=sum(1 for _, role in contact.people if role == "child"),
        people=people,
        concern=details["concern"],
        consent_reason=details["consent_reason"],
        referrer=ReferrerIn(**details["referrer"]) if details["referrer"] else None,
    )

"""Blind indexes of the people in the hub's own store, to find earlier contacts.

Contacts keep their people's identifiers sealed under the hub's key; this index keeps
only keyed blind indexes of them (the same passes and linkage key as the agency stores),
so the workflow can ask "has this child come through the front door before?" without the
database holding a name in clear. Disclosures and information products can add their
people under their own ``store`` name.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.keys.service import Keyring
from hub.people import repository
from hub.people.address import address_blind
from hub.people.indexing import PASS_STRENGTH, PersonIndexer
from hub.people.normalise import MatchStrength, PersonIdentifiers

CONTACT_STORE = "contact"
# Addresses of contacts' people (postcode and house), for "same address" signals.
CONTACT_ADDRESS_STORE = "contact_address"
ADDRESS_PASS_NAME = "address"  # noqa: S105 (a matching pass name, not a secret)


class _HasIdentifiers(Protocol):
    """What a contact person looks like here (``hub.contacts.schemas.PersonIn``)."""

    @property
    def given_name(self) -> str | None: ...
    @property
    def family_name(self) -> str | None: ...
    @property
    def date_of_birth(self) -> date | None: ...
    @property
    def nhs_number(self) -> str | None: ...
    @property
    def postcode(self) -> str | None: ...


def identifiers_of(person: _HasIdentifiers) -> PersonIdentifiers:
    return PersonIdentifiers(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        nhs_number=person.nhs_number,
        postcode=person.postcode,
    )


def index_people(
    session: Session,
    keyring: Keyring,
    *,
    store: str,
    parent_id: uuid.UUID,
    people: Sequence[tuple[uuid.UUID, PersonIdentifiers]],
) -> int:
    """Store blind indexes for each ``(person id, identifiers)``; return how many."""
    indexer = PersonIndexer(keyring.linkage_key(session))
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "store": store,
            "parent_id": parent_id,
            "person_id": person_id,
            "pass_name": index.pass_name,
            "blind": index.blind,
            "created_at": now,
        }
        for person_id, identifiers in people
        for index in indexer.person(identifiers)
    ]
    repository.insert_person_indexes(session, rows)
    return len(rows)


def index_contact_people(
    session: Session,
    keyring: Keyring,
    contact_id: uuid.UUID,
    people: Sequence[tuple[uuid.UUID, _HasIdentifiers]],
) -> int:
    """Index the people of a new contact; call it from ``create_contact``."""
    return index_people(
        session,
        keyring,
        store=CONTACT_STORE,
        parent_id=contact_id,
        people=[(person_id, identifiers_of(person)) for person_id, person in people],
    )


def index_contact_addresses(
    session: Session,
    keyring: Keyring,
    contact_id: uuid.UUID,
    people: Sequence[tuple[uuid.UUID, str | None, str | None]],
) -> None:
    """Blind-index each person's address (postcode + house), for "same address" signals."""
    linkage = keyring.linkage_key(session)
    now = utcnow()
    rows = []
    for person_id, address, postcode in people:
        blind = address_blind(linkage, address, postcode) if address and postcode else None
        if blind is None:
            continue
        rows.append(
            {
                "id": uuid.uuid4(),
                "store": CONTACT_ADDRESS_STORE,
                "parent_id": contact_id,
                "person_id": person_id,
                "pass_name": ADDRESS_PASS_NAME,
                "blind": blind,
                "created_at": now,
            }
        )
    repository.insert_person_indexes(session, rows)


@dataclass(frozen=True, slots=True)
class EarlierContact:
    contact_id: uuid.UUID
    person_id: uuid.UUID
    passes: tuple[str, ...]
    strength: MatchStrength
    indexed_at: datetime


def earlier_contacts(
    session: Session,
    keyring: Keyring,
    person: PersonIdentifiers,
    *,
    exclude_contact: uuid.UUID | None = None,
) -> list[EarlierContact]:
    """Contacts about people whose blind indexes match ``person``, newest first.

    The caller has checked that its principal may read contacts and audits what it shows.
    """
    indexes = PersonIndexer(keyring.linkage_key(session)).person(person)
    matches = repository.matches(session, CONTACT_STORE, [i.blind for i in indexes])
    passes: dict[tuple[uuid.UUID, uuid.UUID], set[str]] = defaultdict(set)
    newest: dict[tuple[uuid.UUID, uuid.UUID], datetime] = {}
    for contact_id, person_id, pass_name, created_at in matches:
        if contact_id == exclude_contact:
            continue
        passes[(contact_id, person_id)].add(pass_name)
        newest.setdefault((contact_id, person_id), created_at)
    found = [
        EarlierContact(
            contact_id=contact_id,
            person_id=person_id,
            passes=tuple(p for p in PASS_STRENGTH if p in matched),
            strength="strong" if any(PASS_STRENGTH[p] == "strong" for p in matched) else "medium",
            indexed_at=newest[(contact_id, person_id)],
        )
        for (contact_id, person_id), matched in passes.items()
    ]
    return sorted(found, key=lambda c: c.indexed_at, reverse=True)

"""Emerging harm: the same child, address or family turning up again across the hub.

Shown at screening as flags. Everything is found through keyed blind indexes (the
linkage key), so no name or address is compared in clear:

* 3 or more contacts about the child in 12 months;
* 2 or more domestic abuse notifications at the child's address in 90 days;
* repeat missing: 3 or more missing episodes of the child in 30 days;
* other children at the same address, from other contacts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.agencies import repository as agency_repository
from hub.agencies.indexing import Indexer
from hub.agencies.models import PersonIndex
from hub.agencies.normalise import PersonIdentifiers
from hub.contacts.models import ContactPerson
from hub.db import utcnow
from hub.keys.service import Keyring
from hub.missing.signals import REPEAT_THRESHOLD, missing_episodes_for_person
from hub.screening import repository
from hub.triage.signals import address_blind, repeat_da_at_address

ADDRESS_STORE = "contact_address"
ADDRESS_INDEX_NAME = "address"
REPEAT_CONTACTS = 3
REPEAT_CONTACT_WINDOW = timedelta(days=365)
REPEAT_DA = 2
REPEAT_DA_WINDOW_DAYS = 90


@dataclass(frozen=True, slots=True)
class HarmFlag:
    code: str
    detail: str


def index_contact_addresses(
    session: Session,
    keyring: Keyring,
    contact_id: uuid.UUID,
    people: Sequence[tuple[uuid.UUID, str | None, str | None]],
) -> None:
    """Blind-index each person's address (postcode + house), for "same address" signals."""
    linkage = keyring.linkage_key(session)
    rows = []
    now = utcnow()
    for person_id, address, postcode in people:
        if not (address and postcode):
            continue
        blind = address_blind(linkage, address, postcode)
        if blind is None:
            continue
        rows.append(
            {
                "id": uuid.uuid4(),
                "store": ADDRESS_STORE,
                "parent_id": contact_id,
                "person_id": person_id,
                "pass_name": ADDRESS_INDEX_NAME,
                "blind": blind,
                "created_at": now,
            }
        )
    agency_repository.insert_person_indexes(session, rows)


def _other_children_at(
    session: Session, blind: bytes, contact_id: uuid.UUID, own_blinds: set[bytes]
) -> int:
    """Children in other contacts at this address who are not this contact's children."""
    at_address = (
        session.execute(
            select(PersonIndex.person_id)
            .join(ContactPerson, ContactPerson.id == PersonIndex.person_id)
            .where(
                PersonIndex.store == ADDRESS_STORE,
                PersonIndex.blind == blind,
                PersonIndex.parent_id != contact_id,
                ContactPerson.person_role == "child",
            )
        )
        .scalars()
        .all()
    )
    if not at_address:
        return 0
    # The same child seen in an earlier contact is not "another" child.
    identity = session.execute(
        select(PersonIndex.person_id, PersonIndex.blind).where(
            PersonIndex.store == "contact",
            PersonIndex.person_id.in_(at_address),
            PersonIndex.pass_name.in_(("nhs", "given_family_dob")),
        )
    ).all()
    same = {person_id for person_id, person_blind in identity if person_blind in own_blinds}
    return len(set(at_address) - same)


def flags_for_child(
    session: Session,
    keyring: Keyring,
    *,
    contact_id: uuid.UUID,
    person_id: uuid.UUID,
    raw: dict[str, Any],
    own_identity_blinds: set[bytes],
    now: datetime,
) -> list[HarmFlag]:
    flags: list[HarmFlag] = []
    recent = repository.contacts_about_person_since(
        session, [person_id], now - REPEAT_CONTACT_WINDOW
    )
    if recent >= REPEAT_CONTACTS:
        flags.append(
            HarmFlag("repeat_contacts", f"{recent} contacts about this child in the last 12 months")
        )
    identifiers = PersonIdentifiers(
        given_name=raw.get("given_name"),
        family_name=raw.get("family_name"),
        date_of_birth=raw.get("date_of_birth"),
        nhs_number=raw.get("nhs_number"),
        postcode=raw.get("postcode"),
    )
    blinds = [index.blind for index in Indexer(keyring.linkage_key(session)).person(identifiers)]
    episodes = missing_episodes_for_person(session, blinds, now=now)
    if episodes >= REPEAT_THRESHOLD:
        flags.append(HarmFlag("repeat_missing", f"{episodes} missing episodes in the last 30 days"))
    if raw.get("address") and raw.get("postcode"):
        blind = address_blind(keyring.linkage_key(session), raw["address"], raw["postcode"])
        incidents = repeat_da_at_address(session, blind, now=now, window_days=REPEAT_DA_WINDOW_DAYS)
        if incidents >= REPEAT_DA:
            flags.append(
                HarmFlag(
                    "repeat_domestic_abuse_at_address",
                    f"{incidents} domestic abuse notifications at this address in 90 days",
                )
            )
        if blind is not None:
            others = _other_children_at(session, blind, contact_id, own_identity_blinds)
            if others:
                flags.append(
                    HarmFlag(
                        "other_children_at_address",
                        f"{others} other children known at this address",
                    )
                )
    return flags


def own_identity_blinds(session: Session, contact_id: uuid.UUID) -> set[bytes]:
    return set(
        session.execute(
            select(PersonIndex.blind).where(
                PersonIndex.store == "contact",
                PersonIndex.parent_id == contact_id,
                PersonIndex.pass_name.in_(("nhs", "given_family_dob")),
            )
        ).scalars()
    )

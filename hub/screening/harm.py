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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hub.keys.service import Keyring
from hub.missing.signals import REPEAT_THRESHOLD, missing_episodes_for_person
from hub.people import repository as person_index
from hub.people.indexing import PersonIndexer
from hub.people.normalise import PersonIdentifiers
from hub.people.service import CONTACT_STORE
from hub.screening import repository
from hub.triage.signals import address_blind, repeat_da_at_address

# The passes that make a child in another contact the same child, not a sibling.
SAME_CHILD_PASSES = ("nhs", "given_family_dob")
REPEAT_CONTACTS = 3
REPEAT_CONTACT_WINDOW = timedelta(days=365)
REPEAT_DA = 2
REPEAT_DA_WINDOW_DAYS = 90


@dataclass(frozen=True, slots=True)
class HarmFlag:
    code: str
    detail: str


def _other_children_at(
    session: Session, blind: bytes, contact_id: uuid.UUID, own_blinds: set[bytes]
) -> int:
    """Children in other contacts at this address who are not this contact's children."""
    at_address = repository.children_at_address(session, blind, not_contact=contact_id)
    if not at_address:
        return 0
    # The same child seen in an earlier contact is not "another" child.
    identity = person_index.blinds_by_person(
        session, CONTACT_STORE, passes=SAME_CHILD_PASSES, person_ids=at_address
    )
    same = {person_id for person_id, blinds in identity.items() if blinds & own_blinds}
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
    blinds = [
        index.blind for index in PersonIndexer(keyring.linkage_key(session)).person(identifiers)
    ]
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
    return person_index.blinds_of_parent(
        session, CONTACT_STORE, contact_id, passes=SAME_CHILD_PASSES
    )

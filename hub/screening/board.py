"""The screening board: every open contact as a card a screener can act on.

A card says who the children are, what the worry is, the threshold and rating, the
consent position, the emerging-harm flags and the clock. The board is read whole once and
then, while it stays open, only what changed since it was last drawn (``since``): contacts
received, rated, re-rated, authorised or decided since then, those whose deadline passed
in between, and the older contacts about the same child as a new one (their flags move).
Each reading is one list entry in the audit log, as the API's queue writes it ("screening
queue"), naming the people on the cards it shows, since the cards name them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.contacts.models import Contact
from hub.contacts.service import open_details
from hub.db import utcnow
from hub.keys.service import Keyring
from hub.kit.working_time import LONDON, is_breached
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.screening import repository
from hub.screening.models import ContactScreening
from hub.screening.schemas import Flag
from hub.screening.service import _what_is_known

# A change is looked for a little before the time the board was last drawn: a transaction
# that stamped its change just before then may have committed just after.
COMMIT_MARGIN = timedelta(minutes=2)
FLAG_CODES = (
    "repeat_contacts",
    "repeat_domestic_abuse_at_address",
    "repeat_missing",
    "other_children_at_address",
    "open_enquiry",
)
RAGS = ("red", "amber", "green", "unrated")


class Whose(StrEnum):
    everyone = "all"
    unassigned = "unassigned"  # nobody has screened it yet
    mine = "mine"  # screened by the person looking


@dataclass(frozen=True, slots=True)
class BoardFilters:
    rags: frozenset[str] = frozenset()  # empty: every rating
    flags: frozenset[str] = frozenset()  # empty: flagged or not; otherwise any of these
    whose: Whose = Whose.everyone

    @property
    def any(self) -> bool:
        return bool(self.rags or self.flags or self.whose is not Whose.everyone)


@dataclass(frozen=True, slots=True)
class Child:
    name: str | None
    age_years: int | None
    age_is_estimate: bool


@dataclass(frozen=True, slots=True)
class BoardCard:
    contact_id: uuid.UUID
    reference: str
    received_at: datetime
    channel: str
    children: list[Child]
    worries: list[str]
    consent: str
    consent_overridden: bool
    threshold_level: int | None
    rag: str  # red | amber | green | unrated
    rag_deadline: datetime | None
    breached: bool
    # Received out of hours and nobody has screened it yet: the out-of-hours team's to see.
    out_of_hours_waiting: bool
    screened_by: str | None
    flags: list[Flag]


@dataclass(slots=True)
class BoardOut:
    cards: list[BoardCard]
    # Contacts a board drawn earlier shows that it should no longer show.
    removed: list[uuid.UUID] = field(default_factory=list)
    drawn_at: datetime = field(default_factory=utcnow)


def _age(raw: dict[str, Any], today: date) -> tuple[int | None, bool]:
    born = raw.get("date_of_birth")
    if born:
        dob = date.fromisoformat(born)
        years = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
        return max(years, 0), False
    if raw.get("age_years") is not None:
        return int(raw["age_years"]), True
    return None, False


def _children(details: dict[str, Any], contact: Contact, today: date) -> list[Child]:
    children = []
    for person, raw in zip(contact.people, details["people"], strict=True):
        if person.person_role != "child":
            continue
        name = " ".join(p for p in (raw.get("given_name"), raw.get("family_name")) if p) or None
        years, estimate = _age(raw, today)
        children.append(Child(name, years, estimate))
    return children


def _card(
    session: Session,
    keyring: Keyring,
    contact: Contact,
    screening: ContactScreening,
    now: datetime,
) -> tuple[BoardCard, list[uuid.UUID]]:
    """The card, and the other contacts about the same child (whose flags this one moves)."""
    details = open_details(session, contact, keyring=keyring)
    earlier, flags = _what_is_known(session, keyring, contact, now)
    card = BoardCard(
        contact_id=contact.id,
        reference=contact.reference,
        received_at=contact.received_at,
        channel=contact.channel,
        children=_children(details, contact, now.astimezone(LONDON).date()),
        worries=json.loads(contact.worries),
        consent=contact.consent,
        consent_overridden=screening.consent_override_at is not None,
        threshold_level=screening.threshold_level,
        rag=screening.rag or "unrated",
        rag_deadline=screening.rag_deadline,
        breached=screening.rag_deadline is not None and is_breached(screening.rag_deadline, now),
        out_of_hours_waiting=screening.out_of_hours and screening.rag is None,
        screened_by=screening.screened_by,
        flags=flags,
    )
    return card, [e.contact_id for e in earlier]


def _passes(screening: ContactScreening, filters: BoardFilters, principal: Principal) -> bool:
    if filters.rags and (screening.rag or "unrated") not in filters.rags:
        return False
    if filters.whose is Whose.unassigned:
        return screening.screened_by is None
    if filters.whose is Whose.mine:
        return screening.screened_by == principal.sub
    return True


def _urgency(card: BoardCard) -> tuple[int, datetime, datetime]:
    # Most urgent first: past the deadline, then the nearest deadline, then the longest waiting.
    far = datetime.max.replace(tzinfo=card.received_at.tzinfo)
    return (0 if card.breached else 1, card.rag_deadline or far, card.received_at)


def screening_board(
    session: Session,
    principal: Principal,
    *,
    keyring: Keyring,
    filters: BoardFilters | None = None,
    since: datetime | None = None,
    now: datetime | None = None,
) -> BoardOut:
    """Open contacts as cards, most urgent first; with ``since``, only those that changed."""
    decision = require(principal, Action.list, Resource(Kind.contact))
    filters = filters or BoardFilters()
    moment = now or utcnow()
    if since is None:
        wanted = repository.open_contact_ids(session)
    else:
        wanted = repository.contacts_changed_since(session, since - COMMIT_MARGIN, moment)
    drawn = _draw(session, principal, keyring, wanted, filters, moment)
    if since is not None:
        # A new contact moves the flags of the older ones about the same child.
        related = {other for _, _, earlier in drawn.values() for other in earlier} - wanted
        wanted |= related
        drawn.update(_draw(session, principal, keyring, related, filters, moment))
    cards = [card for card, _, _ in drawn.values()]
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            Resource(Kind.contact),
            subject_ids=sorted({person for _, people, _ in drawn.values() for person in people}),
            reason="screening queue" if since is None else "screening queue: changes",
        ),
    )
    return BoardOut(
        cards=sorted(cards, key=_urgency),
        removed=sorted(wanted - set(drawn)) if since is not None else [],
        drawn_at=moment,
    )


Drawn = dict[uuid.UUID, tuple[BoardCard, list[str], list[uuid.UUID]]]


def _draw(
    session: Session,
    principal: Principal,
    keyring: Keyring,
    wanted: set[uuid.UUID],
    filters: BoardFilters,
    now: datetime,
) -> Drawn:
    """Each open contact among ``wanted`` that passes the filters: its card, the ids of its
    people (for the audit entry) and the other contacts about the same child."""
    contacts = repository.open_contacts_with_people(session, list(wanted))
    screenings = repository.screenings_of(session, [c.id for c in contacts])
    drawn: Drawn = {}
    for contact in contacts:
        screening = screenings[contact.id]
        if not _passes(screening, filters, principal):
            continue
        card, earlier = _card(session, keyring, contact, screening, now)
        if filters.flags and not {f.code for f in card.flags} & filters.flags:
            continue
        drawn[contact.id] = (card, [str(p.id) for p in contact.people], earlier)
    return drawn

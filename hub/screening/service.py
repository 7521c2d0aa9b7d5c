"""Screening: the threshold, the RAG rating and its clock, and where a contact goes next.

The clock runs from when the contact was received (the child has been waiting since the
worry arrived): red within 4 hours round the clock, amber within 24 and green within 72
working hours. A change of rating is a manager's decision and needs a reason. Reasons are
free text, so they are sealed under the hub's key; the audit log records each decision.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.contacts import repository as contacts_repository
from hub.contacts.models import Contact
from hub.contacts.schemas import ConsentStatus
from hub.contacts.service import open_details
from hub.db import insert_on_driver, utcnow
from hub.keys.service import Keyring, case_key_id, hub_context, work_on_case
from hub.kit.crypto.envelope import SealContext
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.kit.working_time import (
    SCREENING_POLICY,
    Rag,
    RagPolicy,
    WorkingHours,
    is_breached,
    is_out_of_hours,
    rag_deadline,
)
from hub.people.normalise import PersonIdentifiers
from hub.people.service import earlier_contacts
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.screening import harm, repository
from hub.screening.models import ContactScreening, RagChange
from hub.screening.rota import ScreeningOutcome, routing_team
from hub.screening.schemas import (
    ConsentOverrideIn,
    EarlierContactOut,
    Flag,
    OutcomeIn,
    QueueItem,
    QueueOut,
    QueueTotals,
    RerateIn,
    ScreeningDecision,
    ScreeningIn,
    ScreeningOut,
)

log = structlog.get_logger()

# The queue lists this many open contacts of each rating by default, and at most
# MAX_QUEUE_LIMIT: with a backlog of thousands, every one in each answer made answers of
# megabytes (and a few hundred megabytes of memory for a few dozen at once).
QUEUE_LIMIT = 100
MAX_QUEUE_LIMIT = 500

CLOSING_STATUS = {
    ScreeningDecision.nfa: "closed_nfa",
    ScreeningDecision.signpost: "closed_signpost",
    ScreeningDecision.early_help: "early_help",
    ScreeningDecision.mash_enquiry: "mash_enquiry",
}


def screening_starter(calendar: WorkingHours) -> Callable[[Session, Contact], None]:
    """What the front door calls for each new contact: its screening starts at once, and a
    contact received out of hours is flagged for the out-of-hours team."""

    def start_screening(session: Session, contact: Contact) -> None:
        out_of_hours = is_out_of_hours(contact.received_at, calendar)
        # Inserted now, on the driver's cursor: every intake does this, and the ORM's
        # flush of one new row cost more than the row.
        insert_on_driver(
            session, ContactScreening, [{"contact_id": contact.id, "out_of_hours": out_of_hours}]
        )

    return start_screening


def _reasons_context(contact_id: uuid.UUID) -> SealContext:
    return hub_context("contact_screenings", "sealed_reasons", contact_id)


def _rag_reason_context(change_id: uuid.UUID) -> SealContext:
    return hub_context("rag_changes", "sealed_reason", change_id)


def _load(session: Session, contact_id: uuid.UUID) -> tuple[Contact, ContactScreening]:
    work_on_case(session, case_key_id(contact_id))
    contact = contacts_repository.get_contact(session, contact_id)
    screening = repository.screening_of(session, contact_id)
    if contact is None or screening is None:
        raise NotFound()
    return contact, screening


def _reasons(session: Session, keyring: Keyring, screening: ContactScreening) -> dict[str, Any]:
    if screening.sealed_reasons is None:
        return {}
    opened = keyring.open(session, screening.sealed_reasons, _reasons_context(screening.contact_id))
    reasons: dict[str, Any] = json.loads(opened)
    return reasons


def _add_reason(
    session: Session, keyring: Keyring, screening: ContactScreening, name: str, text: str
) -> None:
    reasons = _reasons(session, keyring, screening)
    reasons[name] = text
    screening.sealed_reasons = keyring.seal(
        session,
        case_key_id(screening.contact_id),
        json.dumps(reasons).encode(),
        _reasons_context(screening.contact_id),
    )


def _record_rag_change(
    session: Session,
    keyring: Keyring,
    principal: Principal,
    contact_id: uuid.UUID,
    *,
    from_rag: str | None,
    to_rag: Rag,
    reason: str,
) -> None:
    change = RagChange(
        id=uuid.uuid4(),
        contact_id=contact_id,
        from_rag=from_rag,
        to_rag=str(to_rag),
        changed_by=principal.sub,
        changed_at=utcnow(),
        sealed_reason=b"",
    )
    change.sealed_reason = keyring.seal(
        session, case_key_id(contact_id), reason.encode(), _rag_reason_context(change.id)
    )
    session.add(change)


def screen_contact(
    session: Session,
    principal: Principal,
    contact_id: uuid.UUID,
    payload: ScreeningIn,
    *,
    keyring: Keyring,
    calendar: WorkingHours,
    rag_policy: RagPolicy = SCREENING_POLICY,
) -> ScreeningOut:
    """Set the threshold level and the first RAG rating, which starts the clock."""
    resource = Resource(Kind.contact, id=str(contact_id))
    decision = require(principal, Action.screen, resource)
    contact, screening = _load(session, contact_id)
    if screening.rag is not None:
        raise Conflict(
            "This contact already has a rating; a manager changes it, with a reason.",
            code="already_rated",
        )
    screening.threshold_level = payload.threshold_level
    screening.rag = str(payload.rag)
    screening.rag_deadline = rag_deadline(
        contact.received_at, payload.rag, calendar, policy=rag_policy
    )
    screening.screened_by = principal.sub
    screening.screened_at = utcnow()
    _add_reason(session, keyring, screening, "threshold", payload.threshold_reason)
    _record_rag_change(
        session,
        keyring,
        principal,
        contact_id,
        from_rag=None,
        to_rag=payload.rag,
        reason=payload.threshold_reason,
    )
    contact.status = "screening"
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=[str(p.id) for p in contact.people],
            reason=f"threshold {payload.threshold_level}, rated {payload.rag}",
        ),
    )
    log.info("screening.rated", contact_id=str(contact_id), rag=str(payload.rag))
    return screening_view(
        session, principal, contact_id, keyring=keyring, calendar=calendar, audited=False
    )


def rerate(
    session: Session,
    principal: Principal,
    contact_id: uuid.UUID,
    payload: RerateIn,
    *,
    keyring: Keyring,
    calendar: WorkingHours,
    rag_policy: RagPolicy = SCREENING_POLICY,
) -> ScreeningOut:
    """A manager changes the rating; the reason is kept and the clock reset to the new rating."""
    resource = Resource(Kind.contact, id=str(contact_id))
    decision = require(principal, Action.rerate, resource)
    contact, screening = _load(session, contact_id)
    if screening.rag is None:
        raise Conflict("This contact has not been rated yet.", code="not_rated")
    if screening.outcome is not None:
        raise Conflict("Screening of this contact has ended.", code="screening_ended")
    if screening.rag == str(payload.rag):
        raise Conflict("The contact already has that rating.", code="same_rating")
    previous = screening.rag
    screening.rag = str(payload.rag)
    screening.rag_deadline = rag_deadline(
        contact.received_at, payload.rag, calendar, policy=rag_policy
    )
    _record_rag_change(
        session,
        keyring,
        principal,
        contact_id,
        from_rag=previous,
        to_rag=payload.rag,
        reason=payload.reason,
    )
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=[str(p.id) for p in contact.people],
            reason=f"rating {previous} -> {payload.rag}",
            free_text={"reason": payload.reason},
        ),
        keyring=keyring,
    )
    return screening_view(
        session, principal, contact_id, keyring=keyring, calendar=calendar, audited=False
    )


def override_consent(
    session: Session,
    principal: Principal,
    contact_id: uuid.UUID,
    payload: ConsentOverrideIn,
    *,
    keyring: Keyring,
    calendar: WorkingHours,
) -> ScreeningOut:
    """A manager authorises proceeding without consent, with a reason."""
    resource = Resource(Kind.contact, id=str(contact_id))
    decision = require(principal, Action.override_consent, resource)
    contact, screening = _load(session, contact_id)
    if contact.consent == ConsentStatus.obtained:
        raise Conflict(
            "Consent was obtained; there is nothing to override.", code="consent_obtained"
        )
    if screening.consent_override_at is not None:
        raise Conflict(
            "Proceeding without consent is already authorised.", code="already_overridden"
        )
    screening.consent_override_by = principal.sub
    screening.consent_override_at = utcnow()
    _add_reason(session, keyring, screening, "consent_override", payload.reason)
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=[str(p.id) for p in contact.people],
            consent=contact.consent,
            free_text={"reason": payload.reason},
        ),
        keyring=keyring,
    )
    return screening_view(
        session, principal, contact_id, keyring=keyring, calendar=calendar, audited=False
    )


def decide_outcome(
    session: Session,
    principal: Principal,
    contact_id: uuid.UUID,
    payload: OutcomeIn,
    *,
    keyring: Keyring,
    calendar: WorkingHours,
    rota_start: date,
) -> ScreeningOut:
    """End screening: no further action, signpost, early help, or a MASH enquiry."""
    resource = Resource(Kind.contact, id=str(contact_id))
    decision = require(principal, Action.screen, resource)
    contact, screening = _load(session, contact_id)
    if screening.rag is None:
        raise Conflict("Rate the contact before deciding its outcome.", code="not_rated")
    if screening.outcome is not None:
        raise Conflict("Screening of this contact has already ended.", code="screening_ended")
    if (
        payload.outcome is ScreeningDecision.mash_enquiry
        and contact.consent != ConsentStatus.obtained
        and screening.consent_override_at is None
    ):
        raise Unprocessable(
            "Consent was not obtained: a MASH manager must authorise proceeding without "
            "consent, with a reason, before agencies are asked for checks.",
            code="consent_override_required",
        )
    screening.outcome = str(payload.outcome)
    screening.outcome_team = (
        routing_team(ScreeningOutcome(payload.outcome), contact.received_at, calendar, rota_start)
        if payload.outcome in (ScreeningDecision.early_help,)
        else None
    )
    screening.decided_by = principal.sub
    screening.decided_at = utcnow()
    _add_reason(session, keyring, screening, "outcome", payload.reason)
    contact.status = CLOSING_STATUS[payload.outcome]
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=[str(p.id) for p in contact.people],
            consent=contact.consent,
            reason=f"outcome {payload.outcome}",
        ),
    )
    log.info("screening.decided", contact_id=str(contact_id), outcome=str(payload.outcome))
    return screening_view(
        session, principal, contact_id, keyring=keyring, calendar=calendar, audited=False
    )


def _minutes_left(deadline: datetime | None, now: datetime) -> int | None:
    if deadline is None:
        return None
    return int((deadline - now).total_seconds() // 60)


def _earlier_involvement(
    session: Session, keyring: Keyring, contact: Contact, person_id: uuid.UUID, raw: dict[str, Any]
) -> list[EarlierContactOut]:
    """Earlier contacts about this child, found through blind indexes only."""
    identifiers = PersonIdentifiers(
        given_name=raw.get("given_name"),
        family_name=raw.get("family_name"),
        date_of_birth=raw.get("date_of_birth"),
        nhs_number=raw.get("nhs_number"),
        postcode=raw.get("postcode"),
    )
    matches = earlier_contacts(session, keyring, identifiers, exclude_contact=contact.id)
    found = repository.contacts_by_id(session, [m.contact_id for m in matches])
    earlier: list[EarlierContactOut] = []
    for match in matches:
        other = found.get(match.contact_id)
        if other is None or other.received_at > contact.received_at:
            continue
        earlier.append(
            EarlierContactOut(
                contact_id=other.id,
                reference=other.reference,
                received_at=other.received_at,
                person_id=person_id,
                matched_on=list(match.passes),
                strength=match.strength,
            )
        )
    return earlier


def _open_enquiry_flag(
    session: Session, contact: Contact, earlier: list[EarlierContactOut]
) -> Flag | None:
    open_elsewhere = repository.open_enquiry_references(
        session, [e.contact_id for e in earlier if e.contact_id != contact.id]
    )
    if not open_elsewhere:
        return None
    return Flag(
        code="open_enquiry",
        detail="Already in an open MASH enquiry: " + ", ".join(sorted(open_elsewhere)),
    )


def _what_is_known(
    session: Session, keyring: Keyring, contact: Contact, now: datetime
) -> tuple[list[EarlierContactOut], list[Flag]]:
    """Earlier involvement and emerging-harm flags for each child of the contact."""
    details = open_details(session, contact, keyring=keyring)
    children = [
        (person, raw)
        for person, raw in zip(contact.people, details["people"], strict=True)
        if person.person_role == "child"
    ]
    earlier: list[EarlierContactOut] = []
    flags: list[Flag] = []
    own_blinds = harm.own_identity_blinds(session, contact.id)
    for person, raw in children:
        earlier.extend(_earlier_involvement(session, keyring, contact, person.id, raw))
        for flag in harm.flags_for_child(
            session,
            keyring,
            contact_id=contact.id,
            person_id=person.id,
            raw=raw,
            own_identity_blinds=own_blinds,
            now=now,
        ):
            if Flag(code=flag.code, detail=flag.detail) not in flags:
                flags.append(Flag(code=flag.code, detail=flag.detail))
    open_enquiry = _open_enquiry_flag(session, contact, earlier)
    if open_enquiry is not None:
        flags.append(open_enquiry)
    return earlier, flags


def screening_view(
    session: Session,
    principal: Principal,
    contact_id: uuid.UUID,
    *,
    keyring: Keyring,
    calendar: WorkingHours,
    now: datetime | None = None,
    audited: bool = True,
) -> ScreeningOut:
    """Everything a screener needs: the clock, earlier involvement, emerging-harm flags."""
    resource = Resource(Kind.contact, id=str(contact_id))
    decision = require(principal, Action.read, resource)
    contact, screening = _load(session, contact_id)
    moment = now or utcnow()
    earlier, flags = _what_is_known(session, keyring, contact, moment)
    if audited:
        audit.record(
            session,
            principal,
            allowed_event(decision, resource, subject_ids=[str(p.id) for p in contact.people]),
        )
    return ScreeningOut(
        contact_id=contact.id,
        reference=contact.reference,
        received_at=contact.received_at,
        out_of_hours=screening.out_of_hours,
        consent=contact.consent,
        consent_overridden=screening.consent_override_at is not None,
        threshold_level=screening.threshold_level,
        rag=screening.rag,
        rag_deadline=screening.rag_deadline,
        minutes_left=_minutes_left(screening.rag_deadline, moment),
        breached=screening.rag_deadline is not None
        and screening.outcome is None
        and is_breached(screening.rag_deadline, moment),
        outcome=screening.outcome,
        outcome_team=screening.outcome_team,
        earlier_contacts=sorted(earlier, key=lambda e: e.received_at, reverse=True),
        flags=flags,
    )


def screening_queue(
    session: Session,
    principal: Principal,
    *,
    limit: int = QUEUE_LIMIT,
    now: datetime | None = None,
) -> QueueOut:
    """Open contacts by rating, most urgent first (up to ``limit`` of each), with time
    left, how many there are of each, and how many are past their deadline."""
    decision = require(principal, Action.list, Resource(Kind.contact))
    moment = now or utcnow()
    counts, breached = repository.open_contact_counts(session, moment)
    queue = QueueOut(
        unrated=[],
        red=[],
        amber=[],
        green=[],
        totals=QueueTotals(**{rag or "unrated": count for rag, count in counts.items()}),
        breached=breached,
    )
    for row in repository.most_urgent_open_contacts(session, per_rating=limit):
        item = QueueItem(
            contact_id=row.id,
            reference=row.reference,
            received_at=row.received_at,
            out_of_hours=row.out_of_hours,
            rag=row.rag,
            rag_deadline=row.rag_deadline,
            minutes_left=_minutes_left(row.rag_deadline, moment),
            breached=row.rag_deadline is not None and is_breached(row.rag_deadline, moment),
        )
        getattr(queue, row.rag or "unrated").append(item)
    audit.record(
        session,
        principal,
        allowed_event(decision, Resource(Kind.contact), reason="screening queue"),
    )
    return queue

"""Break-glass: a manager opens an agency record directly in an emergency; the agency is
alerted and reviews whether the opening was justified."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.agencies import repository as agency_repository
from hub.agencies import service as agencies
from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.contacts import repository as contacts_repository
from hub.db import utcnow
from hub.enquiries import repository
from hub.enquiries.models import BreakGlassEvent
from hub.keys.service import HUB_KEY_ID, CaseDestroyed, Keyring, case_key_id, work_on_case
from hub.kit.errors import Conflict, NotFound
from hub.kit.working_time import WorkingHours, add_working_hours, is_breached
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind

log = structlog.get_logger()

BREAK_GLASS_REVIEW_WORKING_HOURS = 16  # two working days


def break_glass(
    session: Session,
    principal: Principal,
    agency: str,
    record_id: uuid.UUID,
    reason: str,
    *,
    contact_id: uuid.UUID | None = None,
    keyring: Keyring,
    calendar: WorkingHours,
) -> dict[str, Any]:
    """A manager opens an agency record directly in an emergency. The agency and IG see it
    (the audit log and the agency's break-glass list) and a review falls due.

    Named with the contact it is for, the opening's reason (and later the review's notes)
    is that case's: sealed under its key, and destroyed with it.
    """
    resource = Resource(Kind.agency_record, owner=agency, id=str(record_id))
    decision = require(principal, Action.break_glass, resource, purpose="emergency")
    key_id = _case_of(session, principal, contact_id)
    scope = agency_repository.scope_granted(decision, resource)
    record = agency_repository.record_of_agency(session, scope, record_id)
    if record is None:
        raise NotFound()
    opened = agencies.record_out(session, keyring, record)
    now = utcnow()
    event = BreakGlassEvent(
        id=uuid.uuid4(),
        agency=agency,
        record_id=record_id,
        opened_by=principal.sub,
        opened_at=now,
        review_due_at=add_working_hours(now, BREAK_GLASS_REVIEW_WORKING_HOURS, calendar),
        sealed_reason=b"",
        contact_id=contact_id,
    )
    event.sealed_reason = keyring.seal_hub_json(
        session, "break_glass_events", "sealed_reason", event.id, reason, key_id=key_id
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=[str(record_id)],
            purpose="emergency",
            free_text={"reason": reason},
        ),
        keyring=keyring,
    )
    log.warning(
        "break_glass.opened", agency=agency, record_id=str(record_id), event_id=str(event.id)
    )
    return {
        "record": opened.model_dump(mode="json"),
        "break_glass_id": str(event.id),
        "review_due_at": event.review_due_at.isoformat(),
    }


def break_glass_alerts(
    session: Session, principal: Principal, agency: str, *, keyring: Keyring
) -> list[dict[str, Any]]:
    """An agency's alerts: which of its records were opened by break-glass, by whom, why."""
    decision = require(principal, Action.list, Resource(Kind.agency_record, owner=agency))
    events = repository.break_glass_alerts_of(session, agency)
    audit.record(
        session,
        principal,
        allowed_event(
            decision, Resource(Kind.agency_record, owner=agency), reason="break-glass alerts"
        ),
    )
    return [
        {
            "id": str(e.id),
            "record_id": str(e.record_id),
            "opened_by": e.opened_by,
            "opened_at": e.opened_at.isoformat(),
            "review_due_at": e.review_due_at.isoformat(),
            "review_overdue": e.reviewed_at is None and is_breached(e.review_due_at, utcnow()),
            "reviewed_by": e.reviewed_by,
            "reviewed_at": e.reviewed_at.isoformat() if e.reviewed_at else None,
            "review_justified": e.review_justified,
            "contact_id": str(e.contact_id) if e.contact_id else None,
            # None once the case it was for is destroyed under the retention schedule.
            "reason": _opened_reason(session, keyring, e),
        }
        for e in events
    ]


def _case_of(session: Session, principal: Principal, contact_id: uuid.UUID | None) -> str:
    """The key an opening's reason is sealed under: the named case's (which the manager must
    be able to read, and which must still exist), or the hub key when none is named."""
    if contact_id is None:
        return HUB_KEY_ID
    require(principal, Action.read, Resource(Kind.contact, id=str(contact_id)))
    contact = contacts_repository.get_contact(session, contact_id)
    if contact is None:
        raise NotFound()
    key_id = case_key_id(contact_id)
    if contact.destroyed_at is not None:
        raise CaseDestroyed(key_id)
    work_on_case(session, key_id)
    return key_id


def _opened_reason(session: Session, keyring: Keyring, event: BreakGlassEvent) -> str | None:
    try:
        reason: str = keyring.open_hub_json(
            session, "break_glass_events", "sealed_reason", event.id, event.sealed_reason
        )
    except CaseDestroyed:
        return None
    return reason


def review_break_glass(
    session: Session,
    principal: Principal,
    agency: str,
    event_id: uuid.UUID,
    *,
    justified: bool,
    notes: str,
    keyring: Keyring,
) -> dict[str, Any]:
    """The agency whose record was opened records whether the opening was justified."""
    resource = Resource(Kind.agency_record, owner=agency, id=str(event_id))
    decision = require(principal, Action.review, resource)
    event = repository.break_glass_event(session, agency, event_id)
    if event is None:
        raise NotFound()
    if event.reviewed_at is not None:
        raise Conflict("This break-glass opening has been reviewed.", code="already_reviewed")
    event.reviewed_by = principal.sub
    event.reviewed_at = utcnow()
    event.review_justified = justified
    key_id = HUB_KEY_ID
    if event.contact_id is not None:
        key_id = case_key_id(event.contact_id)
        work_on_case(session, key_id)
    event.sealed_review = keyring.seal_hub_json(
        session, "break_glass_events", "sealed_review", event.id, notes, key_id=key_id
    )
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=[str(event.record_id)],
            reason=f"break-glass review: {'justified' if justified else 'not justified'}",
        ),
    )
    return {
        "id": str(event.id),
        "reviewed_at": event.reviewed_at.isoformat(),
        "justified": justified,
    }

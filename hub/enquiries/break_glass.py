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
from hub.db import utcnow
from hub.enquiries import repository
from hub.enquiries.models import BreakGlassEvent
from hub.keys.service import Keyring
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
    keyring: Keyring,
    calendar: WorkingHours,
) -> dict[str, Any]:
    """A manager opens an agency record directly in an emergency. The agency and IG see it
    (the audit log and the agency's break-glass list) and a review falls due."""
    resource = Resource(Kind.agency_record, owner=agency, id=str(record_id))
    decision = require(principal, Action.break_glass, resource, purpose="emergency")
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
    )
    event.sealed_reason = keyring.seal_hub_json(
        session, "break_glass_events", "sealed_reason", event.id, reason
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
            "reason": keyring.open_hub_json(
                session, "break_glass_events", "sealed_reason", e.id, e.sealed_reason
            ),
        }
        for e in events
    ]


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
    event.sealed_review = keyring.seal_hub_json(
        session, "break_glass_events", "sealed_review", event.id, notes
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

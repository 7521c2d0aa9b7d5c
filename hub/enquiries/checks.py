"""Check requests: the hub asks agencies to check their records, each by a due time that
follows the enquiry's RAG; an agency sees its own inbox, and the hub chases what is overdue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.db import utcnow
from hub.enquiries import repository
from hub.enquiries.models import CheckRequest
from hub.enquiries.schemas import CheckRequestIn, CheckRequestOut
from hub.enquiries.service import case_key_of_enquiry, contact_of, people_ids, subjects_to_check
from hub.keys.service import Keyring
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.kit.working_time import (
    AGENCY_CHECK_POLICY,
    Rag,
    RagPolicy,
    WorkingHours,
    check_due_at,
    is_breached,
)
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind


def request_checks(
    session: Session,
    principal: Principal,
    enquiry_id: uuid.UUID,
    payload: CheckRequestIn,
    *,
    keyring: Keyring,
    calendar: WorkingHours,
    known_agencies: tuple[str, ...],
    check_policy: RagPolicy = AGENCY_CHECK_POLICY,
) -> list[CheckRequestOut]:
    """Ask agencies to check their records, each by a due time that follows the RAG."""
    decision = require(principal, Action.create, Resource(Kind.check_request))
    enquiry = repository.enquiry(session, enquiry_id)
    if enquiry is None:
        raise NotFound()
    if enquiry.status != "open":
        raise Conflict("This enquiry is closed.", code="enquiry_closed")
    unknown = sorted(set(payload.agencies) - set(known_agencies))
    if unknown:
        raise Unprocessable(
            "agencies: a code is not one of the hub's partner agencies.", code="unknown_agency"
        )
    already = {r.agency for r in repository.requests_of_enquiry(session, enquiry.id)}
    repeated = sorted(set(payload.agencies) & already)
    if repeated:
        raise Conflict(
            "agencies: an agency in the list has already been asked.", code="already_requested"
        )
    contact = contact_of(session, enquiry)
    case_key = case_key_of_enquiry(session, enquiry.id)
    now = utcnow()
    created = []
    for agency in sorted(set(payload.agencies)):
        request = CheckRequest(
            id=uuid.uuid4(),
            enquiry_id=enquiry.id,
            agency=agency,
            requested_by=principal.sub,
            requested_at=now,
            due_at=check_due_at(now, Rag(enquiry.rag), calendar, policy=check_policy),
            status="pending",
            sealed_question=b"",
        )
        request.sealed_question = keyring.seal_hub_json(
            session,
            "check_requests",
            "sealed_question",
            request.id,
            payload.question,
            key_id=case_key,
        )
        session.add(request)
        created.append(request)
    session.flush()
    for request in created:
        audit.record(
            session,
            principal,
            allowed_event(
                decision,
                Resource(Kind.check_request, owner=request.agency),
                resource_id=str(request.id),
                subject_ids=people_ids(contact),
                purpose="mash_enquiry",
            ),
        )
    return [_request_out(session, keyring, r, now, subjects=[]) for r in created]


def _request_out(
    session: Session,
    keyring: Keyring,
    request: CheckRequest,
    now: datetime,
    *,
    subjects: list[dict[str, Any]],
) -> CheckRequestOut:
    return CheckRequestOut(
        id=request.id,
        enquiry_id=request.enquiry_id,
        agency=request.agency,
        requested_at=request.requested_at,
        due_at=request.due_at,
        overdue=request.status == "pending" and is_breached(request.due_at, now),
        status=request.status,
        question=keyring.open_hub_json(
            session,
            "check_requests",
            "sealed_question",
            request.id,
            request.sealed_question,
        ),
        subjects=subjects,
    )


def agency_inbox(
    session: Session, principal: Principal, agency: str, *, keyring: Keyring
) -> list[CheckRequestOut]:
    """An agency's own check requests, pending first, with whom to check."""
    decision = require(principal, Action.list, Resource(Kind.check_request, owner=agency))
    now = utcnow()
    requests = repository.inbox_of_agency(session, agency)
    out = []
    subject_ids: list[str] = []
    for request in requests:
        enquiry = repository.enquiry(session, request.enquiry_id)
        assert enquiry is not None
        contact = contact_of(session, enquiry)
        subjects = (
            subjects_to_check(session, contact, keyring) if request.status == "pending" else []
        )
        subject_ids += people_ids(contact) if subjects else []
        out.append(_request_out(session, keyring, request, now, subjects=subjects))
    audit.record(
        session,
        principal,
        allowed_event(
            decision, Resource(Kind.check_request, owner=agency), subject_ids=subject_ids
        ),
    )
    return out


def read_check_request(
    session: Session, principal: Principal, request_id: uuid.UUID, *, keyring: Keyring
) -> CheckRequestOut:
    """One check request, with whom to check while it is open; another agency's is not found."""
    request = repository.check_request(session, request_id)
    owner = request.agency if request is not None else ""
    resource = Resource(Kind.check_request, owner=owner, id=str(request_id))
    decision = require(principal, Action.read, resource)
    if request is None:
        raise NotFound()
    enquiry = repository.enquiry(session, request.enquiry_id)
    assert enquiry is not None
    contact = contact_of(session, enquiry)
    pending = request.status == "pending"
    subjects = subjects_to_check(session, contact, keyring) if pending else []
    audit.record(
        session,
        principal,
        allowed_event(decision, resource, subject_ids=people_ids(contact) if pending else []),
    )
    return _request_out(session, keyring, request, utcnow(), subjects=subjects)


def overdue_checks(
    session: Session, principal: Principal, *, keyring: Keyring
) -> list[CheckRequestOut]:
    """Check requests past their due time, for the hub to chase."""
    decision = require(principal, Action.list, Resource(Kind.check_request))
    now = utcnow()
    overdue = [
        _request_out(session, keyring, r, now, subjects=[])
        for r in repository.pending_requests(session)
        if is_breached(r.due_at, now)
    ]
    audit.record(
        session,
        principal,
        allowed_event(decision, Resource(Kind.check_request), reason="overdue checks"),
    )
    return overdue

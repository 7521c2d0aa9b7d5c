"""Disclosures: an agency answers a check by sharing chosen records, chosen fields or a
summary, saying it holds nothing, or declining, each with its reasons.

What an agency discloses is copied into the hub's own sealed store (its hash goes in the
audit log), so later reads of it, by the hub or by the team a product is sent to, are on
the record for the agency and for information governance.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.agencies import service as agencies
from hub.audit import repository as audit_repository
from hub.audit import service as audit
from hub.audit.service import AuditEvent, Outcome
from hub.auth.principal import Principal
from hub.contacts.models import Contact
from hub.db import utcnow
from hub.enquiries import repository
from hub.enquiries.models import CheckRequest, Disclosure
from hub.enquiries.schemas import (
    DISCLOSABLE_FIELDS,
    LAWFUL_BASIS_TEXT,
    RESTRICTS_ONWARD_SHARING,
    DisclosureIn,
    DisclosureKind,
    DisclosureOut,
    DisclosureReadOut,
    DisclosureSummaryOut,
    ReleaseIn,
)
from hub.enquiries.service import contact_of, people_ids
from hub.keys.service import Keyring
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Decision, Resource
from hub.policy.vocabulary import Action, Kind

log = structlog.get_logger()

BUILT_IN_BASES: Mapping[str, str] = {str(code): text for code, text in LAWFUL_BASIS_TEXT.items()}


def _content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


# The state a check request is left in by each kind of answer.
_ANSWERED_STATUS = {
    DisclosureKind.no_information: "no_information",
    DisclosureKind.decline: "declined",
}


def disclose(
    session: Session,
    principal: Principal,
    request_id: uuid.UUID,
    payload: DisclosureIn,
    *,
    keyring: Keyring,
    lawful_bases: Mapping[str, str] = BUILT_IN_BASES,
) -> DisclosureOut:
    """Answer a check: share chosen records, chosen fields or a summary, say there is
    nothing held, or record a decision not to share. Each with its reasons."""
    request = repository.check_request(session, request_id)
    owner = request.agency if request is not None else ""
    respond = require(
        principal, Action.respond, Resource(Kind.check_request, owner=owner, id=str(request_id))
    )
    if request is None:
        raise NotFound()
    decision = require(principal, Action.create, Resource(Kind.disclosure, owner=request.agency))
    _refuse_unless_answerable(request, payload, lawful_bases)
    enquiry = repository.enquiry(session, request.enquiry_id)
    assert enquiry is not None
    contact = contact_of(session, enquiry)
    content = _disclosed_content(
        session, principal, request.agency, payload, keyring=keyring, lawful_bases=lawful_bases
    )
    disclosure = _new_disclosure(session, principal, request, payload, content, keyring=keyring)
    session.add(disclosure)
    request.status = _ANSWERED_STATUS.get(payload.kind, "disclosed")
    request.answered_at = disclosure.disclosed_at
    request.answered_by = principal.sub
    session.flush()
    _record_answer(session, principal, (respond, decision), request, disclosure, payload, contact)
    log.info(
        "disclosure.created",
        disclosure_id=str(disclosure.id),
        agency=request.agency,
        kind=str(payload.kind),
    )
    return disclosure_out(session, keyring, disclosure)


def _refuse_unless_answerable(
    request: CheckRequest, payload: DisclosureIn, lawful_bases: Mapping[str, str]
) -> None:
    if request.status != "pending":
        raise Conflict("This check has already been answered.", code="already_answered")
    if payload.lawful_basis is not None and payload.lawful_basis not in lawful_bases:
        raise Unprocessable(
            "lawful_basis: not a known lawful basis; use one of " + ", ".join(sorted(lawful_bases)),
        )


def _shared_records(
    session: Session, principal: Principal, agency: str, payload: DisclosureIn, *, keyring: Keyring
) -> list[dict[str, Any]]:
    """The chosen records, with the chosen fields (or every disclosable field) of each."""
    shared = []
    for chosen in payload.records:
        # Reading the record goes through the firewall (own agency only) and is audited.
        record = agencies.read_record(session, principal, agency, chosen.record_id, keyring=keyring)
        values = record.model_dump(mode="json")
        fields = (
            chosen.fields if payload.kind is DisclosureKind.fields else sorted(DISCLOSABLE_FIELDS)
        )
        shared.append({"record_id": str(record.id), **{f: values.get(f) for f in fields or ()}})
    return shared


def _disclosed_content(
    session: Session,
    principal: Principal,
    agency: str,
    payload: DisclosureIn,
    *,
    keyring: Keyring,
    lawful_bases: Mapping[str, str],
) -> dict[str, Any]:
    """What the answer shares and why, as the hub will keep it (sealed)."""
    content: dict[str, Any] = {}
    if payload.kind in (DisclosureKind.records, DisclosureKind.fields):
        content["records"] = _shared_records(session, principal, agency, payload, keyring=keyring)
    elif payload.kind is DisclosureKind.summary:
        content["summary"] = payload.summary
    if payload.lawful_basis:
        # The basis as it read when the agency relied on it, kept with what it shared.
        content["lawful_basis_text"] = lawful_bases[payload.lawful_basis]
    if payload.proportionality:
        content["proportionality"] = payload.proportionality
    if payload.caveat is not None:
        content["caveat"] = {"code": str(payload.caveat.code), "text": payload.caveat.text}
    if payload.reasons:
        content["reasons"] = payload.reasons
    return content


def _new_disclosure(
    session: Session,
    principal: Principal,
    request: CheckRequest,
    payload: DisclosureIn,
    content: dict[str, Any],
    *,
    keyring: Keyring,
) -> Disclosure:
    """The disclosure row, its content sealed under the hub's key and hashed for the log."""
    disclosure = Disclosure(
        id=uuid.uuid4(),
        check_request_id=request.id,
        enquiry_id=request.enquiry_id,
        agency=request.agency,
        kind=str(payload.kind),
        purpose=payload.purpose,
        lawful_basis=str(payload.lawful_basis) if payload.lawful_basis else None,
        consent=str(payload.consent) if payload.consent else None,
        caveat=str(payload.caveat.code) if payload.caveat else None,
        released_for_onward=payload.caveat is None
        or payload.caveat.code not in RESTRICTS_ONWARD_SHARING,
        sealed_content=b"",
        content_hash=_content_hash(content),
        disclosed_by=principal.sub,
        disclosed_at=utcnow(),
    )
    disclosure.sealed_content = keyring.seal_hub_json(
        session, "disclosures", "sealed_content", disclosure.id, content
    )
    return disclosure


def _record_answer(
    session: Session,
    principal: Principal,
    decisions: tuple[Decision, Decision],
    request: CheckRequest,
    disclosure: Disclosure,
    payload: DisclosureIn,
    contact: Contact,
) -> None:
    """Two audit entries: the check answered, and the disclosure with its basis and hash."""
    respond, create = decisions
    audit.record(
        session,
        principal,
        allowed_event(
            respond,
            Resource(Kind.check_request, owner=request.agency, id=str(request.id)),
            subject_ids=people_ids(contact),
            reason=f"answered: {payload.kind}",
        ),
    )
    audit.record(
        session,
        principal,
        allowed_event(
            create,
            Resource(Kind.disclosure, owner=request.agency),
            resource_id=str(disclosure.id),
            subject_ids=people_ids(contact),
            purpose=payload.purpose,
            lawful_basis=disclosure.lawful_basis,
            consent=disclosure.consent,
            reason=payload.proportionality or payload.reasons or str(payload.kind),
            content_hash=disclosure.content_hash,
        ),
    )


def disclosure_out(session: Session, keyring: Keyring, disclosure: Disclosure) -> DisclosureOut:
    content: dict[str, Any] = keyring.open_hub_json(
        session, "disclosures", "sealed_content", disclosure.id, disclosure.sealed_content
    )
    return DisclosureOut(
        id=disclosure.id,
        check_request_id=disclosure.check_request_id,
        agency=disclosure.agency,
        kind=disclosure.kind,
        purpose=disclosure.purpose,
        lawful_basis=disclosure.lawful_basis,
        lawful_basis_text=content.get("lawful_basis_text"),
        consent=disclosure.consent,
        caveat=disclosure.caveat,
        released_for_onward=disclosure.released_for_onward,
        disclosed_at=disclosure.disclosed_at,
        content_hash=disclosure.content_hash,
        content=content,
    )


def disclosure_summary(
    session: Session, keyring: Keyring, disclosure: Disclosure
) -> DisclosureSummaryOut:
    """The disclosure's basis and caveat, without the content it shares or its reasons."""
    content: dict[str, Any] = keyring.open_hub_json(
        session, "disclosures", "sealed_content", disclosure.id, disclosure.sealed_content
    )
    caveat = content.get("caveat") or {}
    return DisclosureSummaryOut(
        id=disclosure.id,
        check_request_id=disclosure.check_request_id,
        agency=disclosure.agency,
        kind=disclosure.kind,
        purpose=disclosure.purpose,
        lawful_basis=disclosure.lawful_basis,
        lawful_basis_text=content.get("lawful_basis_text"),
        consent=disclosure.consent,
        caveat=disclosure.caveat,
        caveat_text=caveat.get("text"),
        released_for_onward=disclosure.released_for_onward,
        disclosed_at=disclosure.disclosed_at,
    )


def record_disclosure_read(
    session: Session,
    principal: Principal,
    decision: Decision,
    disclosure: Disclosure,
    contact: Contact,
    *,
    via: str | None = None,
) -> None:
    audit.record(
        session,
        principal,
        AuditEvent(
            action="read",
            resource_kind=str(Kind.disclosure),
            outcome=Outcome.allowed,
            rule=decision.rule + (f" (in information product {via})" if via else ""),
            resource_id=str(disclosure.id),
            resource_owner=disclosure.agency,
            lawful_basis=disclosure.lawful_basis,
            subject_ids=people_ids(contact),
            content_hash=disclosure.content_hash,
        ),
    )


def enquiry_disclosures(
    session: Session, principal: Principal, enquiry_id: uuid.UUID, *, keyring: Keyring
) -> list[DisclosureOut]:
    """What agencies disclosed for an enquiry; every disclosure read is audited."""
    decision = require(principal, Action.list, Resource(Kind.disclosure))
    enquiry = repository.enquiry(session, enquiry_id)
    if enquiry is None:
        raise NotFound()
    contact = contact_of(session, enquiry)
    disclosures = repository.disclosures_of_enquiry(session, enquiry.id)
    for disclosure in disclosures:
        record_disclosure_read(session, principal, decision, disclosure, contact)
    return [disclosure_out(session, keyring, d) for d in disclosures]


def enquiry_disclosure_summaries(
    session: Session, principal: Principal, enquiry_id: uuid.UUID, *, keyring: Keyring
) -> list[DisclosureSummaryOut]:
    """How each agency answered an enquiry, without the content: one list entry, no reads."""
    resource = Resource(Kind.disclosure)
    decision = require(principal, Action.list, resource)
    enquiry = repository.enquiry(session, enquiry_id)
    if enquiry is None:
        raise NotFound()
    disclosures = repository.disclosures_of_enquiry(session, enquiry.id)
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=people_ids(contact_of(session, enquiry)),
            reason="summaries, no content",
        ),
    )
    return [disclosure_summary(session, keyring, d) for d in disclosures]


def read_disclosure(
    session: Session,
    principal: Principal,
    disclosure_id: uuid.UUID,
    *,
    keyring: Keyring,
    enquiry_id: uuid.UUID | None = None,
) -> DisclosureOut:
    """One disclosure with its content (of ``enquiry_id``, when given); the read is on the
    record for its agency."""
    disclosure = repository.disclosure(session, disclosure_id)
    owner = disclosure.agency if disclosure is not None else ""
    decision = require(
        principal, Action.read, Resource(Kind.disclosure, owner=owner, id=str(disclosure_id))
    )
    if disclosure is None or enquiry_id not in (None, disclosure.enquiry_id):
        raise NotFound()
    enquiry = repository.enquiry(session, disclosure.enquiry_id)
    assert enquiry is not None
    record_disclosure_read(session, principal, decision, disclosure, contact_of(session, enquiry))
    return disclosure_out(session, keyring, disclosure)


def agency_disclosures(
    session: Session, principal: Principal, agency: str, *, keyring: Keyring
) -> list[tuple[DisclosureOut, list[DisclosureReadOut]]]:
    """An agency's own disclosures, each with every later read of it."""
    decision = require(principal, Action.list, Resource(Kind.disclosure, owner=agency))
    disclosures = repository.disclosures_made_by(session, agency)
    out = []
    for disclosure in disclosures:
        reads = [
            DisclosureReadOut(
                read_at=entry.recorded_at,
                reader=entry.actor_sub,
                reader_role=entry.actor_role,
                action=entry.action,
            )
            for entry in audit_repository.search_entries(
                session, kind=str(Kind.disclosure), resource_id=str(disclosure.id), action="read"
            )
        ]
        out.append((disclosure_out(session, keyring, disclosure), reads))
    audit.record(
        session, principal, allowed_event(decision, Resource(Kind.disclosure, owner=agency))
    )
    return out


def release_disclosure(
    session: Session,
    principal: Principal,
    disclosure_id: uuid.UUID,
    payload: ReleaseIn,
    *,
    keyring: Keyring,
) -> DisclosureOut:
    """The originating agency releases a caveated disclosure for onward sharing."""
    disclosure = repository.disclosure(session, disclosure_id)
    owner = disclosure.agency if disclosure is not None else ""
    resource = Resource(Kind.disclosure, owner=owner, id=str(disclosure_id))
    decision = require(principal, Action.release, resource)
    if disclosure is None:
        raise NotFound()
    if disclosure.released_for_onward:
        raise Conflict("This disclosure may already be passed on.", code="already_released")
    disclosure.released_for_onward = True
    disclosure.released_by = principal.sub
    disclosure.released_at = utcnow()
    session.flush()
    audit.record(session, principal, allowed_event(decision, resource, reason=payload.reason))
    return disclosure_out(session, keyring, disclosure)

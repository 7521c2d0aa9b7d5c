"""The MASH enquiry: checks asked of agencies, proportionate disclosures, the product.

Every step asks the firewall first and writes its audit entry in the same transaction.
What an agency discloses is copied into the hub's own sealed store (its hash goes in the
audit log), so later reads of it, by the hub or by the team a product is sent to, are on
the record for the agency and for information governance.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.agencies import repository as agency_repository
from hub.agencies import service as agencies
from hub.agencies.schemas import AgencyCheckOut
from hub.audit import repository as audit_repository
from hub.audit import service as audit
from hub.audit.service import AuditEvent, Outcome
from hub.auth.principal import Principal
from hub.contacts import repository as contacts_repository
from hub.contacts.models import Contact
from hub.contacts.service import open_details
from hub.db import utcnow
from hub.enquiries import repository
from hub.enquiries.models import (
    BreakGlassEvent,
    CheckRequest,
    Disclosure,
    Enquiry,
    InformationProduct,
)
from hub.enquiries.schemas import (
    DISCLOSABLE_FIELDS,
    LAWFUL_BASIS_TEXT,
    RESTRICTS_ONWARD_SHARING,
    AuthorisationIn,
    CheckRequestIn,
    CheckRequestOut,
    DisclosureIn,
    DisclosureKind,
    DisclosureOut,
    DisclosureReadOut,
    EnquiryIn,
    EnquiryOut,
    OutcomeFeedback,
    ProductIn,
    ProductOut,
    ProductOutcome,
    ReleaseIn,
)
from hub.keys.service import Keyring
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.kit.working_time import (
    AGENCY_CHECK_POLICY,
    Rag,
    RagPolicy,
    WorkingHours,
    add_working_hours,
    check_due_at,
    is_breached,
)
from hub.people.normalise import PersonIdentifiers
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Decision, Resource
from hub.policy.vocabulary import Action, Kind
from hub.screening import repository as screening_repository
from hub.screening.rota import ScreeningOutcome, routing_team

log = structlog.get_logger()

BUILT_IN_BASES: Mapping[str, str] = {str(code): text for code, text in LAWFUL_BASIS_TEXT.items()}
BREAK_GLASS_REVIEW_WORKING_HOURS = 16  # two working days
FEEDBACK = {
    "received": "Received: the hub is looking at it.",
    "screening": "Being screened by the hub.",
    "closed_nfa": "Screened: no further action by children's services.",
    "closed_signpost": "Screened: the family has been signposted to other support.",
    "early_help": "Screened: passed to Early Help.",
    "mash_enquiry": "Being looked at with partner agencies.",
    "outcome_sent": "Decided: passed to the team that will act.",
}


def _people_ids(contact: Contact) -> list[str]:
    return [str(p.id) for p in contact.people]


def _contact_of(session: Session, enquiry: Enquiry) -> Contact:
    contact = contacts_repository.get_contact(session, enquiry.contact_id)
    if contact is None:  # pragma: no cover - foreign key
        raise NotFound()
    return contact


def _enquiry_out(session: Session, enquiry: Enquiry) -> EnquiryOut:
    return EnquiryOut(
        id=enquiry.id,
        contact_id=enquiry.contact_id,
        contact_reference=repository.contact_reference(session, enquiry.contact_id),
        rag=enquiry.rag,
        status=enquiry.status,
        opened_at=enquiry.opened_at,
    )


# --- enquiries ------------------------------------------------------------------------------


def open_enquiry(session: Session, principal: Principal, payload: EnquiryIn) -> EnquiryOut:
    """Open an enquiry on a contact whose screening decided it needs agencies' checks."""
    decision = require(principal, Action.create, Resource(Kind.enquiry))
    contact = contacts_repository.get_contact(session, payload.contact_id)
    screening = screening_repository.screening_of(session, payload.contact_id)
    if contact is None or screening is None:
        raise NotFound()
    if screening.outcome != "mash_enquiry" or screening.rag is None:
        raise Conflict(
            "Screening must decide on a MASH enquiry before one is opened.",
            code="not_for_enquiry",
        )
    if repository.enquiry_for_contact(session, contact.id) is not None:
        raise Conflict("This contact already has an enquiry.", code="enquiry_exists")
    enquiry = Enquiry(
        id=uuid.uuid4(),
        contact_id=contact.id,
        rag=screening.rag,
        status="open",
        opened_by=principal.sub,
        opened_at=utcnow(),
    )
    session.add(enquiry)
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            Resource(Kind.enquiry),
            resource_id=str(enquiry.id),
            subject_ids=_people_ids(contact),
        ),
    )
    return _enquiry_out(session, enquiry)


def _load_enquiry(
    session: Session, principal: Principal, enquiry_id: uuid.UUID, action: Action
) -> tuple[Decision, Enquiry, Contact]:
    decision = require(principal, action, Resource(Kind.enquiry, id=str(enquiry_id)))
    enquiry = repository.enquiry(session, enquiry_id)
    if enquiry is None:
        raise NotFound()
    return decision, enquiry, _contact_of(session, enquiry)


def read_enquiry(session: Session, principal: Principal, enquiry_id: uuid.UUID) -> EnquiryOut:
    decision, enquiry, contact = _load_enquiry(session, principal, enquiry_id, Action.read)
    audit.record(
        session,
        principal,
        allowed_event(
            decision, Resource(Kind.enquiry, id=str(enquiry.id)), subject_ids=_people_ids(contact)
        ),
    )
    return _enquiry_out(session, enquiry)


def _subjects(session: Session, contact: Contact, keyring: Keyring) -> list[dict[str, Any]]:
    """Who agencies are asked to check: identifiers only, never the worry itself."""
    details = open_details(session, contact, keyring=keyring)
    keep = ("given_name", "family_name", "date_of_birth", "nhs_number", "postcode", "address")
    return [
        {"person_id": str(person.id), "role": person.person_role, **{k: raw.get(k) for k in keep}}
        for person, raw in zip(contact.people, details["people"], strict=True)
    ]


def agency_checks(
    session: Session, principal: Principal, enquiry_id: uuid.UUID, *, keyring: Keyring
) -> list[AgencyCheckOut]:
    """Which agencies know each person in the enquiry, from blind indexes only."""
    _, _, contact = _load_enquiry(session, principal, enquiry_id, Action.read)
    results = []
    for subject in _subjects(session, contact, keyring):
        identifiers = PersonIdentifiers(
            given_name=subject["given_name"],
            family_name=subject["family_name"],
            date_of_birth=subject["date_of_birth"],
            nhs_number=subject["nhs_number"],
            postcode=subject["postcode"],
        )
        results.append(
            agencies.agency_check(
                session,
                principal,
                identifiers,
                keyring=keyring,
                subject_ids=[subject["person_id"]],
                purpose="mash_enquiry",
            )
        )
    return results


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
        raise Unprocessable(f"Not a partner agency: {', '.join(unknown)}.", code="unknown_agency")
    already = {r.agency for r in repository.requests_of_enquiry(session, enquiry.id)}
    repeated = sorted(set(payload.agencies) & already)
    if repeated:
        raise Conflict(f"Already asked: {', '.join(repeated)}.", code="already_requested")
    contact = _contact_of(session, enquiry)
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
            session, "check_requests", "sealed_question", request.id, payload.question
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
                subject_ids=_people_ids(contact),
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
    requests = list(session.execute(repository.requests_of_agency(agency)).scalars())
    out = []
    subject_ids: list[str] = []
    for request in requests:
        enquiry = repository.enquiry(session, request.enquiry_id)
        assert enquiry is not None
        contact = _contact_of(session, enquiry)
        subjects = _subjects(session, contact, keyring) if request.status == "pending" else []
        subject_ids += _people_ids(contact) if subjects else []
        out.append(_request_out(session, keyring, request, now, subjects=subjects))
    audit.record(
        session,
        principal,
        allowed_event(
            decision, Resource(Kind.check_request, owner=agency), subject_ids=subject_ids
        ),
    )
    return out


def overdue_checks(
    session: Session, principal: Principal, *, keyring: Keyring
) -> list[CheckRequestOut]:
    """Check requests past their due time, for the hub to chase."""
    decision = require(principal, Action.list, Resource(Kind.check_request))
    now = utcnow()
    overdue = [
        _request_out(session, keyring, r, now, subjects=[])
        for r in session.execute(repository.overdue_requests()).scalars()
        if is_breached(r.due_at, now)
    ]
    audit.record(
        session,
        principal,
        allowed_event(decision, Resource(Kind.check_request), reason="overdue checks"),
    )
    return overdue


# --- disclosures ----------------------------------------------------------------------------


def _content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


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
    if request.status != "pending":
        raise Conflict("This check has already been answered.", code="already_answered")
    if payload.lawful_basis is not None and payload.lawful_basis not in lawful_bases:
        raise Unprocessable(
            "lawful_basis: not a known lawful basis; use one of " + ", ".join(sorted(lawful_bases)),
        )
    enquiry = repository.enquiry(session, request.enquiry_id)
    assert enquiry is not None
    contact = _contact_of(session, enquiry)

    content: dict[str, Any] = {}
    if payload.kind in (DisclosureKind.records, DisclosureKind.fields):
        shared = []
        for chosen in payload.records:
            # Reading the record goes through the firewall (own agency only) and is audited.
            record = agencies.read_record(
                session, principal, request.agency, chosen.record_id, keyring=keyring
            )
            values = record.model_dump(mode="json")
            fields = (
                chosen.fields
                if payload.kind is DisclosureKind.fields
                else sorted(DISCLOSABLE_FIELDS)
            )
            shared.append({"record_id": str(record.id), **{f: values.get(f) for f in fields or ()}})
        content["records"] = shared
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

    disclosure = Disclosure(
        id=uuid.uuid4(),
        check_request_id=request.id,
        enquiry_id=enquiry.id,
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
    session.add(disclosure)
    request.status = {
        DisclosureKind.no_information: "no_information",
        DisclosureKind.decline: "declined",
    }.get(payload.kind, "disclosed")
    request.answered_at = disclosure.disclosed_at
    request.answered_by = principal.sub
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            respond,
            Resource(Kind.check_request, owner=request.agency, id=str(request.id)),
            subject_ids=_people_ids(contact),
            reason=f"answered: {payload.kind}",
        ),
    )
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            Resource(Kind.disclosure, owner=request.agency),
            resource_id=str(disclosure.id),
            subject_ids=_people_ids(contact),
            purpose=payload.purpose,
            lawful_basis=disclosure.lawful_basis,
            consent=disclosure.consent,
            reason=payload.proportionality or payload.reasons or str(payload.kind),
            content_hash=disclosure.content_hash,
        ),
    )
    log.info(
        "disclosure.created",
        disclosure_id=str(disclosure.id),
        agency=request.agency,
        kind=str(payload.kind),
    )
    return _disclosure_out(session, keyring, disclosure)


def _disclosure_out(session: Session, keyring: Keyring, disclosure: Disclosure) -> DisclosureOut:
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


def _record_disclosure_read(
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
            subject_ids=_people_ids(contact),
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
    contact = _contact_of(session, enquiry)
    disclosures = repository.disclosures_of_enquiry(session, enquiry.id)
    for disclosure in disclosures:
        _record_disclosure_read(session, principal, decision, disclosure, contact)
    return [_disclosure_out(session, keyring, d) for d in disclosures]


def agency_disclosures(
    session: Session, principal: Principal, agency: str, *, keyring: Keyring
) -> list[tuple[DisclosureOut, list[DisclosureReadOut]]]:
    """An agency's own disclosures, each with every later read of it."""
    decision = require(principal, Action.list, Resource(Kind.disclosure, owner=agency))
    disclosures = list(session.execute(repository.disclosures_of_agency(agency)).scalars())
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
        out.append((_disclosure_out(session, keyring, disclosure), reads))
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
    return _disclosure_out(session, keyring, disclosure)


# --- information products -------------------------------------------------------------------


def _default_team(
    outcome: ProductOutcome, contact: Contact, calendar: WorkingHours, rota_start: date
) -> str | None:
    return routing_team(ScreeningOutcome(str(outcome)), contact.received_at, calendar, rota_start)


def _check_items(session: Session, enquiry: Enquiry, ids: list[uuid.UUID]) -> None:
    found = {d.id: d for d in repository.disclosures_by_id(session, ids)}
    for disclosure_id in ids:
        disclosure = found.get(disclosure_id)
        if disclosure is None or disclosure.enquiry_id != enquiry.id:
            raise Unprocessable("An item is not a disclosure of this enquiry.", code="unknown_item")
        if disclosure.kind in ("no_information", "decline"):
            raise Unprocessable(
                "Only disclosed information can be passed on.", code="nothing_to_pass_on"
            )
        if not disclosure.released_for_onward:
            raise Unprocessable(
                f"A {disclosure.agency} disclosure is caveated ({disclosure.caveat}); "
                f"it can be passed on only once {disclosure.agency} releases it.",
                code="caveat_not_released",
            )


def compile_product(
    session: Session,
    principal: Principal,
    enquiry_id: uuid.UUID,
    payload: ProductIn,
    *,
    keyring: Keyring,
    calendar: WorkingHours,
    rota_start: date,
    known_teams: tuple[str, ...],
) -> ProductOut:
    """Compile the analysis, the disclosures to pass on and the proposed outcome, for a
    manager to authorise."""
    decision = require(principal, Action.create, Resource(Kind.information_product))
    enquiry = repository.enquiry(session, enquiry_id)
    if enquiry is None:
        raise NotFound()
    if enquiry.status != "open":
        raise Conflict("This enquiry is closed.", code="enquiry_closed")
    current = repository.product_for_enquiry(session, enquiry.id)
    if current is not None and current.status != "returned":
        raise Conflict("This enquiry already has a product in progress.", code="product_exists")
    contact = _contact_of(session, enquiry)
    _check_items(session, enquiry, payload.disclosure_ids)
    team = payload.receiving_team or _default_team(
        payload.proposed_outcome, contact, calendar, rota_start
    )
    if team is not None and team not in known_teams:
        raise Unprocessable("Not a receiving team.", code="unknown_team")
    product = InformationProduct(
        id=uuid.uuid4(),
        enquiry_id=enquiry.id,
        status="awaiting_authorisation",
        proposed_outcome=str(payload.proposed_outcome),
        receiving_team=team,
        disclosure_ids=json.dumps([str(i) for i in payload.disclosure_ids]),
        sealed_analysis=b"",
        compiled_by=principal.sub,
        compiled_at=utcnow(),
    )
    product.sealed_analysis = keyring.seal_hub_json(
        session, "information_products", "sealed_analysis", product.id, payload.analysis
    )
    session.add(product)
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            Resource(Kind.information_product),
            resource_id=str(product.id),
            subject_ids=_people_ids(contact),
            reason=f"proposed {payload.proposed_outcome} for {team or 'no team'}",
        ),
    )
    return _product_out(session, keyring, product)


def _product_resource(product: InformationProduct | None, product_id: uuid.UUID) -> Resource:
    # A product belongs to its receiving team only once it has been sent there: before
    # that it is hub work, and no operational team can reach it.
    owner = (
        product.receiving_team or ""
        if product is not None and product.status == "disseminated"
        else ""
    )
    return Resource(Kind.information_product, owner=owner, id=str(product_id))


def _product_out(session: Session, keyring: Keyring, product: InformationProduct) -> ProductOut:
    ids = [uuid.UUID(i) for i in json.loads(product.disclosure_ids)]
    items = [
        _disclosure_out(session, keyring, d) for d in repository.disclosures_by_id(session, ids)
    ]
    return ProductOut(
        id=product.id,
        enquiry_id=product.enquiry_id,
        status=product.status,
        proposed_outcome=product.proposed_outcome,
        receiving_team=product.receiving_team,
        analysis=keyring.open_hub_json(
            session,
            "information_products",
            "sealed_analysis",
            product.id,
            product.sealed_analysis,
        ),
        items=items,
        disseminated_at=product.disseminated_at,
    )


def authorise_product(
    session: Session,
    principal: Principal,
    product_id: uuid.UUID,
    payload: AuthorisationIn,
    *,
    keyring: Keyring,
) -> ProductOut:
    """A manager authorises the product, or returns it to the social worker with reasons."""
    product = repository.product(session, product_id)
    resource = _product_resource(product, product_id)
    decision = require(principal, Action.authorise, resource)
    if product is None:
        raise NotFound()
    if product.status != "awaiting_authorisation":
        raise Conflict(
            "This product is not awaiting authorisation.", code="not_awaiting_authorisation"
        )
    if payload.decision == "authorise":
        product.status = "authorised"
        product.authorised_by = principal.sub
        product.authorised_at = utcnow()
    else:
        product.status = "returned"
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(decision, resource, reason=f"{payload.decision}: {payload.reason}"),
    )
    return _product_out(session, keyring, product)


def disseminate_product(
    session: Session, principal: Principal, product_id: uuid.UUID, *, keyring: Keyring
) -> ProductOut:
    """Send an authorised product to its receiving team; the enquiry closes."""
    product = repository.product(session, product_id)
    resource = _product_resource(product, product_id)
    decision = require(principal, Action.disseminate, resource)
    if product is None:
        raise NotFound()
    if product.status != "authorised":
        raise Conflict("Only an authorised product can be sent.", code="not_authorised")
    enquiry = repository.enquiry(session, product.enquiry_id)
    assert enquiry is not None
    contact = _contact_of(session, enquiry)
    product.status = "disseminated"
    product.disseminated_by = principal.sub
    product.disseminated_at = utcnow()
    enquiry.status = "closed"
    enquiry.closed_at = product.disseminated_at
    contact.status = "outcome_sent"
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            Resource(
                Kind.information_product, owner=product.receiving_team or "", id=str(product.id)
            ),
            subject_ids=_people_ids(contact),
            reason=f"sent to {product.receiving_team or 'no team'}",
            content_hash=hashlib.sha256(product.sealed_analysis).hexdigest(),
        ),
    )
    log.info("product.disseminated", product_id=str(product.id), team=product.receiving_team)
    return _product_out(session, keyring, product)


def read_product(
    session: Session, principal: Principal, product_id: uuid.UUID, *, keyring: Keyring
) -> ProductOut:
    product = repository.product(session, product_id)
    resource = _product_resource(product, product_id)
    decision = require(principal, Action.read, resource)
    if product is None:
        raise NotFound()
    enquiry = repository.enquiry(session, product.enquiry_id)
    assert enquiry is not None
    contact = _contact_of(session, enquiry)
    out = _product_out(session, keyring, product)
    audit.record(
        session, principal, allowed_event(decision, resource, subject_ids=_people_ids(contact))
    )
    for disclosure in repository.disclosures_by_id(session, [item.id for item in out.items]):
        _record_disclosure_read(
            session, principal, decision, disclosure, contact, via=str(product.id)
        )
    return out


def list_products(session: Session, principal: Principal, *, keyring: Keyring) -> list[ProductOut]:
    """Operational teams see what was sent to them; the hub sees every product."""
    if principal.team:
        decision = require(
            principal, Action.list, Resource(Kind.information_product, owner=principal.team)
        )
        statement = repository.products_sent_to(principal.team)
    else:
        decision = require(principal, Action.list, Resource(Kind.information_product))
        statement = repository.all_products()
    products = list(session.execute(statement.limit(200)).scalars())
    audit.record(
        session,
        principal,
        allowed_event(decision, Resource(Kind.information_product, owner=principal.team or "")),
    )
    return [_product_out(session, keyring, p) for p in products]


def referrer_feedback(session: Session, principal: Principal) -> list[OutcomeFeedback]:
    """A professional referrer's own contacts and a short outcome for each: no content."""
    resource = Resource(Kind.contact_outcome, owner=principal.sub)
    decision = require(principal, Action.list, resource)
    contacts = list(
        session.execute(repository.contacts_submitted_by(principal.sub).limit(200)).scalars()
    )
    audit.record(session, principal, allowed_event(decision, resource))
    return [
        OutcomeFeedback(
            reference=c.reference,
            received_at=c.received_at,
            outcome=FEEDBACK.get(c.status, "In progress."),
        )
        for c in contacts
    ]


# --- break-glass ----------------------------------------------------------------------------


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
    record = agency_repository.record_of_agency(session, agency, record_id)
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
            decision, resource, subject_ids=[str(record_id)], purpose="emergency", reason=reason
        ),
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
    events = list(session.execute(repository.break_glass_of_agency(agency)).scalars())
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
    event = session.get(BreakGlassEvent, event_id)
    if event is None or event.agency != agency:
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

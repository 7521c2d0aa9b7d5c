"""Disclosures: an agency answers a check by sharing chosen records, chosen fields or a
summary, saying it holds nothing, or declining, each with its reasons.

What an agency discloses is copied into the hub's own sealed store (its hash goes in the
audit log), so later reads of it, by the hub or by the team a product is sent to, are on
the record for the agency and for information governance.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.agencies import service as agencies
from hub.audit import repository as audit_repository
from hub.audit import service as audit
from hub.audit.governance import stated_purpose
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
from hub.enquiries.service import case_key_of_enquiry, contact_of, people_ids
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
    expected_content_hash: str | None = None,
) -> DisclosureOut:
    """Answer a check: share chosen records, chosen fields or a summary, say there is
    nothing held, or record a decision not to share. Each with its reasons.

    With ``expected_content_hash`` (the hash of what :func:`preview_disclosure` showed), a
    disclosure whose content is no longer exactly that (a record changed meanwhile) is
    refused, so what leaves the agency is what the representative confirmed."""
    request, decisions = _answerable_request(session, principal, request_id, payload, lawful_bases)
    enquiry = repository.enquiry(session, request.enquiry_id)
    assert enquiry is not None
    contact = contact_of(session, enquiry)
    content = _disclosed_content(
        session, principal, request.agency, payload, keyring=keyring, lawful_bases=lawful_bases
    )
    if expected_content_hash is not None and _content_hash(content) != expected_content_hash:
        raise Conflict(
            "What would be disclosed has changed since it was shown; check it again.",
            code="disclosure_changed",
        )
    disclosure = _new_disclosure(session, principal, request, payload, content, keyring=keyring)
    session.add(disclosure)
    request.status = _ANSWERED_STATUS.get(payload.kind, "disclosed")
    request.answered_at = disclosure.disclosed_at
    request.answered_by = principal.sub
    session.flush()
    _record_answer(session, principal, decisions, request, disclosure, payload, contact, keyring)
    log.info(
        "disclosure.created",
        disclosure_id=str(disclosure.id),
        agency=request.agency,
        kind=str(payload.kind),
    )
    return disclosure_out(session, keyring, disclosure)


def preview_disclosure(
    session: Session,
    principal: Principal,
    request_id: uuid.UUID,
    payload: DisclosureIn,
    *,
    keyring: Keyring,
    lawful_bases: Mapping[str, str] = BUILT_IN_BASES,
) -> tuple[dict[str, Any], str]:
    """Exactly what :func:`disclose` would seal for this answer, and its hash; nothing is
    disclosed. The records read for it are read (and audited) as any record read."""
    request, _ = _answerable_request(session, principal, request_id, payload, lawful_bases)
    content = _disclosed_content(
        session, principal, request.agency, payload, keyring=keyring, lawful_bases=lawful_bases
    )
    return content, _content_hash(content)


def _answerable_request(
    session: Session,
    principal: Principal,
    request_id: uuid.UUID,
    payload: DisclosureIn,
    lawful_bases: Mapping[str, str],
) -> tuple[CheckRequest, tuple[Decision, Decision]]:
    """The check request, once the firewall lets this person answer it and it is open."""
    request = repository.check_request(session, request_id)
    owner = request.agency if request is not None else ""
    respond = require(
        principal, Action.respond, Resource(Kind.check_request, owner=owner, id=str(request_id))
    )
    if request is None:
        raise NotFound()
    decision = require(principal, Action.create, Resource(Kind.disclosure, owner=request.agency))
    _refuse_unless_answerable(request, payload, lawful_bases)
    return request, (respond, decision)


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
        # The purpose is what the agency wrote: sealed, like the content.
        purpose=None,
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
    # The hub's copy of what was disclosed belongs to the case: sealed under its key.
    case_key = case_key_of_enquiry(session, request.enquiry_id)
    disclosure.sealed_content = keyring.seal_hub_json(
        session, "disclosures", "sealed_content", disclosure.id, content, key_id=case_key
    )
    if payload.purpose:
        disclosure.sealed_purpose = keyring.seal_hub_json(
            session,
            "disclosures",
            "sealed_purpose",
            disclosure.id,
            payload.purpose,
            key_id=case_key,
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
    keyring: Keyring,
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
            lawful_basis=disclosure.lawful_basis,
            consent=disclosure.consent,
            reason=str(payload.kind),
            content_hash=disclosure.content_hash,
            free_text={
                "purpose": payload.purpose or "",
                "proportionality": payload.proportionality or "",
                "reasons": payload.reasons or "",
            },
        ),
        keyring=keyring,
    )


def purpose_of(session: Session, keyring: Keyring, disclosure: Disclosure) -> str | None:
    """The purpose the agency wrote: sealed, or in clear in a disclosure made before."""
    if disclosure.sealed_purpose is None:
        return disclosure.purpose
    purpose: str = keyring.open_hub_json(
        session, "disclosures", "sealed_purpose", disclosure.id, disclosure.sealed_purpose
    )
    return purpose


def _open_content(session: Session, keyring: Keyring, disclosure: Disclosure) -> dict[str, Any]:
    content: dict[str, Any] = keyring.open_hub_json(
        session, "disclosures", "sealed_content", disclosure.id, disclosure.sealed_content
    )
    return content


def disclosure_out(
    session: Session,
    keyring: Keyring,
    disclosure: Disclosure,
    *,
    content: dict[str, Any] | None = None,
) -> DisclosureOut:
    content = _open_content(session, keyring, disclosure) if content is None else content
    return DisclosureOut(
        id=disclosure.id,
        check_request_id=disclosure.check_request_id,
        agency=disclosure.agency,
        kind=disclosure.kind,
        purpose=purpose_of(session, keyring, disclosure),
        lawful_basis=disclosure.lawful_basis,
        lawful_basis_text=content.get("lawful_basis_text"),
        consent=disclosure.consent,
        caveat=disclosure.caveat,
        released_for_onward=disclosure.released_for_onward,
        released_items=[
            {"record_id": record_id, "fields": fields}
            for record_id, fields in released_items(disclosure).items()
        ],
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
        purpose=purpose_of(session, keyring, disclosure),
        lawful_basis=disclosure.lawful_basis,
        lawful_basis_text=content.get("lawful_basis_text"),
        consent=disclosure.consent,
        caveat=disclosure.caveat,
        caveat_text=caveat.get("text"),
        released_for_onward=disclosure.released_for_onward,
        released_in_part=not disclosure.released_for_onward and bool(released_items(disclosure)),
        disclosed_at=disclosure.disclosed_at,
    )


def released_items(disclosure: Disclosure) -> dict[str, list[str]]:
    """What has been released of a disclosure released in part: record id -> fields."""
    if not disclosure.released_items:
        return {}
    loaded: dict[str, list[str]] = json.loads(disclosure.released_items)
    return loaded


def may_pass_on(disclosure: Disclosure) -> bool:
    """Whether any of the disclosure may go into an information product."""
    return disclosure.released_for_onward or bool(released_items(disclosure))


def onward_content(session: Session, keyring: Keyring, disclosure: Disclosure) -> dict[str, Any]:
    """What of a disclosure may go on: all of it once released, or only the records and
    fields the agency released. What is kept back is left out, with no trace of it (not
    even a count)."""
    content = _open_content(session, keyring, disclosure)
    if not disclosure.released_for_onward:
        content = _released_part(content, released_items(disclosure))
    return content


def onward_out(session: Session, keyring: Keyring, disclosure: Disclosure) -> DisclosureOut:
    """A disclosure as an information product carries it (see :func:`onward_content`)."""
    content = onward_content(session, keyring, disclosure)
    # All that a product carries may be passed on: it says nothing of what was kept back.
    return disclosure_out(session, keyring, disclosure, content=content).model_copy(
        update={"released_for_onward": True, "released_items": []}
    )


def _released_part(content: dict[str, Any], released: Mapping[str, list[str]]) -> dict[str, Any]:
    part = {key: value for key, value in content.items() if key not in ("records", "summary")}
    part["records"] = [
        {"record_id": record["record_id"], **{f: record[f] for f in released[record["record_id"]]}}
        for record in content.get("records", [])
        if record["record_id"] in released
    ]
    return part


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
                reader_team=entry.actor_team,
                through_product=product_in(entry.rule),
            )
            for entry in audit_repository.search_entries(
                session,
                kind=str(Kind.disclosure),
                resource_id=str(disclosure.id),
                actions=(str(Action.read), str(Action.open)),
            )
        ]
        out.append((disclosure_out(session, keyring, disclosure), reads))
    audit.record(
        session, principal, allowed_event(decision, Resource(Kind.disclosure, owner=agency))
    )
    return out


_IN_PRODUCT = re.compile(r"\(in information product ([0-9a-f-]{36})\)$")


def product_in(rule: str) -> uuid.UUID | None:
    """The information product a read was made through, as :func:`record_disclosure_read`
    notes it in the entry's rule."""
    found = _IN_PRODUCT.search(rule)
    return uuid.UUID(found.group(1)) if found else None


def open_for_governance(
    session: Session,
    principal: Principal,
    disclosure_id: uuid.UUID,
    *,
    purpose: str | None,
    keyring: Keyring,
) -> DisclosureOut:
    """An IG officer opens one disclosure's content, saying why (a subject access request).

    The only way information governance reaches case content: one item per call, with a
    purpose that is logged (sealed) in the opening's audit entry, which the disclosing
    agency sees among the later reads of what it shared.
    """
    disclosure = repository.disclosure(session, disclosure_id)
    owner = disclosure.agency if disclosure is not None else ""
    resource = Resource(Kind.disclosure, owner=owner, id=str(disclosure_id))
    decision = require(principal, Action.open, resource)
    stated = stated_purpose(purpose)
    if disclosure is None:
        raise NotFound()
    # The purpose stated for opening it belongs to the case: sealed under the case's key.
    case_key_of_enquiry(session, disclosure.enquiry_id)
    enquiry = repository.enquiry(session, disclosure.enquiry_id)
    subjects = people_ids(contact_of(session, enquiry)) if enquiry is not None else []
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=subjects,
            lawful_basis=disclosure.lawful_basis,
            content_hash=disclosure.content_hash,
            free_text={"purpose": stated},
        ),
        keyring=keyring,
    )
    return disclosure_out(session, keyring, disclosure)


def release_disclosure(
    session: Session,
    principal: Principal,
    disclosure_id: uuid.UUID,
    payload: ReleaseIn,
    *,
    keyring: Keyring,
) -> DisclosureOut:
    """The originating agency releases a caveated disclosure for onward sharing: all of it,
    or chosen records (or fields of them), keeping the rest back. Releases add up; once
    every item is released the disclosure is released whole."""
    disclosure = repository.disclosure(session, disclosure_id)
    owner = disclosure.agency if disclosure is not None else ""
    resource = Resource(Kind.disclosure, owner=owner, id=str(disclosure_id))
    decision = require(principal, Action.release, resource)
    if disclosure is None:
        raise NotFound()
    if disclosure.released_for_onward:
        raise Conflict("This disclosure may already be passed on.", code="already_released")
    if disclosure.kind in (DisclosureKind.no_information, DisclosureKind.decline):
        raise Conflict("Nothing was disclosed, so there is nothing to release.", code="nothing")
    case_key_of_enquiry(session, disclosure.enquiry_id)
    content = _open_content(session, keyring, disclosure)
    shared = _items_of(content)
    released = {k: set(v) for k, v in released_items(disclosure).items()}
    if payload.items is None:
        released = {record_id: set(fields) for record_id, fields in shared.items()}
    else:
        _add_release(released, payload, shared, kind=disclosure.kind)
    whole = released == {k: set(v) for k, v in shared.items()}
    disclosure.released_for_onward = whole
    disclosure.released_items = (
        None
        if whole
        else json.dumps({k: sorted(v, key=_FIELD_ORDER.index) for k, v in sorted(released.items())})
    )
    disclosure.released_by = principal.sub
    disclosure.released_at = utcnow()
    session.flush()
    onward = onward_out(session, keyring, disclosure)
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            reason="released" if whole else "released in part",
            lawful_basis=disclosure.lawful_basis,
            content_hash=_content_hash(onward.content),
            free_text={"reason": payload.reason},
        ),
        keyring=keyring,
    )
    log.info("disclosure.released", disclosure_id=str(disclosure.id), whole=whole)
    return disclosure_out(session, keyring, disclosure, content=content)


# The order fields are shown and kept in.
_FIELD_ORDER = [
    "given_name",
    "family_name",
    "date_of_birth",
    "nhs_number",
    "postcode",
    "address_line",
    "record_type",
    "occurred_on",
    "summary",
    "details",
]


def _items_of(content: dict[str, Any]) -> dict[str, list[str]]:
    """The items a disclosure shared: each record id with its fields (a summary is one
    item, released with the whole)."""
    if "records" not in content:
        return {}
    return {
        record["record_id"]: [f for f in _FIELD_ORDER if f in record]
        for record in content["records"]
    }


def _add_release(
    released: dict[str, set[str]],
    payload: ReleaseIn,
    shared: Mapping[str, list[str]],
    *,
    kind: str,
) -> None:
    """Add the chosen items to what is released; refuse items the disclosure does not hold."""
    if kind not in (DisclosureKind.records, DisclosureKind.fields):
        raise Unprocessable(
            "A summary is released whole: leave out items.", code="release_items_not_allowed"
        )
    before = sum(len(fields) for fields in released.values())
    for item in payload.items or ():
        record_id = str(item.record_id)
        if record_id not in shared:
            raise Unprocessable("An item is not a record of this disclosure.", code="unknown_item")
        fields = set(item.fields) if item.fields is not None else set(shared[record_id])
        if not fields <= set(shared[record_id]):
            raise Unprocessable(
                "A field to release was not disclosed in that record.", code="unknown_item"
            )
        released.setdefault(record_id, set()).update(fields)
    if sum(len(fields) for fields in released.values()) == before:
        raise Conflict("Those items have already been released.", code="already_released")

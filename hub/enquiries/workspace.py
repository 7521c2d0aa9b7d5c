"""What the hub's pages show of enquiries: the open ones with their clocks, and one
enquiry's workspace. Both are read through the same services (and the same audit
entries) as the API; neither shows what an agency disclosed, only that it answered.

A red case never drops off: an enquiry is open, and on the list, until its information
product has been sent to the receiving team; once sent, it stays on the list until the team
acknowledges it (flagged when that takes longer than the hub expects), and a product the
team declines brings the enquiry back, open, with the team's reason.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from hub.audit import repository as audit_repository
from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.enquiries import repository
from hub.enquiries.disclosures import enquiry_disclosure_summaries
from hub.enquiries.models import CheckRequest
from hub.enquiries.schemas import DisclosureSummaryOut, EnquiryOut
from hub.enquiries.service import contact_of, person_labels, read_enquiry, subjects_to_check
from hub.keys.service import Keyring
from hub.kit.working_time import WorkingHours, is_breached, time_left
from hub.policy import decision_point
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.products import repository as products_repository
from hub.products.models import InformationProduct
from hub.products.schemas import ProductOutcome
from hub.products.service import decline_reason, product_analysis, suggested_team

RAG_ORDER = {"red": 0, "amber": 1, "green": 2}
SHARED_KINDS = frozenset({"records", "fields", "summary"})


@dataclass(frozen=True)
class CheckState:
    agency: str
    status: str  # pending | disclosed | no_information | declined
    requested_at: datetime
    due_at: datetime
    overdue: bool


@dataclass(frozen=True)
class Clock:
    """The enquiry's RAG clock: it runs from the contact's receipt until the product is sent."""

    deadline: datetime | None
    left: timedelta | None
    breached: bool


@dataclass(frozen=True)
class OpenEnquiry:
    id: uuid.UUID
    reference: str
    rag: str
    opened_at: datetime
    clock: Clock
    checks: list[CheckState]
    shared: int
    nothing_held: int
    declined: int
    product_status: str | None


@dataclass(frozen=True)
class AwaitingEnquiry:
    """A contact screening sent to a MASH enquiry that is not open yet: its clock runs."""

    contact_id: uuid.UUID
    reference: str
    rag: str | None
    clock: Clock


@dataclass(frozen=True)
class SentEnquiry:
    """An enquiry whose product was sent and not yet accepted or declined by the team."""

    id: uuid.UUID
    reference: str
    rag: str
    receiving_team: str | None
    sent_at: datetime
    waiting: timedelta
    # Not acknowledged within the hours the hub expects (HUB_ACKNOWLEDGE_HOURS).
    overdue: bool


@dataclass(frozen=True)
class EnquiryList:
    open: list[OpenEnquiry]
    awaiting: list[AwaitingEnquiry]
    sent: list[SentEnquiry] = field(default_factory=list)
    acknowledge_within: timedelta = timedelta(hours=4)


@dataclass(frozen=True)
class Person:
    label: str  # "child 1"
    name: str
    date_of_birth: str | None


@dataclass(frozen=True)
class ProductState:
    id: uuid.UUID
    status: str
    proposed_outcome: str
    receiving_team: str | None
    analysis: str
    disclosure_ids: list[uuid.UUID]
    compiled_by: str
    compiled_at: datetime
    returned_reason: str | None
    disseminated_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    decline_reason: str | None = None


@dataclass(frozen=True)
class Workspace:
    enquiry: EnquiryOut
    clock: Clock
    people: list[Person]
    checks: list[CheckState]
    disclosures: list[DisclosureSummaryOut]
    product: ProductState | None
    suggested_teams: dict[str, str | None] = field(default_factory=dict)


def _clock(deadline: datetime | None, now: datetime) -> Clock:
    if deadline is None:
        return Clock(None, None, False)
    return Clock(deadline, time_left(deadline, now), is_breached(deadline, now))


def _check_state(request: CheckRequest, now: datetime) -> CheckState:
    return CheckState(
        agency=request.agency,
        status=request.status,
        requested_at=request.requested_at,
        due_at=request.due_at,
        overdue=request.status == "pending" and is_breached(request.due_at, now),
    )


def _awaiting(session: Session, now: datetime) -> list[AwaitingEnquiry]:
    return sorted(
        (
            AwaitingEnquiry(row.id, row.reference, row.rag, _clock(row.rag_deadline, now))
            for row in repository.awaiting_enquiry(session)
        ),
        key=lambda a: RAG_ORDER.get(a.rag or "", 3),
    )


def _sent(session: Session, now: datetime, within: timedelta) -> list[SentEnquiry]:
    sent = []
    for _, enquiry_id, reference, rag, team, sent_at in products_repository.sent_not_acknowledged(
        session
    ):
        moment = sent_at or now
        waited = now - moment
        sent.append(SentEnquiry(enquiry_id, reference, rag, team, moment, waited, waited > within))
    sent.sort(key=lambda s: (not s.overdue, RAG_ORDER.get(s.rag, 3), s.sent_at))
    return sent


def enquiry_list(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    acknowledge_within: timedelta = timedelta(hours=4),
) -> EnquiryList:
    """The open enquiries, the contacts waiting for one to be opened (for those who may
    open one), and the enquiries whose product was sent and not yet acknowledged by the
    team: between screening's decision and the team's answer, a case is always on this
    list."""
    enquiries = open_enquiries(session, principal, now=now)
    may_open = decision_point.may(principal, Action.create, Resource(Kind.enquiry))
    return EnquiryList(
        enquiries,
        _awaiting(session, now) if may_open else [],
        _sent(session, now, acknowledge_within),
        acknowledge_within,
    )


def open_enquiries(session: Session, principal: Principal, *, now: datetime) -> list[OpenEnquiry]:
    """Every open enquiry, red first and soonest due first within each rating, with its
    checks and how each agency answered (counts only). No limit: none may drop off."""
    decision = require(principal, Action.list, Resource(Kind.enquiry))
    rows = repository.open_enquiries_with_deadlines(session)
    ids = [row.id for row in rows]
    checks = repository.requests_of_enquiries(session, ids)
    answers = repository.disclosure_kinds_of_enquiries(session, ids)
    products = products_repository.product_statuses(session, ids)
    out = []
    for row in rows:
        kinds = Counter(answers.get(row.id, []))
        out.append(
            OpenEnquiry(
                id=row.id,
                reference=row.reference,
                rag=row.rag,
                opened_at=row.opened_at,
                clock=_clock(row.rag_deadline, now),
                checks=[_check_state(r, now) for r in checks.get(row.id, [])],
                shared=sum(n for kind, n in kinds.items() if kind in SHARED_KINDS),
                nothing_held=kinds["no_information"],
                declined=kinds["decline"],
                product_status=products.get(row.id),
            )
        )
    out.sort(
        key=lambda e: (
            RAG_ORDER.get(e.rag, 3),
            e.clock.deadline or datetime.max.replace(tzinfo=now.tzinfo),
        )
    )
    audit.record(
        session, principal, allowed_event(decision, Resource(Kind.enquiry), reason="open enquiries")
    )
    return out


def _returned_reason(session: Session, keyring: Keyring, product: InformationProduct) -> str | None:
    """Why the manager last returned the product: sealed with it, or (a product returned
    before reasons were sealed) in clear in the decision's audit entry."""
    if product.sealed_return_reason is not None:
        reason: str = keyring.open_hub_json(
            session,
            "information_products",
            "sealed_return_reason",
            product.id,
            product.sealed_return_reason,
        )
        return reason
    decisions = audit_repository.search_entries(
        session, kind=str(Kind.information_product), resource_id=str(product.id), action="authorise"
    )
    for entry in reversed(decisions):
        if entry.outcome == "allowed" and (entry.reason or "").startswith("return: "):
            return (entry.reason or "").removeprefix("return: ")
    return None


def _product_state(
    session: Session, keyring: Keyring, enquiry_id: uuid.UUID
) -> ProductState | None:
    product = products_repository.product_for_enquiry(session, enquiry_id)
    if product is None:
        return None
    return ProductState(
        id=product.id,
        status=product.status,
        proposed_outcome=product.proposed_outcome,
        receiving_team=product.receiving_team,
        analysis=product_analysis(session, keyring, product),
        disclosure_ids=[uuid.UUID(i) for i in json.loads(product.disclosure_ids)],
        compiled_by=product.compiled_by,
        compiled_at=product.compiled_at,
        returned_reason=_returned_reason(session, keyring, product)
        if product.status == "returned"
        else None,
        disseminated_at=product.disseminated_at,
        acknowledged_by=product.acknowledged_by,
        acknowledged_at=product.acknowledged_at,
        decline_reason=decline_reason(session, keyring, product),
    )


def _people(session: Session, keyring: Keyring, enquiry_id: uuid.UUID) -> list[Person]:
    enquiry = repository.enquiry(session, enquiry_id)
    assert enquiry is not None
    contact = contact_of(session, enquiry)
    labels = person_labels(contact)
    people = []
    for subject in subjects_to_check(session, contact, keyring):
        role, position = labels[uuid.UUID(subject["person_id"])]
        name = " ".join(n for n in (subject["given_name"], subject["family_name"]) if n)
        people.append(Person(f"{role} {position}", name, subject["date_of_birth"]))
    return people


def enquiry_workspace(
    session: Session,
    principal: Principal,
    enquiry_id: uuid.UUID,
    *,
    keyring: Keyring,
    calendar: WorkingHours,
    rota_start: date,
    now: datetime,
) -> Workspace:
    """One enquiry as the hub works on it: its people, clock, checks, the agencies'
    answers (without content), and its information product."""
    enquiry = read_enquiry(session, principal, enquiry_id)
    disclosures = enquiry_disclosure_summaries(session, principal, enquiry_id, keyring=keyring)
    checks = [_check_state(r, now) for r in repository.requests_of_enquiry(session, enquiry_id)]
    product = _product_state(session, keyring, enquiry_id)
    sent = product is not None and product.status in ("disseminated", "accepted")
    deadline = repository.rag_deadline_of(session, enquiry.contact_id)
    return Workspace(
        enquiry=enquiry,
        clock=_clock(None if sent else deadline, now),
        people=_people(session, keyring, enquiry_id),
        checks=checks,
        disclosures=disclosures,
        product=product,
        suggested_teams={
            str(outcome): suggested_team(outcome, now, calendar, rota_start)
            for outcome in ProductOutcome
        },
    )

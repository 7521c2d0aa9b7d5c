"""Information products: the hub compiles its analysis with the disclosures it may pass on
and a proposed outcome; a manager authorises it (or returns it); it is sent to the
receiving team, and the enquiry closes. The team acknowledges it: accepts it, or declines
it with a reason, and a declined product goes back to the hub (the enquiry opens again).

Every step asks the firewall first and writes its audit entry in the same transaction.
A product belongs to its receiving team only once sent; every read of a disclosure in it
is on the record for the agency that disclosed it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime

import structlog
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.contacts.models import Contact
from hub.contacts.service import open_details
from hub.db import utcnow
from hub.enquiries import repository as enquiries_repository
from hub.enquiries.disclosures import (
    may_pass_on,
    onward_content,
    purpose_of,
    record_disclosure_read,
)
from hub.enquiries.models import Disclosure, Enquiry
from hub.enquiries.service import case_key_of_enquiry, contact_of, people_ids
from hub.keys.service import Keyring
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.kit.working_time import WorkingHours
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.products import repository
from hub.products.models import InformationProduct
from hub.products.schemas import (
    AcknowledgementDecision,
    AcknowledgementIn,
    AuthorisationIn,
    ProductIn,
    ProductItem,
    ProductOut,
    ProductOutcome,
    ProductPerson,
    ProductSummaryOut,
)
from hub.screening.rota import ScreeningOutcome, routing_team

log = structlog.get_logger()

# The most a list shows; older products are for the audit log and the database.
LIST_LIMIT = 200


def suggested_team(
    outcome: ProductOutcome, decided_at: datetime, calendar: WorkingHours, rota_start: date
) -> str | None:
    """The team the rota suggests for this outcome at the time of the decision: the duty
    team of the week in office hours, the out-of-hours team otherwise, Early Help for early
    help. When the contact arrived does not matter: a contact that came in overnight and is
    decided at 10:00 goes to the team on duty at 10:00."""
    return routing_team(ScreeningOutcome(str(outcome)), decided_at, calendar, rota_start)


def _receiving_team(
    payload: ProductIn, suggested: str | None, known_teams: tuple[str, ...]
) -> str | None:
    team = payload.receiving_team or suggested
    if team is not None and team not in known_teams:
        raise Unprocessable("Not a receiving team.", code="unknown_team")
    if team != suggested and not payload.team_reason:
        raise Unprocessable(
            "team_reason: say why this team rather than the one the rota suggests"
            f" ({suggested or 'no team'}).",
            code="team_reason_required",
        )
    return team


def _check_items(session: Session, enquiry: Enquiry, ids: list[uuid.UUID]) -> None:
    found = {d.id: d for d in enquiries_repository.disclosures_by_id(session, ids)}
    for disclosure_id in ids:
        disclosure = found.get(disclosure_id)
        if disclosure is None or disclosure.enquiry_id != enquiry.id:
            raise Unprocessable("An item is not a disclosure of this enquiry.", code="unknown_item")
        if disclosure.kind in ("no_information", "decline"):
            raise Unprocessable(
                "Only disclosed information can be passed on.", code="nothing_to_pass_on"
            )
        if not may_pass_on(disclosure):
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
) -> ProductSummaryOut:
    """Compile the analysis, the disclosures to pass on and the proposed outcome, for a
    manager to authorise."""
    decision = require(principal, Action.create, Resource(Kind.information_product))
    enquiry = enquiries_repository.enquiry(session, enquiry_id)
    if enquiry is None:
        raise NotFound()
    if enquiry.status != "open":
        raise Conflict("This enquiry is closed.", code="enquiry_closed")
    current = repository.product_for_enquiry(session, enquiry.id)
    if current is not None and current.status not in ("returned", "declined"):
        raise Conflict("This enquiry already has a product in progress.", code="product_exists")
    contact = contact_of(session, enquiry)
    _check_items(session, enquiry, payload.disclosure_ids)
    now = utcnow()
    suggested = suggested_team(payload.proposed_outcome, now, calendar, rota_start)
    team = _receiving_team(payload, suggested, known_teams)
    product = InformationProduct(
        id=uuid.uuid4(),
        enquiry_id=enquiry.id,
        status="awaiting_authorisation",
        proposed_outcome=str(payload.proposed_outcome),
        receiving_team=team,
        disclosure_ids=json.dumps([str(i) for i in payload.disclosure_ids]),
        sealed_analysis=b"",
        compiled_by=principal.sub,
        compiled_at=now,
    )
    product.sealed_analysis = keyring.seal_hub_json(
        session,
        "information_products",
        "sealed_analysis",
        product.id,
        payload.analysis,
        key_id=case_key_of_enquiry(session, enquiry.id),
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
            subject_ids=people_ids(contact),
            reason=f"proposed {payload.proposed_outcome} for {team or 'no team'}"
            + (f" (the rota suggested {suggested or 'no team'})" if team != suggested else ""),
            free_text={"team_reason": payload.team_reason or ""} if team != suggested else None,
        ),
        keyring=keyring,
    )
    return product_summary(session, product)


def _product_resource(product: InformationProduct | None, product_id: uuid.UUID) -> Resource:
    # A product belongs to its receiving team only once it has been sent there: before
    # that it is hub work, and no operational team can reach it.
    owner = (
        product.receiving_team or ""
        if product is not None and product.status in repository.SENT
        else ""
    )
    return Resource(Kind.information_product, owner=owner, id=str(product_id))


def _item_ids(product: InformationProduct) -> list[uuid.UUID]:
    return [uuid.UUID(i) for i in json.loads(product.disclosure_ids)]


def product_summary(session: Session, product: InformationProduct) -> ProductSummaryOut:
    """The product without its content: no disclosure is opened, so no read is recorded."""
    enquiry = enquiries_repository.enquiry(session, product.enquiry_id)
    assert enquiry is not None
    return ProductSummaryOut(
        id=product.id,
        reference=enquiries_repository.contact_reference(session, enquiry.contact_id),
        urgency=enquiry.rag,
        status=product.status,
        proposed_outcome=product.proposed_outcome,
        receiving_team=product.receiving_team,
        items=len(_item_ids(product)),
        compiled_at=product.compiled_at,
        authorised_by=product.authorised_by,
        authorised_at=product.authorised_at,
        disseminated_at=product.disseminated_at,
        acknowledged_by=product.acknowledged_by,
        acknowledged_at=product.acknowledged_at,
    )


def product_analysis(session: Session, keyring: Keyring, product: InformationProduct) -> str:
    """The hub's own analysis (no agency's content)."""
    analysis: str = keyring.open_hub_json(
        session, "information_products", "sealed_analysis", product.id, product.sealed_analysis
    )
    return analysis


def decline_reason(session: Session, keyring: Keyring, product: InformationProduct) -> str | None:
    """Why the receiving team declined the product, if it did."""
    if product.sealed_decline_reason is None:
        return None
    reason: str = keyring.open_hub_json(
        session,
        "information_products",
        "sealed_decline_reason",
        product.id,
        product.sealed_decline_reason,
    )
    return reason


def _item(session: Session, keyring: Keyring, disclosure: Disclosure) -> ProductItem:
    """What the team gets of a disclosure: the content, the basis and the caveat; not the
    agency's record ids or its proportionality statement to the hub."""
    # Only what the agency released goes with a product: what it kept back, never.
    content = onward_content(session, keyring, disclosure)
    caveat = content.get("caveat") or {}
    return ProductItem(
        agency=disclosure.agency,
        kind=disclosure.kind,
        disclosed_at=disclosure.disclosed_at,
        purpose=purpose_of(session, keyring, disclosure),
        lawful_basis=disclosure.lawful_basis,
        lawful_basis_text=content.get("lawful_basis_text"),
        consent=disclosure.consent,
        caveat=disclosure.caveat,
        caveat_text=caveat.get("text"),
        records=[
            {k: v for k, v in record.items() if k != "record_id"}
            for record in content.get("records", [])
        ],
        summary=content.get("summary"),
    )


def _household(
    session: Session, keyring: Keyring, contact: Contact
) -> tuple[list[ProductPerson], list[ProductPerson]]:
    details = open_details(session, contact, keyring=keyring)
    children: list[ProductPerson] = []
    adults: list[ProductPerson] = []
    for person, raw in zip(contact.people, details["people"], strict=True):
        described = ProductPerson.model_validate(
            {k: raw.get(k) for k in ProductPerson.model_fields}
        )
        (children if person.person_role == "child" else adults).append(described)
    return children, adults


def _product_out(
    session: Session,
    keyring: Keyring,
    product: InformationProduct,
    contact: Contact,
    disclosures: list[Disclosure],
) -> ProductOut:
    summary = product_summary(session, product)
    children, household = _household(session, keyring, contact)
    order = {item_id: n for n, item_id in enumerate(_item_ids(product))}
    return ProductOut(
        **summary.model_dump(exclude={"items"}),
        analysis=product_analysis(session, keyring, product),
        decline_reason=decline_reason(session, keyring, product),
        children=children,
        household=household,
        items=[
            _item(session, keyring, d)
            for d in sorted(disclosures, key=lambda d: order.get(d.id, 0))
        ],
    )


def authorise_product(
    session: Session,
    principal: Principal,
    product_id: uuid.UUID,
    payload: AuthorisationIn,
    *,
    keyring: Keyring,
) -> ProductSummaryOut:
    """A manager authorises the product, or returns it to the social worker with reasons."""
    product = repository.product(session, product_id)
    resource = _product_resource(product, product_id)
    decision = require(principal, Action.authorise, resource)
    if product is None:
        raise NotFound()
    case_key = case_key_of_enquiry(session, product.enquiry_id)
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
        product.sealed_return_reason = keyring.seal_hub_json(
            session,
            "information_products",
            "sealed_return_reason",
            product.id,
            payload.reason,
            key_id=case_key,
        )
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision, resource, reason=str(payload.decision), free_text={"reason": payload.reason}
        ),
        keyring=keyring,
    )
    return product_summary(session, product)


def disseminate_product(
    session: Session, principal: Principal, product_id: uuid.UUID, *, keyring: Keyring
) -> ProductSummaryOut:
    """Send an authorised product to its receiving team; the enquiry closes."""
    product = repository.product(session, product_id)
    resource = _product_resource(product, product_id)
    decision = require(principal, Action.disseminate, resource)
    if product is None:
        raise NotFound()
    if product.status != "authorised":
        raise Conflict("Only an authorised product can be sent.", code="not_authorised")
    enquiry = enquiries_repository.enquiry(session, product.enquiry_id)
    assert enquiry is not None
    contact = contact_of(session, enquiry)
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
            subject_ids=people_ids(contact),
            reason=f"sent to {product.receiving_team or 'no team'}",
            content_hash=hashlib.sha256(product.sealed_analysis).hexdigest(),
        ),
    )
    log.info("product.disseminated", product_id=str(product.id), team=product.receiving_team)
    return product_summary(session, product)


def read_product(
    session: Session,
    principal: Principal,
    product_id: uuid.UUID,
    *,
    keyring: Keyring,
    enquiry_id: uuid.UUID | None = None,
) -> ProductOut:
    """The whole product (of ``enquiry_id``, when given). Each disclosure in it is read,
    and each read is on the record of the agency that disclosed it, whoever reads: the hub
    or the receiving team."""
    product = repository.product(session, product_id)
    resource = _product_resource(product, product_id)
    decision = require(principal, Action.read, resource)
    if product is None or enquiry_id not in (None, product.enquiry_id):
        raise NotFound()
    enquiry = enquiries_repository.enquiry(session, product.enquiry_id)
    assert enquiry is not None
    contact = contact_of(session, enquiry)
    disclosures = enquiries_repository.disclosures_by_id(session, _item_ids(product))
    out = _product_out(session, keyring, product, contact, disclosures)
    audit.record(
        session, principal, allowed_event(decision, resource, subject_ids=people_ids(contact))
    )
    for disclosure in disclosures:
        record_disclosure_read(
            session, principal, decision, disclosure, contact, via=str(product.id)
        )
    return out


def list_products(
    session: Session, principal: Principal, *, keyring: Keyring
) -> list[ProductSummaryOut]:
    """Operational teams see what was sent to them; the hub sees every product. A list
    shows summaries: the content is read one product at a time, and each read recorded."""
    team = principal.team or None
    decision = require(principal, Action.list, Resource(Kind.information_product, owner=team or ""))
    products = repository.newest_products(session, team=team, limit=LIST_LIMIT)
    audit.record(
        session,
        principal,
        allowed_event(decision, Resource(Kind.information_product, owner=principal.team or "")),
    )
    return [product_summary(session, p) for p in products]


def acknowledge_product(
    session: Session,
    principal: Principal,
    product_id: uuid.UUID,
    payload: AcknowledgementIn,
    *,
    keyring: Keyring,
) -> ProductSummaryOut:
    """The receiving team accepts a product sent to it, or declines it with a reason.

    Accepting tells the hub the product landed. Declining sends it back to the hub: the
    enquiry opens again, with the team's reason, for the hub to compile a new product. A
    product is answered once; a second answer is refused (409), whichever it was.
    """
    product = repository.product(session, product_id)
    resource = _product_resource(product, product_id)
    decision = require(principal, Action.acknowledge, resource)
    if product is None:
        raise NotFound()
    if product.status != "disseminated":
        raise Conflict(
            f"Your team already {product.status} this product.", code="already_acknowledged"
        )
    if payload.decision is AcknowledgementDecision.decline and not payload.reason:
        raise Unprocessable(
            "reason: say why your team declines this product.", code="reason_required"
        )
    enquiry = enquiries_repository.enquiry(session, product.enquiry_id)
    assert enquiry is not None
    contact = contact_of(session, enquiry)
    product.acknowledged_by = principal.sub
    product.acknowledged_at = utcnow()
    if payload.decision is AcknowledgementDecision.accept:
        product.status = "accepted"
        reason = f"accepted by {product.receiving_team}"
    else:
        product.status = "declined"
        product.sealed_decline_reason = keyring.seal_hub_json(
            session,
            "information_products",
            "sealed_decline_reason",
            product.id,
            payload.reason,
            key_id=case_key_of_enquiry(session, product.enquiry_id),
        )
        # Back to the hub: the enquiry is open again, and the referrer hears it is still
        # being looked at, until a new product is sent.
        enquiry.status = "open"
        enquiry.closed_at = None
        contact.status = "mash_enquiry"
        reason = f"declined by {product.receiving_team}"
    session.flush()
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=people_ids(contact),
            reason=reason,
            free_text={"reason": payload.reason or ""} if payload.reason else None,
        ),
        keyring=keyring,
    )
    log.info(
        "product.acknowledged",
        product_id=str(product.id),
        team=product.receiving_team,
        status=product.status,
    )
    return product_summary(session, product)

"""Information products: the hub compiles its analysis with the disclosures it may pass on
and a proposed outcome; a manager authorises it (or returns it); it is sent to the
receiving team, and the enquiry closes.

Every step asks the firewall first and writes its audit entry in the same transaction.
A product belongs to its receiving team only once sent; every read of a disclosure in it
is on the record for the agency that disclosed it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date

import structlog
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.contacts.models import Contact
from hub.db import utcnow
from hub.enquiries import repository as enquiries_repository
from hub.enquiries.disclosures import disclosure_out, record_disclosure_read
from hub.enquiries.models import Enquiry
from hub.enquiries.service import contact_of, people_ids
from hub.keys.service import Keyring
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.kit.working_time import WorkingHours
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.products import repository
from hub.products.models import InformationProduct
from hub.products.schemas import AuthorisationIn, ProductIn, ProductOut, ProductOutcome
from hub.screening.rota import ScreeningOutcome, routing_team

log = structlog.get_logger()

# The most a list shows; older products are for the audit log and the database.
LIST_LIMIT = 200


def _default_team(
    outcome: ProductOutcome, contact: Contact, calendar: WorkingHours, rota_start: date
) -> str | None:
    return routing_team(ScreeningOutcome(str(outcome)), contact.received_at, calendar, rota_start)


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
    enquiry = enquiries_repository.enquiry(session, enquiry_id)
    if enquiry is None:
        raise NotFound()
    if enquiry.status != "open":
        raise Conflict("This enquiry is closed.", code="enquiry_closed")
    current = repository.product_for_enquiry(session, enquiry.id)
    if current is not None and current.status != "returned":
        raise Conflict("This enquiry already has a product in progress.", code="product_exists")
    contact = contact_of(session, enquiry)
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
            subject_ids=people_ids(contact),
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
        disclosure_out(session, keyring, d)
        for d in enquiries_repository.disclosures_by_id(session, ids)
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
    return _product_out(session, keyring, product)


def read_product(
    session: Session, principal: Principal, product_id: uuid.UUID, *, keyring: Keyring
) -> ProductOut:
    product = repository.product(session, product_id)
    resource = _product_resource(product, product_id)
    decision = require(principal, Action.read, resource)
    if product is None:
        raise NotFound()
    enquiry = enquiries_repository.enquiry(session, product.enquiry_id)
    assert enquiry is not None
    contact = contact_of(session, enquiry)
    out = _product_out(session, keyring, product)
    audit.record(
        session, principal, allowed_event(decision, resource, subject_ids=people_ids(contact))
    )
    for disclosure in enquiries_repository.disclosures_by_id(
        session, [item.id for item in out.items]
    ):
        record_disclosure_read(
            session, principal, decision, disclosure, contact, via=str(product.id)
        )
    return out


def list_products(session: Session, principal: Principal, *, keyring: Keyring) -> list[ProductOut]:
    """Operational teams see what was sent to them; the hub sees every product."""
    team = principal.team or None
    decision = require(principal, Action.list, Resource(Kind.information_product, owner=team or ""))
    products = repository.newest_products(session, team=team, limit=LIST_LIMIT)
    audit.record(
        session,
        principal,
        allowed_event(decision, Resource(Kind.information_product, owner=principal.team or "")),
    )
    return [_product_out(session, keyring, p) for p in products]

"""The receiving team's pages: its inbox of information products, one product to read (and
print) with the form to accept or decline it; and a professional referrer's referrals.

Each route takes the person from their session and makes the service calls the API makes
(the same ``require()``, the same audit entries): opening a product is a read on the record
of every agency in it, as ``GET /api/v1/products/{id}`` is. Every POST checks the form's
CSRF token and Origin. A product of another team is 404, as in the API.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hub.auth.principal import Principal
from hub.db import SessionDep
from hub.dependencies import KeyringDep
from hub.enquiries import service as enquiries
from hub.kit.errors import Conflict, NotFound
from hub.policy import decision_point
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.products import service as products
from hub.products.schemas import ProductSummaryOut
from hub.web.dependencies import PagePerson, PageRequestPerson
from hub.web.enquiries import wording
from hub.web.people import ROLE_NAMES, TEAM_NAMES
from hub.web.security import check_csrf, check_origin
from hub.web.teams import presenting
from hub.web.teams.forms import AcknowledgementForm, FieldError
from hub.web.templating import render

router = APIRouter(include_in_schema=False)

Short = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=20000)]


def _shell(**context: object) -> dict[str, object]:
    return {
        "role_names": ROLE_NAMES,
        "team_names": TEAM_NAMES,
        "w": wording,
        "p": presenting,
        **context,
    }


def _to_sign_in() -> Response:
    return RedirectResponse("/", status_code=303)


def _team_member(person: PageRequestPerson) -> Principal | None:
    """The signed-in person, who must belong to a receiving team: a team's inbox is no one
    else's. Belonging is the firewall's answer to "may they acknowledge what is sent to
    their own team"; anyone else is refused at the decision point, which records it (hub
    staff, who may see every product, get 403; people who may see none get 404).
    """
    if person.signed_in is None:
        return None
    principal = person.signed_in.principal
    decision_point.require(
        principal,
        Action.acknowledge,
        Resource(Kind.information_product, owner=principal.team or ""),
    )
    return principal


def _posted_by(
    request: Request,
    session: SessionDep,
    person: PageRequestPerson,
    keyring: KeyringDep,
    csrf_token: str,
) -> Principal | None:
    check_origin(request)
    principal = _team_member(person)
    if principal is None or person.signed_in is None:
        return None
    check_csrf(person.signed_in.csrf_token, csrf_token)
    return principal


@router.get("/team/products")
def inbox(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    principal = _team_member(person)
    if principal is None:
        return _to_sign_in()
    sent = products.list_products(session, principal, keyring=keyring)
    waiting, answered = presenting.inbox(sent)
    return render(
        request,
        "teams/inbox.html",
        _shell(
            title="Products for my team",
            team=TEAM_NAMES.get(principal.team or "", principal.team),
            waiting=waiting,
            answered=answered,
        ),
    )


def _product_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    product_id: uuid.UUID,
    *,
    keyring: KeyringDep,
    errors: list[FieldError] | None = None,
    typed: AcknowledgementForm | None = None,
) -> Response:
    whole = products.read_product(session, principal, product_id, keyring=keyring)
    resource = Resource(Kind.information_product, owner=whole.receiving_team or "")
    errors = errors or []
    context: dict[str, Any] = _shell(
        title=f"Information product {whole.reference}",
        product=whole,
        may_acknowledge=decision_point.may(principal, Action.acknowledge, resource),
        typed=typed or AcknowledgementForm(),
        errors={e.field_id: e.message for e in errors},
        error_list=[{"text": e.message, "href": f"#{e.field_id}"} for e in errors],
        bodyClasses="hub-print-clean",
    )
    return render(request, "teams/product.html", context)


@router.get("/team/products/{product_id}")
def product(
    product_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
) -> Response:
    """The whole product: opening it is a read on the record of each agency in it."""
    principal = _team_member(person)
    if principal is None:
        return _to_sign_in()
    return _product_page(request, session, principal, product_id, keyring=keyring)


@router.post("/team/products/{product_id}/acknowledgement")
def acknowledge(
    product_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    csrf_token: Short = "",
    decision: Short = "",
    reason: Text = "",
) -> Response:
    """Accept the product, or decline it with a reason: it goes back to the hub."""
    principal = _posted_by(request, session, person, keyring, csrf_token)
    if principal is None:
        return _to_sign_in()
    form = AcknowledgementForm(decision=decision, reason=reason)
    payload, errors = form.check()
    if payload is not None:
        try:
            products.acknowledge_product(session, principal, product_id, payload, keyring=keyring)
            return RedirectResponse(f"/team/products/{product_id}/answered", status_code=303)
        except Conflict as refused:
            errors = [FieldError("decision", refused.detail)]
    return _product_page(
        request, session, principal, product_id, keyring=keyring, errors=errors, typed=form
    )


@router.get("/team/products/{product_id}/answered")
def answered(
    product_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
) -> Response:
    """What the team answered, from the inbox's summaries: no content, so no read."""
    principal = _team_member(person)
    if principal is None:
        return _to_sign_in()
    summaries = products.list_products(session, principal, keyring=keyring)
    found: ProductSummaryOut | None = next((s for s in summaries if s.id == product_id), None)
    if found is None or found.status not in ("accepted", "declined"):
        raise NotFound()
    return render(
        request,
        "teams/answered.html",
        _shell(
            title=f"Product {found.reference} {found.status}",
            product=found,
            by_you=found.acknowledged_by == principal.sub,
        ),
    )


@router.get("/my/referrals")
def my_referrals(request: Request, session: SessionDep, person: PagePerson) -> Response:
    """A professional referrer's own contacts and the outcome of each: never the content."""
    if person.signed_in is None:
        return _to_sign_in()
    referrals = enquiries.referrer_feedback(session, person.signed_in.principal)
    return render(
        request, "teams/referrals.html", _shell(title="My referrals", referrals=referrals)
    )

"""The MASH enquiry pages: the list of open enquiries, opening one, and its workspace
(agency match, checks, what agencies answered, the information product and the manager's
decision).

Each route takes the person from their session, makes the service calls the API makes
(the same ``require()``, the same audit entries) and renders a template. Every POST checks
the form's CSRF token and Origin. What an agency disclosed is shown only on its own page,
which records the read for that agency, as the API does.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hub.agencies.schemas import PersonAgencyCheckOut
from hub.auth.principal import Principal
from hub.db import SessionDep, utcnow
from hub.dependencies import CalendarDep, CheckPolicyDep, KeyringDep, SettingsDep
from hub.enquiries import checks, disclosures
from hub.enquiries import service as enquiries
from hub.enquiries import workspace as casework
from hub.enquiries.schemas import EnquiryIn
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.policy import decision_point
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.products import service as products
from hub.web.dependencies import PagePerson, PageRequestPerson
from hub.web.enquiries import wording
from hub.web.enquiries.forms import CheckRequestForm, DecisionForm, FieldError, ProductForm
from hub.web.people import ROLE_NAMES, TEAM_NAMES
from hub.web.security import check_csrf, check_origin
from hub.web.templating import render

router = APIRouter(prefix="/enquiries", include_in_schema=False)

Text = Annotated[str, Form(max_length=20000)]
Short = Annotated[str, Form(max_length=200)]
Many = Annotated[list[str], Form()]


def _shell(**context: object) -> dict[str, object]:
    return {
        "role_names": ROLE_NAMES,
        "team_names": TEAM_NAMES,
        "w": wording,
        **context,
    }


def _to_sign_in() -> Response:
    return RedirectResponse("/", status_code=303)


def _posted_by(request: Request, person: PageRequestPerson, csrf_token: str) -> Principal | None:
    """The person sending a form, once its Origin and CSRF token are checked."""
    check_origin(request)
    if person.signed_in is None:
        return None
    check_csrf(person.signed_in.csrf_token, csrf_token)
    return person.signed_in.principal


def _errors(errors: list[FieldError]) -> dict[str, Any]:
    return {
        "errors": {e.field_id: e.message for e in errors},
        "error_list": [{"text": e.message, "href": f"#{e.field_id}"} for e in errors],
    }


@router.get("")
def enquiry_list(
    request: Request, session: SessionDep, person: PagePerson, settings: SettingsDep
) -> Response:
    if person.signed_in is None:
        return _to_sign_in()
    now = utcnow()
    found = casework.enquiry_list(
        session,
        person.signed_in.principal,
        now=now,
        acknowledge_within=timedelta(hours=settings.acknowledge_hours),
    )
    return render(
        request,
        "enquiries/list.html",
        _shell(
            title="Enquiries",
            enquiries=found.open,
            awaiting=found.awaiting,
            sent=found.sent,
            acknowledge_within=found.acknowledge_within,
        ),
    )


@router.post("")
def open_enquiry(
    request: Request,
    session: SessionDep,
    person: PagePerson,
    csrf_token: Short = "",
    contact_id: Short = "",
) -> Response:
    """Open an enquiry on a contact screened for one, and go to its workspace."""
    principal = _posted_by(request, person, csrf_token)
    if principal is None:
        return _to_sign_in()
    try:
        chosen = uuid.UUID(contact_id)
    except ValueError:
        raise NotFound() from None
    try:
        opened = enquiries.open_enquiry(session, principal, EnquiryIn(contact_id=chosen))
    except Conflict as refused:
        if refused.code == "enquiry_exists":
            existing = enquiries.existing_enquiry_of(session, principal, chosen)
            return RedirectResponse(f"/enquiries/{existing}", status_code=303)
        return render(
            request,
            "error.html",
            _shell(
                title="This contact is not ready for an enquiry",
                message="Its screening must end with the decision to make a MASH enquiry "
                "before one is opened.",
                link={"href": "/", "text": "Go to the screening board"},
            ),
            status_code=409,
        )
    return RedirectResponse(f"/enquiries/{opened.id}", status_code=303)


def _workspace_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    enquiry_id: uuid.UUID,
    *,
    keyring: KeyringDep,
    calendar: CalendarDep,
    settings: SettingsDep,
    matched: list[PersonAgencyCheckOut] | None = None,
    errors: list[FieldError] | None = None,
    typed: dict[str, Any] | None = None,
) -> Response:
    workspace = casework.enquiry_workspace(
        session,
        principal,
        enquiry_id,
        keyring=keyring,
        calendar=calendar,
        rota_start=settings.rota_start,
        now=utcnow(),
    )
    asked = {c.agency for c in workspace.checks}
    product = workspace.product
    product_resource = Resource(Kind.information_product, id=str(product.id) if product else None)

    def may(action: Action, kind: Kind) -> bool:
        return decision_point.may(principal, action, Resource(kind))

    context = _shell(
        title=f"Enquiry {workspace.enquiry.contact_reference}",
        workspace=workspace,
        matched=matched,
        agencies_to_ask=[a for a in settings.agencies if a not in asked],
        agency_choices={a: wording.agency_name(a) for a in settings.agencies if a not in asked},
        team_choices={t: TEAM_NAMES.get(t, t) for t in settings.teams},
        may_match=may(Action.run, Kind.agency_match),
        may_ask=may(Action.create, Kind.check_request),
        may_compile=may(Action.create, Kind.information_product),
        may_authorise=decision_point.may(principal, Action.authorise, product_resource),
        may_send=decision_point.may(principal, Action.disseminate, product_resource),
        shared_kinds=casework.SHARED_KINDS,
        typed=typed or {},
        **_errors(errors or []),
    )
    return render(request, "enquiries/workspace.html", context)


@router.get("/{enquiry_id}")
def workspace(
    enquiry_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    settings: SettingsDep,
) -> Response:
    if person.signed_in is None:
        return _to_sign_in()
    return _workspace_page(
        request,
        session,
        person.signed_in.principal,
        enquiry_id,
        keyring=keyring,
        calendar=calendar,
        settings=settings,
    )


@router.post("/{enquiry_id}/agency-check")
def agency_match(
    enquiry_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    settings: SettingsDep,
    csrf_token: Short = "",
) -> Response:
    """Which agencies know each person: shown at once, kept nowhere but the audit log."""
    principal = _posted_by(request, person, csrf_token)
    if principal is None:
        return _to_sign_in()
    matched = enquiries.agency_checks(session, principal, enquiry_id, keyring=keyring)
    return _workspace_page(
        request,
        session,
        principal,
        enquiry_id,
        keyring=keyring,
        calendar=calendar,
        settings=settings,
        matched=matched,
    )


@router.post("/{enquiry_id}/checks")
def request_checks(
    enquiry_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    check_policy: CheckPolicyDep,
    settings: SettingsDep,
    csrf_token: Short = "",
    agencies: Many = [],  # noqa: B006 (FastAPI copies a form field's default)
    question: Text = "",
) -> Response:
    principal = _posted_by(request, person, csrf_token)
    if principal is None:
        return _to_sign_in()
    form = CheckRequestForm(agencies=agencies, question=question)
    payload, errors = form.check(settings.agencies)
    if payload is not None:
        try:
            checks.request_checks(
                session,
                principal,
                enquiry_id,
                payload,
                keyring=keyring,
                calendar=calendar,
                known_agencies=settings.agencies,
                check_policy=check_policy,
            )
            return RedirectResponse(f"/enquiries/{enquiry_id}#checks", status_code=303)
        except (Conflict, Unprocessable) as refused:
            errors = [FieldError("agencies", refused.detail)]
    return _workspace_page(
        request,
        session,
        principal,
        enquiry_id,
        keyring=keyring,
        calendar=calendar,
        settings=settings,
        errors=errors,
        typed={"checks": form},
    )


@router.get("/{enquiry_id}/disclosures/{disclosure_id}")
def disclosure(
    enquiry_id: uuid.UUID,
    disclosure_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
) -> Response:
    """What one agency disclosed: opening it is a read on that agency's record."""
    if person.signed_in is None:
        return _to_sign_in()
    enquiry = enquiries.read_enquiry(session, person.signed_in.principal, enquiry_id)
    opened = disclosures.read_disclosure(
        session, person.signed_in.principal, disclosure_id, keyring=keyring, enquiry_id=enquiry_id
    )
    return render(
        request,
        "enquiries/disclosure.html",
        _shell(
            title=f"What {wording.agency_name(opened.agency)} said",
            enquiry=enquiry,
            disclosure=opened,
        ),
    )


@router.post("/{enquiry_id}/product")
def compile_product(
    enquiry_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    settings: SettingsDep,
    csrf_token: Short = "",
    disclosure_ids: Many = [],  # noqa: B006 (FastAPI copies a form field's default)
    analysis: Text = "",
    proposed_outcome: Short = "",
    receiving_team: Short = "",
    team_reason: Text = "",
) -> Response:
    principal = _posted_by(request, person, csrf_token)
    if principal is None:
        return _to_sign_in()
    form = ProductForm(
        disclosure_ids=disclosure_ids,
        analysis=analysis,
        proposed_outcome=proposed_outcome,
        receiving_team=receiving_team,
        team_reason=team_reason,
    )
    payload, errors = form.check(settings.teams)
    if payload is not None:
        try:
            products.compile_product(
                session,
                principal,
                enquiry_id,
                payload,
                keyring=keyring,
                calendar=calendar,
                rota_start=settings.rota_start,
                known_teams=settings.teams,
            )
            return RedirectResponse(f"/enquiries/{enquiry_id}#product", status_code=303)
        except Unprocessable as refused:
            field = "team_reason" if refused.code == "team_reason_required" else "disclosure_ids"
            errors = [FieldError(field, refused.detail)]
        except Conflict as refused:
            errors = [FieldError("analysis", refused.detail)]
    return _workspace_page(
        request,
        session,
        principal,
        enquiry_id,
        keyring=keyring,
        calendar=calendar,
        settings=settings,
        errors=errors,
        typed={"product": form},
    )


@router.get("/{enquiry_id}/product/{product_id}")
def product(
    enquiry_id: uuid.UUID,
    product_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
) -> Response:
    """The product as the receiving team will read it; each disclosure in it is a read."""
    if person.signed_in is None:
        return _to_sign_in()
    enquiry = enquiries.read_enquiry(session, person.signed_in.principal, enquiry_id)
    whole = products.read_product(
        session, person.signed_in.principal, product_id, keyring=keyring, enquiry_id=enquiry_id
    )
    return render(
        request,
        "enquiries/product.html",
        _shell(title=f"Information product {whole.reference}", enquiry=enquiry, product=whole),
    )


@router.post("/{enquiry_id}/product/{product_id}/decision")
def decide(
    enquiry_id: uuid.UUID,
    product_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    settings: SettingsDep,
    csrf_token: Short = "",
    decision: Short = "",
    reason: Text = "",
) -> Response:
    """A manager authorises the product, or returns it to the social worker with a reason."""
    principal = _posted_by(request, person, csrf_token)
    if principal is None:
        return _to_sign_in()
    form = DecisionForm(decision=decision, reason=reason)
    payload, errors = form.check()
    if payload is not None:
        try:
            products.authorise_product(session, principal, product_id, payload, keyring=keyring)
            return RedirectResponse(f"/enquiries/{enquiry_id}#product", status_code=303)
        except Conflict as refused:
            errors = [FieldError("decision", refused.detail)]
    return _workspace_page(
        request,
        session,
        principal,
        enquiry_id,
        keyring=keyring,
        calendar=calendar,
        settings=settings,
        errors=errors,
        typed={"decision": form},
    )


@router.post("/{enquiry_id}/product/{product_id}/send")
def send(
    enquiry_id: uuid.UUID,
    product_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    csrf_token: Short = "",
) -> Response:
    """A manager sends the authorised product to its receiving team; the enquiry closes."""
    principal = _posted_by(request, person, csrf_token)
    if principal is None:
        return _to_sign_in()
    products.disseminate_product(session, principal, product_id, keyring=keyring)
    return RedirectResponse(f"/enquiries/{enquiry_id}#product", status_code=303)

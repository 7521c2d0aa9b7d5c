"""What every agency page needs: the representative behind the request, the form checks,
and the page shell's context."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from hub.auth.principal import Principal
from hub.policy.decision_point import require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.web.dependencies import PageRequestPerson
from hub.web.people import ROLE_NAMES, TEAM_NAMES
from hub.web.security import check_csrf, check_origin
from hub.web.templating import render

SIGN_IN_FIRST = "/"


def representative(person: PageRequestPerson) -> Principal | None:
    """The signed-in person whose agency's page this is; None when nobody is signed in
    (the route sends them to sign in).

    Whether someone acts for an agency is the firewall's answer to "may they answer their
    own agency's check requests": only an agency's representatives may. Anyone else is
    refused at the decision point, which records the attempt (hub staff, who may see every
    check request, get 403; people who may see none get 404).
    """
    if person.signed_in is None:
        return None
    principal = person.signed_in.principal
    require(principal, Action.respond, Resource(Kind.check_request, owner=principal.agency or ""))
    return principal


def sign_in_first() -> Response:
    return RedirectResponse(SIGN_IN_FIRST, status_code=303)


def check_form(request: Request, person: PageRequestPerson, form: FormData) -> None:
    """A state-changing form: from this site, with this session's CSRF token."""
    check_origin(request)
    assert person.signed_in is not None
    token = form.get("csrf_token")
    check_csrf(person.signed_in.csrf_token, token if isinstance(token, str) else None)


def page(request: Request, template: str, title: str, **context: Any) -> Response:
    errors = context.pop("errors", None) or []
    return render(
        request,
        template,
        {
            "title": title,
            "role_names": ROLE_NAMES,
            "team_names": TEAM_NAMES,
            "errors": {e.field_id: e.message for e in errors},
            "error_list": [{"text": e.message, "href": f"#{e.field_id}"} for e in errors],
            **context,
        },
    )

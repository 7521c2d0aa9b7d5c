"""The signed-in shell: signing in and out, and each person's home page.

Pages are the web face of the same services as the API: a page route takes the person's
``Principal`` from their session (as an API route takes it from a bearer token), makes one
service call, which goes through ``require()`` and writes the same audit entries, and
renders a template. A route that changes anything checks the form's CSRF token and Origin.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hub.auth.claims import ClaimsMapping, ClaimsRefused, Refusal
from hub.auth.oidc import IdentityProvider, SignInFailed
from hub.db import SessionDep, utcnow
from hub.dependencies import KeyringDep
from hub.kit.errors import NotFound
from hub.policy import decision_point
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.web import sessions
from hub.web.board import endpoints as board
from hub.web.dependencies import (
    SIGN_IN_COOKIE,
    PagePerson,
    clear_session_cookie,
    set_session_cookie,
)
from hub.web.navigation import navigation_for
from hub.web.people import ROLE_NAMES, TEAM_NAMES, demo_people
from hub.web.security import FormTokens, check_csrf, check_origin
from hub.web.templating import render

router = APIRouter(include_in_schema=False)

DEV_SIGN_IN_FORM = "dev-sign-in"
REFUSALS = {
    Refusal.no_role: "Your account does not give you a role in the MASH hub.",
    Refusal.conflicting_roles: "Your account gives you more than one role in the MASH hub, "
    "and the hub will not choose between them.",
    Refusal.no_subject: "The sign-in service did not say who you are.",
}


def _shell(**context: object) -> dict[str, object]:
    return {"role_names": ROLE_NAMES, "team_names": TEAM_NAMES, **context}


@router.get("/")
def home(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    if person.signed_in is None:
        return _sign_in_page(request, expired=person.expired)
    principal = person.signed_in.principal
    # Whoever may list contacts (the firewall says: hub staff) starts on the board.
    if decision_point.may(principal, Action.list, Resource(Kind.contact)):
        return board.board_page(request, session, keyring)
    # Everyone else starts on the first page the firewall offers them: an agency's check
    # requests, a team's products, a referrer's referrals, the IG or the administration pages.
    offered = navigation_for(principal, request.url.path)
    if offered:
        return RedirectResponse(str(offered[0]["href"]), status_code=303)
    return render(request, "home/welcome.html", _shell(title="Your MASH hub home"))


def _sign_in_page(request: Request, *, expired: bool) -> Response:
    settings = request.app.state.settings
    if settings.dev_mode:
        tokens: FormTokens = request.app.state.form_tokens
        response = render(
            request,
            "signin/dev.html",
            _shell(
                title="Sign in as a demo person",
                people=demo_people(settings.agencies, settings.teams),
                form_token=tokens.issue(DEV_SIGN_IN_FORM),
                expired=expired,
                can_sign_in=request.app.state.identity_provider is not None,
            ),
        )
    else:
        response = render(
            request,
            "signin/start.html",
            _shell(
                title="Sign in",
                expired=expired,
                can_sign_in=request.app.state.identity_provider is not None,
            ),
        )
    if expired:
        clear_session_cookie(request, response)
    return response


@router.get("/dev/sign-in")
def dev_sign_in_page(request: Request, person: PagePerson) -> Response:
    if not request.app.state.settings.dev_mode:
        raise NotFound()
    return _sign_in_page(request, expired=False)


@router.post("/dev/sign-in")
def dev_sign_in(
    request: Request,
    session: SessionDep,
    form_token: Annotated[str, Form(max_length=500)] = "",
    person_key: Annotated[str, Form(alias="person", max_length=100)] = "",
) -> Response:
    """Dev mode only: one click signs in as a demo person. Outside dev mode this is 404."""
    settings = request.app.state.settings
    if not settings.dev_mode:
        raise NotFound()
    check_origin(request)
    request.app.state.form_tokens.key_of(form_token, DEV_SIGN_IN_FORM)
    chosen = next(
        (p for p in demo_people(settings.agencies, settings.teams) if p.key == person_key), None
    )
    if chosen is None:
        raise NotFound()
    raw_id = sessions.start(session, chosen.principal, display_name=chosen.name, now=utcnow())
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, raw_id)
    return response


@router.get("/sign-in")
async def sign_in(request: Request, session: SessionDep) -> Response:
    """Off to the council's identity provider, with state, nonce and a PKCE challenge."""
    provider: IdentityProvider | None = request.app.state.identity_provider
    if provider is None:
        raise NotFound()
    started = await provider.start(str(request.url_for("sign_in_callback")))
    raw_id = sessions.begin_sign_in(session, started.held, now=utcnow())
    response = RedirectResponse(started.url, status_code=302)
    response.set_cookie(
        SIGN_IN_COOKIE,
        raw_id,
        max_age=int(sessions.SIGN_IN_LIFETIME.total_seconds()),
        httponly=True,
        secure=request.app.state.session_rules.secure,
        samesite="lax",
        path="/sign-in",
    )
    return response


@router.get("/sign-in/callback", name="sign_in_callback")
async def sign_in_callback(
    request: Request,
    session: SessionDep,
    state: str | None = None,
    code: str | None = None,
) -> Response:
    provider: IdentityProvider | None = request.app.state.identity_provider
    if provider is None:
        raise NotFound()
    raw_id = request.cookies.get(SIGN_IN_COOKIE)
    held = sessions.take_sign_in(session, raw_id, now=utcnow()) if raw_id else None
    if held is None:
        return _refused(request, session, None, "no_sign_in_in_progress")
    try:
        answered = await provider.finish(held, state=state, code=code)
    except SignInFailed as failed:
        return _refused(request, session, None, failed.reason)
    mapping: ClaimsMapping = request.app.state.claims_mapping
    try:
        principal = mapping.principal(answered.claims)
    except ClaimsRefused as refused:
        subject = answered.claims.get("sub")
        return _refused(
            request,
            session,
            subject if isinstance(subject, str) else None,
            str(refused.reason),
            message=REFUSALS[refused.reason],
        )
    name = answered.claims.get("name") or answered.claims.get("preferred_username") or ""
    raw_session = sessions.start(
        session,
        principal,
        display_name=str(name)[:200] or principal.sub,
        now=utcnow(),
        id_token=answered.id_token,
    )
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, raw_session)
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


def _refused(
    request: Request,
    session: SessionDep,
    subject: str | None,
    reason: str,
    *,
    message: str = "The sign-in did not work. It may have expired or been used already.",
) -> Response:
    sessions.record_refused(session, subject, reason[:200])
    response = render(
        request,
        "signin/refused.html",
        _shell(title="You cannot sign in", message=message),
        status_code=403,
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
async def sign_out(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_origin(request)
    rules = request.app.state.session_rules
    raw_id = request.cookies.get(rules.cookie_name)
    signed_in = sessions.current(session, raw_id, rules, now=utcnow()) if raw_id else None
    if isinstance(signed_in, sessions.SignedIn):
        check_csrf(signed_in.csrf_token, csrf_token)
        sessions.end(session, raw_id or "")
    provider: IdentityProvider | None = request.app.state.identity_provider
    after = str(request.url_for("signed_out"))
    where = None
    if provider is not None and isinstance(signed_in, sessions.SignedIn) and signed_in.id_token:
        where = await provider.end_session_url(id_token=signed_in.id_token, after=after)
    response = RedirectResponse(where or after, status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/signed-out", name="signed_out")
def signed_out(request: Request) -> Response:
    return render(request, "signin/signed_out.html", _shell(title="You have signed out"))

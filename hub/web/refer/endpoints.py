"""The public Contact and Referral form at /refer.

The one deliberate exception to "signed in by default": anyone may tell the council they
are worried about a child. A professional who is signed in gets their details filled in
and the contact is recorded as theirs. Sending calls the same contacts service as
``POST /api/v1/contacts``, under the same firewall rule, with the same audit entry, the
same rate limit for the public, and the form token's key as the idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from hub.auth.principal import Principal
from hub.contacts import service as contacts
from hub.contacts.dependencies import ContactRecordedDep
from hub.db import SessionDep
from hub.dependencies import KeyringDep, PublicRateLimiterDep
from hub.kit.errors import Conflict, TooManyRequests
from hub.web.dependencies import PagePerson, PageRequestPerson
from hub.web.people import ROLE_NAMES, TEAM_NAMES
from hub.web.refer.forms import (
    CONSENT,
    ETHNICITIES,
    MAX_ADULTS,
    MAX_CHILDREN,
    PROFESSIONAL_SOURCES,
    PUBLIC_SOURCES,
    SEXES,
    WORRIES,
    AdultAnswers,
    ChildAnswers,
    FieldError,
    ReferralAnswers,
)
from hub.web.security import FormExpired, FormRefused, FormTokens, check_csrf, check_origin
from hub.web.templating import render

router = APIRouter(prefix="/refer", include_in_schema=False)

FORM = "refer"
SERVICE_NAME = "Tell us you are worried about a child"


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    settings = request.app.state.settings
    return {
        "service_name": SERVICE_NAME,
        "service_url": "/refer",
        "daytime_phone": settings.daytime_phone,
        "out_of_hours_phone": settings.out_of_hours_phone,
        "public_sources": PUBLIC_SOURCES,
        "professional_sources": PROFESSIONAL_SOURCES,
        "all_sources": {**PUBLIC_SOURCES, **PROFESSIONAL_SOURCES},
        "worry_names": WORRIES,
        "consent_names": CONSENT,
        "sexes": SEXES,
        "ethnicities": ETHNICITIES,
        "role_names": ROLE_NAMES,
        "team_names": TEAM_NAMES,
        **extra,
    }


def _answers_page(
    request: Request,
    template: str,
    title: str,
    answers: ReferralAnswers,
    form_token: str,
    errors: list[FieldError] | None,
    *,
    was_signed_in: bool,
    **extra: object,
) -> Response:
    """A page of the form's answers: the questions, or the answers to check."""
    errors = errors or []
    return render(
        request,
        template,
        _context(
            request,
            title=title,
            answers=answers,
            form_token=form_token,
            errors={e.field_id: e.message for e in errors},
            error_list=[{"text": e.message, "href": f"#{e.field_id}"} for e in errors],
            was_signed_in=was_signed_in or getattr(request.state, "signed_in", None) is not None,
            **extra,
        ),
    )


def _form_page(
    request: Request,
    answers: ReferralAnswers,
    form_token: str,
    errors: list[FieldError] | None = None,
    *,
    was_signed_in: bool = False,
) -> Response:
    return _answers_page(
        request,
        "refer/form.html",
        "Tell us you are worried about a child",
        answers,
        form_token,
        errors,
        was_signed_in=was_signed_in,
        max_children=MAX_CHILDREN,
        max_adults=MAX_ADULTS,
    )


def _check_page(
    request: Request,
    answers: ReferralAnswers,
    form_token: str,
    errors: list[FieldError] | None = None,
    *,
    was_signed_in: bool = False,
) -> Response:
    return _answers_page(
        request,
        "refer/check.html",
        "Check your answers before sending them",
        answers,
        form_token,
        errors,
        was_signed_in=was_signed_in,
    )


def _prefilled(person: PageRequestPerson) -> ReferralAnswers:
    if person.signed_in is None:
        return ReferralAnswers()
    return ReferralAnswers(referrer_name=person.signed_in.display_name)


def _principal(person: PageRequestPerson) -> Principal:
    return person.signed_in.principal if person.signed_in else Principal.public()


SESSION_ENDED = FieldError(
    "sign-in-again",
    "You were signed out because your session ended, so nothing has been sent. "
    "Sign in again in a new tab, then come back here: your answers are kept on this page.",
)
PAGE_WAS_OLD = FieldError(
    "main-content",
    "This page was open for a long time, so nothing has been sent. "
    "Check your answers, then continue.",
)
SIGNED_IN_AGAIN = FieldError("send", "You have signed in again. Check your answers, then send.")


@dataclass(frozen=True, slots=True)
class Submitted:
    answers: ReferralAnswers
    form_token: str
    idempotency_key: str
    action: str
    csrf_token: str
    # The page was shown to a signed-in person: sending it needs them signed in still.
    was_signed_in: bool
    # The form token is genuine but past its lifetime: show the answers again, send nothing.
    expired: bool


async def _submitted(request: Request) -> Submitted:
    """The answers as typed; refuses a forged or stale form, or one from another site."""
    check_origin(request)
    form = await request.form()
    token = form.get("form_token")
    tokens: FormTokens = request.app.state.form_tokens
    try:
        key = tokens.key_of(token if isinstance(token, str) else None, FORM)
        expired = False
    except FormExpired:
        key, expired = "", True

    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    return Submitted(
        ReferralAnswers.from_form(form),
        str(token),
        key,
        text("action"),
        text("csrf_token"),
        text("was_signed_in") == "yes",
        expired,
    )


def _answers_again(request: Request, submitted: Submitted) -> Response:
    """A page open past its form token's lifetime: the answers again, with a fresh token."""
    tokens: FormTokens = request.app.state.form_tokens
    return _form_page(
        request,
        submitted.answers,
        tokens.issue(FORM),
        [PAGE_WAS_OLD],
        was_signed_in=submitted.was_signed_in,
    )


def _session_ended(submitted: Submitted, person: PageRequestPerson) -> bool:
    return submitted.was_signed_in and person.signed_in is None


@router.get("")
def referral_form(request: Request, person: PagePerson) -> Response:
    tokens: FormTokens = request.app.state.form_tokens
    return _form_page(request, _prefilled(person), tokens.issue(FORM))


@router.post("")
async def referral_form_answered(request: Request, person: PagePerson) -> Response:
    """Add another child or person, go back to change answers, or continue to check them."""
    submitted = await _submitted(request)
    answers, token, action = submitted.answers, submitted.form_token, submitted.action
    if submitted.expired:
        return _answers_again(request, submitted)
    if _session_ended(submitted, person):
        return _form_page(request, answers, token, [SESSION_ENDED], was_signed_in=True)
    if action == "add_child" and len(answers.children) < MAX_CHILDREN:
        answers.children.append(ChildAnswers())
        return _form_page(request, answers, token)
    if action == "add_adult" and len(answers.adults) < MAX_ADULTS:
        answers.adults.append(AdultAnswers())
        return _form_page(request, answers, token)
    if action == "change":
        return _form_page(request, answers, token)
    _, errors = answers.check()
    if errors:
        return _form_page(request, answers, token, errors)
    return _check_page(request, answers, token)


@router.post("/send")
async def referral_sent(
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    contact_recorded: ContactRecordedDep,
    limiter: PublicRateLimiterDep,
) -> Response:
    submitted = await _submitted(request)
    answers, token = submitted.answers, submitted.form_token
    if submitted.expired:
        return _answers_again(request, submitted)
    contact_in, errors = answers.check()
    if contact_in is None:
        return _form_page(request, answers, token, errors)
    if _session_ended(submitted, person):
        # Sending now would record a professional's contact as an anonymous one.
        return _check_page(request, answers, token, [SESSION_ENDED], was_signed_in=True)
    if person.signed_in is not None:
        try:
            check_csrf(person.signed_in.csrf_token, submitted.csrf_token)
        except FormRefused:
            # Not sent. The page comes back with this session's token (as after signing in
            # again in another tab), so the person can check it and send it themselves.
            return _check_page(request, answers, token, [SIGNED_IN_AGAIN])
    principal = _principal(person)
    if principal.is_public:
        try:
            limiter.check(request.client.host if request.client else "unknown")
        except TooManyRequests:
            wait = FieldError(
                "send", "Too many forms have been sent from here. Wait a minute, then send again."
            )
            return _check_page(request, answers, token, [wait])
    try:
        contact = await run_in_threadpool(
            contacts.create_contact,
            session,
            principal,
            contact_in,
            keyring=keyring,
            on_recorded=contact_recorded,
            idempotency_key=submitted.idempotency_key,
        )
    except Conflict:
        return render(
            request,
            "error.html",
            _context(
                request,
                title="You have already sent this form",
                message="We have what you sent the first time. To tell us something new, "
                "start a new form.",
                link={"href": "/refer", "text": "Start a new form"},
            ),
            status_code=409,
        )
    return render(
        request,
        "refer/sent.html",
        _context(request, title="We have your concern", reference=contact.reference),
    )


@router.get("/privacy")
def privacy_notice(request: Request, person: PagePerson) -> Response:
    return render(
        request,
        "refer/privacy.html",
        _context(request, title="How we use what you tell us"),
    )

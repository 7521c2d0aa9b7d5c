"""Intake at the hub's desk: a contact taken by phone or email, and the day's police
domestic abuse notifications uploaded as a CSV file.

A contact goes through the contacts service exactly as ``POST /api/v1/contacts`` does, with
the form token's key as its idempotency key (a double click or a resubmitted page records
one contact). The upload is checked row by row by the same importer as ``mash-hub triage
import``; the rows that are right are stored through the same service as
``POST /api/v1/da-notifications``, and the rows that are not are named by line and column,
never by what they hold. Uploading the corrected file again adds only what is new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from hub.auth.principal import Principal
from hub.contacts import service as contacts
from hub.contacts.dependencies import ContactRecordedDep
from hub.db import SessionDep
from hub.dependencies import KeyringDep
from hub.keys.service import Keyring
from hub.kit.csvfile import CsvFileError
from hub.kit.errors import Conflict
from hub.policy import decision_point
from hub.policy.decision_point import require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.triage import importer
from hub.triage import service as triage
from hub.triage.schemas import MAX_BATCH, DaNotificationIn
from hub.triage.service import Problem
from hub.web.dependencies import PagePerson
from hub.web.desk.forms import (
    CALLER_CONSENT,
    CALLER_PROFESSIONAL_SOURCES,
    CALLER_PUBLIC_SOURCES,
    CHANNELS,
    ContactTakenAnswers,
)
from hub.web.desk.pages import checked_form, errors_context, form_text, shell, to_sign_in
from hub.web.refer.forms import (
    ETHNICITIES,
    MAX_ADULTS,
    MAX_CHILDREN,
    SEXES,
    WORRIES,
    AdultAnswers,
    ChildAnswers,
    FieldError,
)
from hub.web.security import FormExpired, FormRefused, FormTokens, check_csrf, check_origin
from hub.web.templating import render

router = APIRouter(prefix="/intake", include_in_schema=False)

CONTACT_FORM = "desk-contact"
PAGE_WAS_OLD = FieldError(
    "main-content",
    "This page was open for a long time, so nothing has been recorded. "
    "Check the answers, then record the contact.",
)
SESSION_ENDED = FieldError(
    "sign-in-again",
    "You were signed out because your session ended, so nothing has been recorded. "
    "Sign in again in a new tab, then come back here: what you typed is kept on this page.",
)
SIGNED_IN_AGAIN = FieldError(
    "main-content", "You have signed in again. Check the answers, then record the contact."
)
_CONTACT = Resource(Kind.contact)
_NOTIFICATIONS = Resource(Kind.da_notification)


# --- a contact taken by phone or email -----------------------------------------------------------


def _contact_page(
    request: Request,
    answers: ContactTakenAnswers,
    form_token: str,
    errors: list[FieldError] | None = None,
) -> Response:
    return render(
        request,
        "desk/contact_form.html",
        shell(
            title="Record a contact",
            answers=answers,
            form_token=form_token,
            channels=CHANNELS,
            public_sources=CALLER_PUBLIC_SOURCES,
            professional_sources=CALLER_PROFESSIONAL_SOURCES,
            worry_names=WORRIES,
            consent_names=CALLER_CONSENT,
            sexes=SEXES,
            ethnicities=ETHNICITIES,
            max_children=MAX_CHILDREN,
            max_adults=MAX_ADULTS,
            **errors_context({e.field_id: e.message for e in errors or []}),
        ),
    )


@router.get("/contact")
def contact_form(request: Request, session: SessionDep, person: PagePerson) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    require(person.signed_in.principal, Action.create, _CONTACT)
    tokens: FormTokens = request.app.state.form_tokens
    return _contact_page(request, ContactTakenAnswers(), tokens.issue(CONTACT_FORM))


@router.post("/contact")
async def contact_taken(
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    contact_recorded: ContactRecordedDep,
) -> Response:
    """Add a child or a person, or record the contact and show its reference.

    A long call can outlast the session. The form's own signed token shows the page is
    ours, so what was typed comes back (it is only what this browser just sent), nothing
    is recorded, and the officer signs in again in another tab and records it then.
    """
    check_origin(request)
    form = await request.form()
    token = form_text(form, "form_token", most=500)
    tokens: FormTokens = request.app.state.form_tokens
    answers = ContactTakenAnswers.from_form(form)
    try:
        idempotency_key = tokens.key_of(token, CONTACT_FORM)
    except FormExpired:
        # Open for hours: nothing is recorded, and nothing typed is lost.
        return _contact_page(request, answers, tokens.issue(CONTACT_FORM), [PAGE_WAS_OLD])
    if person.signed_in is None:
        return _contact_page(request, answers, token, [SESSION_ENDED])
    try:
        check_csrf(person.signed_in.csrf_token, form_text(form, "csrf_token", most=200))
    except FormRefused:
        # Signed in again since the page was shown: it comes back with this session's token.
        return _contact_page(request, answers, token, [SIGNED_IN_AGAIN])
    action = form.get("action")
    if action == "add_child" and len(answers.children) < MAX_CHILDREN:
        answers.children.append(ChildAnswers())
        return _contact_page(request, answers, token)
    if action == "add_adult" and len(answers.adults) < MAX_ADULTS:
        answers.adults.append(AdultAnswers())
        return _contact_page(request, answers, token)
    contact_in, errors = answers.check_taken()
    if contact_in is None:
        return _contact_page(request, answers, token, errors)
    try:
        contact = await run_in_threadpool(
            contacts.create_contact,
            session,
            person.signed_in.principal,
            contact_in,
            keyring=keyring,
            on_recorded=contact_recorded,
            idempotency_key=idempotency_key,
        )
    except Conflict:
        return render(
            request,
            "error.html",
            shell(
                title="This contact was already recorded",
                message="This form was sent before with other answers, and the first answers "
                "were kept. To record something new, start a new contact.",
                link={"href": "/intake/contact", "text": "Record a new contact"},
            ),
            status_code=409,
        )
    return render(
        request,
        "desk/contact_recorded.html",
        shell(
            title="Contact recorded",
            reference=contact.reference,
            channel=CHANNELS[answers.channel],
        ),
    )


# --- the day's police notifications --------------------------------------------------------------


@dataclass
class UploadResult:
    rows: int = 0
    created: int = 0
    high_risk: int = 0
    already_received: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({p.position for p in self.problems})


def _upload_page(request: Request, errors: dict[str, str] | None = None) -> Response:
    return render(
        request,
        "desk/notifications_upload.html",
        shell(
            title="Upload police notifications",
            required_columns=importer.REQUIRED_COLUMNS,
            **errors_context(errors or {}),
        ),
    )


@router.get("/notifications")
def notifications_form(request: Request, session: SessionDep, person: PagePerson) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    require(person.signed_in.principal, Action.create, _NOTIFICATIONS)
    return _upload_page(request)


def _store_upload(
    session: Session, principal: Principal, keyring: Keyring, checked: importer.CheckedFile
) -> UploadResult:
    """Store the rows that are right; name the rest (and rows that clash with what is held)."""
    result = UploadResult(rows=checked.rows, problems=list(checked.problems))
    result.problems += triage.check_notifications(session, keyring, checked.valid())
    bad = {p.position for p in result.problems}
    valid: list[tuple[int, DaNotificationIn]] = [
        (line, n) for line, n in checked.notifications if line not in bad
    ]
    for start in range(0, len(valid), MAX_BATCH):
        receipt = triage.receive_notifications(
            session, principal, valid[start : start + MAX_BATCH], keyring=keyring, label="line"
        )
        result.created += receipt.created
        result.already_received += receipt.already_received
        result.high_risk += sum(1 for i in receipt.items if i.status == "created" and i.marac_flag)
    result.problems.sort(key=lambda p: (p.position, p.field))
    return result


@router.post("/notifications")
async def notifications_uploaded(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    principal = person.signed_in.principal
    form = await checked_form(request, person.signed_in)
    require(principal, Action.create, _NOTIFICATIONS)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _upload_page(request, {"file": "Select the CSV file of police notifications"})
    content = await upload.read()
    try:
        checked = await run_in_threadpool(importer.check_upload, content)
    except CsvFileError as error:
        return _upload_page(request, {"file": f"The file cannot be used. {error.detail}"})
    if checked.rows == 0:
        return _upload_page(request, {"file": "The file has a header but no notifications"})
    result = await run_in_threadpool(_store_upload, session, principal, keyring, checked)
    context: dict[str, Any] = shell(
        title="Police notifications uploaded",
        result=result,
        may_triage=decision_point.may(principal, Action.list, _NOTIFICATIONS),
    )
    return render(request, "desk/notifications_uploaded.html", context)

"""The daily domestic abuse triage: the police notifications waiting, the day's list high
risk first with its MARAC flags, and the meeting's outcome for each, with its reason. A
referral to the MASH makes a contact through the front door's own service."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from hub.contacts.dependencies import ContactRecordedDep
from hub.db import SessionDep, rollback_request
from hub.dependencies import KeyringDep
from hub.kit.errors import Conflict, NotFound
from hub.policy import decision_point
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.triage import service as triage
from hub.triage.schemas import RISK_ORDER, NotificationDetail
from hub.web.dependencies import PagePerson
from hub.web.desk.forms import CALLER_CONSENT, OUTCOMES, fields_of, outcome_of
from hub.web.desk.pages import checked_form, errors_context, shell, to_sign_in
from hub.web.templating import render

router = APIRouter(prefix="/triage", include_in_schema=False)

WAITING_SHOWN = 200
RISK_NAMES = {"high": "High risk", "medium": "Medium risk", "standard": "Standard risk"}
ROLE_NAMES = {
    "victim": "Victim",
    "alleged_perpetrator": "Alleged perpetrator",
    "other_adult": "Other adult",
}
_NOTIFICATIONS = Resource(Kind.da_notification)


@router.get("")
def triage_list(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    """The open list if there is one; otherwise what is waiting for the next."""
    if person.signed_in is None:
        return to_sign_in()
    principal = person.signed_in.principal
    meetings = triage.list_triage_meetings(session, principal, limit=1)
    latest = meetings[0] if meetings else None
    meeting = (
        triage.read_triage_meeting(session, principal, latest.id, keyring=keyring)
        if latest is not None and latest.closed_at is None
        else None
    )
    waiting = []
    if meeting is None:
        page = triage.list_notifications(
            session,
            principal,
            keyring=keyring,
            cursor=None,
            limit=WAITING_SHOWN,
            awaiting_only=True,
        )
        waiting = sorted(page.items, key=lambda n: (RISK_ORDER[n.risk_level], n.incident_at))
    return render(
        request,
        "desk/triage.html",
        shell(
            title="Domestic abuse triage",
            meeting=meeting,
            last_meeting=latest if meeting is None else None,
            waiting=waiting,
            risk_names=RISK_NAMES,
            outcome_names=OUTCOMES,
            may_open=decision_point.may(principal, Action.update, _NOTIFICATIONS),
            may_upload=decision_point.may(principal, Action.create, _NOTIFICATIONS),
        ),
    )


@router.post("/meetings")
async def open_meeting(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    await checked_form(request, person.signed_in)
    try:
        await run_in_threadpool(
            triage.open_triage_meeting, session, person.signed_in.principal, keyring=keyring
        )
    except Conflict:
        # Someone opened one a moment ago: nothing of this attempt is kept; the page shows theirs.
        await run_in_threadpool(rollback_request, session)
    return RedirectResponse("/triage", status_code=303)


def _item_page(
    request: Request,
    meeting_id: uuid.UUID,
    notification: NotificationDetail,
    answers: dict[str, str],
    errors: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "desk/triage_item.html",
        shell(
            title="Triage outcome",
            meeting_id=meeting_id,
            notification=notification,
            answers=answers,
            risk_names=RISK_NAMES,
            role_names_da=ROLE_NAMES,
            outcome_names=OUTCOMES,
            consent_names=CALLER_CONSENT,
            **errors_context(errors or {}),
        ),
    )


OUTCOME_FIELDS = ("outcome", "reason", "consent", "consent_reason")


@router.get("/{meeting_id}/{notification_id}")
def triage_item(
    request: Request,
    meeting_id: uuid.UUID,
    notification_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    notification = triage.read_notification(
        session, person.signed_in.principal, notification_id, keyring=keyring
    )
    if notification.meeting_id != meeting_id:
        raise NotFound()
    return _item_page(request, meeting_id, notification, dict.fromkeys(OUTCOME_FIELDS, ""))


@router.post("/{meeting_id}/{notification_id}")
async def triage_outcome(
    request: Request,
    meeting_id: uuid.UUID,
    notification_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    contact_recorded: ContactRecordedDep,
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    principal = person.signed_in.principal
    form = await checked_form(request, person.signed_in)
    answers = fields_of(form, OUTCOME_FIELDS)
    outcome, errors = outcome_of(answers)
    if outcome is None:
        notification = await run_in_threadpool(
            triage.read_notification, session, principal, notification_id, keyring=keyring
        )
        return _item_page(request, meeting_id, notification, answers, errors)
    try:
        await run_in_threadpool(
            triage.record_outcome,
            session,
            principal,
            meeting_id,
            notification_id,
            outcome,
            keyring=keyring,
            on_contact_recorded=contact_recorded,
        )
    except Conflict:
        # Already decided (a second click, or a colleague): nothing of this attempt is kept,
        # and the list shows the outcome that stands.
        await run_in_threadpool(rollback_request, session)
    return RedirectResponse("/triage", status_code=303)

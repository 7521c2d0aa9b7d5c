"""Domestic abuse triage routes: thin, one service call each.

Mount under the authenticated parent router (``/api/v1``): every route needs a principal.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from hub.auth.dependencies import CurrentPrincipal
from hub.contacts.dependencies import ContactRecordedDep
from hub.db import SessionDep, TransactionalRoute
from hub.dependencies import KeyringDep
from hub.kit.errors import STANDARD_ERRORS
from hub.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, CursorQuery, Page
from hub.triage import service
from hub.triage.schemas import (
    BatchReceipt,
    DaBatchIn,
    MeetingIn,
    MeetingOut,
    MeetingSummary,
    NotificationDetail,
    NotificationSummary,
    OutcomeIn,
)

router = APIRouter(tags=["domestic abuse triage"], route_class=TransactionalRoute)


@router.post(
    "/da-notifications", status_code=201, response_model=BatchReceipt, responses=STANDARD_ERRORS
)
def receive_notifications(
    payload: DaBatchIn, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> BatchReceipt:
    """A batch of up to 500 police notifications: all stored, or none (422 names each problem)."""
    return service.receive_notifications(
        session,
        principal,
        list(enumerate(payload.notifications)),
        keyring=keyring,
    )


@router.get(
    "/da-notifications", response_model=Page[NotificationSummary], responses=STANDARD_ERRORS
)
def list_notifications(
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    awaiting_outcome: bool = False,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[NotificationSummary]:
    return service.list_notifications(
        session,
        principal,
        keyring=keyring,
        cursor=cursor,
        limit=limit,
        awaiting_only=awaiting_outcome,
    )


@router.get(
    "/da-notifications/{notification_id}",
    response_model=NotificationDetail,
    responses=STANDARD_ERRORS,
)
def read_notification(
    notification_id: uuid.UUID,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> NotificationDetail:
    return service.read_notification(session, principal, notification_id, keyring=keyring)


@router.post(
    "/triage/meetings", status_code=201, response_model=MeetingOut, responses=STANDARD_ERRORS
)
def open_triage_meeting(
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    payload: MeetingIn | None = None,
) -> MeetingOut:
    """Open the daily list: notifications since the last meeting (or ``since``), high risk first."""
    return service.open_triage_meeting(
        session,
        principal,
        keyring=keyring,
        since=payload.since if payload else None,
    )


@router.get("/triage/meetings", response_model=list[MeetingSummary], responses=STANDARD_ERRORS)
def list_triage_meetings(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> list[MeetingSummary]:
    return service.list_triage_meetings(session, principal, limit=limit)


@router.get("/triage/meetings/{meeting_id}", response_model=MeetingOut, responses=STANDARD_ERRORS)
def read_triage_meeting(
    meeting_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> MeetingOut:
    return service.read_triage_meeting(session, principal, meeting_id, keyring=keyring)


@router.put(
    "/triage/meetings/{meeting_id}/items/{notification_id}/outcome",
    response_model=NotificationDetail,
    responses=STANDARD_ERRORS,
)
def record_outcome(
    meeting_id: uuid.UUID,
    notification_id: uuid.UUID,
    payload: OutcomeIn,
    keyring: KeyringDep,
    contact_recorded: ContactRecordedDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> NotificationDetail:
    """The meeting's outcome, with its reason; the last outcome closes the list."""
    return service.record_outcome(
        session,
        principal,
        meeting_id,
        notification_id,
        payload,
        keyring=keyring,
        on_contact_recorded=contact_recorded,
    )

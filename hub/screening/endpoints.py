"""Screening routes: rate, re-rate, authorise without consent, decide, and the queue."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from hub.auth.dependencies import CurrentPrincipal
from hub.db import SessionDep, TransactionalRoute
from hub.dependencies import CalendarDep, KeyringDep, ScreeningPolicyDep, SettingsDep
from hub.kit.errors import STANDARD_ERRORS
from hub.screening import service
from hub.screening.schemas import (
    ConsentOverrideIn,
    OutcomeIn,
    QueueOut,
    RerateIn,
    ScreeningIn,
    ScreeningOut,
)

router = APIRouter(tags=["screening"], route_class=TransactionalRoute)


@router.get("/screening/queue", response_model=QueueOut, responses=STANDARD_ERRORS)
def screening_queue(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=service.MAX_QUEUE_LIMIT)] = service.QUEUE_LIMIT,
) -> QueueOut:
    """The most urgent open contacts of each rating, up to ``limit`` of each, with how
    many there are of each rating in all (``totals``) and how many are past their
    deadline (``breached``)."""
    return service.screening_queue(session, principal, limit=limit)


@router.get(
    "/contacts/{contact_id}/screening", response_model=ScreeningOut, responses=STANDARD_ERRORS
)
def read_screening(
    contact_id: uuid.UUID,
    calendar: CalendarDep,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ScreeningOut:
    return service.screening_view(
        session,
        principal,
        contact_id,
        keyring=keyring,
        calendar=calendar,
    )


@router.post(
    "/contacts/{contact_id}/screening", response_model=ScreeningOut, responses=STANDARD_ERRORS
)
def screen_contact(
    contact_id: uuid.UUID,
    payload: ScreeningIn,
    calendar: CalendarDep,
    keyring: KeyringDep,
    screening_policy: ScreeningPolicyDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ScreeningOut:
    return service.screen_contact(
        session,
        principal,
        contact_id,
        payload,
        keyring=keyring,
        calendar=calendar,
        rag_policy=screening_policy,
    )


@router.post(
    "/contacts/{contact_id}/rating", response_model=ScreeningOut, responses=STANDARD_ERRORS
)
def rerate(
    contact_id: uuid.UUID,
    payload: RerateIn,
    calendar: CalendarDep,
    keyring: KeyringDep,
    screening_policy: ScreeningPolicyDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ScreeningOut:
    return service.rerate(
        session,
        principal,
        contact_id,
        payload,
        keyring=keyring,
        calendar=calendar,
        rag_policy=screening_policy,
    )


@router.post(
    "/contacts/{contact_id}/consent-override",
    response_model=ScreeningOut,
    responses=STANDARD_ERRORS,
)
def override_consent(
    contact_id: uuid.UUID,
    payload: ConsentOverrideIn,
    calendar: CalendarDep,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ScreeningOut:
    return service.override_consent(
        session,
        principal,
        contact_id,
        payload,
        keyring=keyring,
        calendar=calendar,
    )


@router.post(
    "/contacts/{contact_id}/outcome", response_model=ScreeningOut, responses=STANDARD_ERRORS
)
def decide_outcome(
    contact_id: uuid.UUID,
    payload: OutcomeIn,
    calendar: CalendarDep,
    keyring: KeyringDep,
    settings: SettingsDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ScreeningOut:
    return service.decide_outcome(
        session,
        principal,
        contact_id,
        payload,
        keyring=keyring,
        calendar=calendar,
        rota_start=settings.rota_start,
    )

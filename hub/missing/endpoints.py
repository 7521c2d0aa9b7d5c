"""Missing episode routes: thin, one service call each.

Mount under the authenticated parent router (``/api/v1``): every route needs a principal.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from hub.auth.dependencies import CurrentPrincipal
from hub.db import SessionDep, TransactionalRoute
from hub.dependencies import KeyringDep
from hub.kit.errors import STANDARD_ERRORS
from hub.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, CursorQuery, Page
from hub.missing import service
from hub.missing.schemas import (
    EpisodeDetail,
    EpisodeIn,
    EpisodeSummary,
    OverdueInterview,
    ReturnIn,
    ReturnInterviewIn,
)

router = APIRouter(
    prefix="/missing-episodes", tags=["missing episodes"], route_class=TransactionalRoute
)

Cursor = CursorQuery
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


@router.post("", status_code=201, response_model=EpisodeDetail, responses=STANDARD_ERRORS)
def record_episode(
    payload: EpisodeIn, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> EpisodeDetail:
    return service.record_episode(session, principal, payload, keyring=keyring)


@router.get("", response_model=Page[EpisodeSummary], responses=STANDARD_ERRORS)
def list_episodes(
    session: SessionDep,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[EpisodeSummary]:
    return service.list_episodes(session, principal, cursor=cursor, limit=limit)


@router.get("/overdue-interviews", response_model=Page[OverdueInterview], responses=STANDARD_ERRORS)
def overdue_interviews(
    session: SessionDep,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[OverdueInterview]:
    """Return home interviews due and not done, most overdue first."""
    return service.overdue_interviews(session, principal, cursor=cursor, limit=limit)


@router.get("/{episode_id}", response_model=EpisodeDetail, responses=STANDARD_ERRORS)
def read_episode(
    episode_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> EpisodeDetail:
    return service.read_episode(session, principal, episode_id, keyring=keyring)


@router.put("/{episode_id}/return", response_model=EpisodeDetail, responses=STANDARD_ERRORS)
def record_return(
    episode_id: uuid.UUID,
    payload: ReturnIn,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> EpisodeDetail:
    """The child is back: the return home interview is due 72 hours from now on."""
    return service.record_return(session, principal, episode_id, payload, keyring=keyring)


@router.put(
    "/{episode_id}/return-interview", response_model=EpisodeDetail, responses=STANDARD_ERRORS
)
def record_return_interview(
    episode_id: uuid.UUID,
    payload: ReturnInterviewIn,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> EpisodeDetail:
    return service.record_return_interview(session, principal, episode_id, payload, keyring=keyring)

"""Missing episodes: return home interviews on the 72-hour clock, overdue first, and the
child's return and the interview recorded as they happen."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hub.auth.principal import Principal
from hub.db import SessionDep, utcnow
from hub.dependencies import KeyringDep
from hub.keys.service import Keyring
from hub.kit.errors import Unprocessable
from hub.kit.working_time import time_left
from hub.missing import service as missing
from hub.missing.schemas import EpisodeDetail, EpisodeSummary, EpisodeType, ReporterKind
from hub.web.dependencies import PagePerson
from hub.web.desk.forms import (
    interview_of,
    moment_answers,
    return_of,
    today_answers,
)
from hub.web.desk.pages import checked_form, errors_context, form_text, shell, to_sign_in
from hub.web.templating import render

router = APIRouter(prefix="/missing", include_in_schema=False)

SHOWN = 200
BACK_BEFORE_MISSING = "The time the child came back must be after they went missing"
REPORTER_KINDS = {
    ReporterKind.police: "Police",
    ReporterKind.parent_or_carer: "Parent or carer",
    ReporterKind.care_provider: "Care provider",
    ReporterKind.school: "School",
    ReporterKind.other: "Someone else",
}
EPISODE_TYPES = {
    EpisodeType.from_home: "From home",
    EpisodeType.from_care: "From care",
    EpisodeType.from_education: "From education",
}


def _left(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{days} day{'s' if days != 1 else ''} {hours} hour{'s' if hours != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''} {minutes} minute{'s' if minutes != 1 else ''}"


@router.get("")
def missing_episodes(request: Request, session: SessionDep, person: PagePerson) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    principal = person.signed_in.principal
    now = utcnow()
    overdue = missing.overdue_interviews(session, principal, cursor=None, limit=SHOWN, now=now)
    episodes = missing.list_episodes(session, principal, cursor=None, limit=SHOWN).items
    due: list[tuple[EpisodeSummary, str]] = sorted(
        (
            (e, _left(time_left(e.interview_due_at, now)))
            for e in episodes
            if e.interview_due_at is not None
            and e.interview_done_at is None
            and not e.interview_overdue
        ),
        key=lambda pair: pair[0].interview_due_at or now,
    )
    still_missing = [e for e in episodes if e.returned_at is None]
    return render(
        request,
        "desk/missing.html",
        shell(
            title="Missing episodes",
            overdue=overdue.items,
            due=due,
            still_missing=still_missing,
            episode_types=EPISODE_TYPES,
        ),
    )


def _episode_page(
    request: Request,
    episode: EpisodeDetail,
    *,
    returned: dict[str, str] | None = None,
    conducted: dict[str, str] | None = None,
    answers: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    now = utcnow()
    signed_in = request.state.signed_in
    context: dict[str, Any] = shell(
        title=f"Missing episode {episode.reference}",
        episode=episode,
        episode_types=EPISODE_TYPES,
        reporter_kinds=REPORTER_KINDS,
        returned=returned or today_answers(now),
        conducted=conducted or today_answers(now),
        answers=answers
        or {"where_found": "", "conducted_by": signed_in.display_name, "summary": ""},
        **errors_context(errors or {}),
    )
    return render(request, "desk/missing_episode.html", context)


@router.get("/{episode_id}")
def missing_episode(
    request: Request,
    episode_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    episode = missing.read_episode(session, person.signed_in.principal, episode_id, keyring=keyring)
    return _episode_page(request, episode)


async def _episode_again(
    request: Request,
    session: Session,
    principal: Principal,
    episode_id: uuid.UUID,
    keyring: Keyring,
    **page: Any,
) -> Response:
    """The episode's page again, with what was typed and what to put right."""
    episode = await run_in_threadpool(
        missing.read_episode, session, principal, episode_id, keyring=keyring
    )
    return _episode_page(request, episode, **page)


@router.post("/{episode_id}/return")
async def child_returned(
    request: Request,
    episode_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    principal = person.signed_in.principal
    form = await checked_form(request, person.signed_in)
    when = moment_answers(form, "returned")
    where_found = form_text(form, "where_found", most=600)
    payload, errors = return_of(when, where_found)
    if payload is not None:
        try:
            await run_in_threadpool(
                missing.record_return, session, principal, episode_id, payload, keyring=keyring
            )
            return RedirectResponse(f"/missing/{episode_id}", status_code=303)
        except Unprocessable:
            # The only time the service refuses: before the child went missing.
            errors = {"returned-day": BACK_BEFORE_MISSING}
    answers = {"where_found": where_found, "conducted_by": "", "summary": ""}
    return await _episode_again(
        request,
        session,
        principal,
        episode_id,
        keyring,
        returned=when,
        answers=answers,
        errors=errors,
    )


@router.post("/{episode_id}/interview")
async def interview_done(
    request: Request,
    episode_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    principal = person.signed_in.principal
    form = await checked_form(request, person.signed_in)
    when = moment_answers(form, "conducted")
    answers = {
        "where_found": "",
        "conducted_by": form_text(form, "conducted_by", most=300),
        "summary": form_text(form, "summary", most=6000),
    }
    payload, errors = interview_of(when, answers["conducted_by"], answers["summary"])
    if payload is not None:
        try:
            await run_in_threadpool(
                missing.record_return_interview,
                session,
                principal,
                episode_id,
                payload,
                keyring=keyring,
            )
            return RedirectResponse(f"/missing/{episode_id}", status_code=303)
        except Unprocessable:
            # The only time the service refuses: before the child came back.
            errors = {"conducted-day": "The interview must be after the child came back"}
    return await _episode_again(
        request,
        session,
        principal,
        episode_id,
        keyring,
        conducted=when,
        answers=answers,
        errors=errors,
    )

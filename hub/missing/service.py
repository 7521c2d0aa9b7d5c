"""The rules for missing episodes: record, return, return home interview, repeat-missing.

A return home interview is due 72 elapsed hours after the child's return, weekends and
bank holidays included (:func:`hub.kit.working_time.return_interview_due`). Three or
more episodes for the same child within 30 days raise the repeat-missing flag. The 30 days
are calendar days in UK time, as staff count them: the episode's own day and the 29 days
before it. The same child is found across episodes by blind indexes of their identifiers
(:data:`hub.missing.repository.IDENTITY_PASSES`), never by comparing names.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.db import utcnow
from hub.keys.service import Keyring, episode_key_id, hub_context, work_on_case
from hub.kit.crypto.envelope import SealContext
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.kit.pagination import DEFAULT_PAGE_SIZE, Page, decode_time_id_cursor, encode_time_id_cursor
from hub.kit.working_time import LONDON, is_breached, return_interview_due, time_left
from hub.missing import repository
from hub.missing.models import MissingEpisode
from hub.missing.schemas import (
    ChildOut,
    EpisodeDetail,
    EpisodeIn,
    EpisodeSummary,
    EpisodeType,
    InterviewOut,
    OverdueInterview,
    ReporterKind,
    ReporterOut,
    ReturnIn,
    ReturnInterviewIn,
)
from hub.people import repository as person_index
from hub.people.indexing import PersonIndexer
from hub.people.normalise import PersonIdentifiers
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind

log = structlog.get_logger()

TABLE = "missing_episodes"
REPEAT_WINDOW_DAYS = 30
REPEAT_THRESHOLD = 3
_RESOURCE = Resource(Kind.missing_episode)
# Crockford's base32 without I, L, O, U: references are read out over the phone.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _context(episode_id: uuid.UUID, column: str) -> SealContext:
    return hub_context(TABLE, column, episode_id)


def new_reference() -> str:
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"ME-{body[:4]}-{body[4:]}"


def window_start(moment: datetime, days: int) -> datetime:
    """The start (00:00 UK time) of the ``days`` calendar days ending on ``moment``'s day."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be a timezone-aware datetime")
    first_day = moment.astimezone(LONDON).date() - timedelta(days=days - 1)
    return datetime.combine(first_day, time.min, tzinfo=LONDON).astimezone(UTC)


def _episodes_in_window(
    started_at: datetime, related: dict[uuid.UUID, datetime], days: int = REPEAT_WINDOW_DAYS
) -> int:
    since = window_start(started_at, days)
    return sum(1 for start in related.values() if since <= start <= started_at)


def _repeat_counts(session: Session, episodes: Sequence[MissingEpisode]) -> dict[uuid.UUID, int]:
    """For each episode, the same child's episodes in the 30 days ending on its start."""
    blinds_of = repository.identity_blinds_of(session, [e.child_person_id for e in episodes])
    every_blind = sorted({b for blinds in blinds_of.values() for b in blinds})
    earliest = min((e.started_at for e in episodes), default=None)
    since = window_start(earliest, REPEAT_WINDOW_DAYS) if earliest else None
    by_blind = repository.episodes_by_blind(session, every_blind, since=since)
    counts: dict[uuid.UUID, int] = {}
    for episode in episodes:
        related: dict[uuid.UUID, datetime] = {episode.id: episode.started_at}
        for blind in blinds_of.get(episode.child_person_id, ()):
            related.update(by_blind.get(blind, {}))
        counts[episode.id] = _episodes_in_window(episode.started_at, related)
    return counts


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(LONDON) if moment is not None else None


def _summary(episode: MissingEpisode, in_window: int, now: datetime) -> EpisodeSummary:
    due = episode.interview_due_at
    return EpisodeSummary(
        id=episode.id,
        reference=episode.reference,
        episode_type=EpisodeType(episode.episode_type),
        reported_by=ReporterKind(episode.reported_by_kind),
        started_at=episode.started_at,
        returned_at=episode.returned_at,
        interview_due_at=_local(due),
        interview_done_at=episode.interview_done_at,
        interview_overdue=(
            due is not None and episode.interview_done_at is None and is_breached(due, now)
        ),
        episodes_in_30_days=in_window,
        repeat_missing=in_window >= REPEAT_THRESHOLD,
    )


def _open_json(session: Session, keyring: Keyring, blob: bytes, context: SealContext) -> Any:
    return json.loads(keyring.open(session, blob, context))


def _detail(
    session: Session, keyring: Keyring, episode: MissingEpisode, in_window: int
) -> EpisodeDetail:
    details = _open_json(
        session, keyring, episode.sealed_details, _context(episode.id, "sealed_details")
    )
    where_found = (
        keyring.open(
            session, episode.sealed_where_found, _context(episode.id, "sealed_where_found")
        ).decode()
        if episode.sealed_where_found is not None
        else None
    )
    interview = (
        _open_json(
            session, keyring, episode.sealed_interview, _context(episode.id, "sealed_interview")
        )
        if episode.sealed_interview is not None
        else None
    )
    return EpisodeDetail(
        **_summary(episode, in_window, utcnow()).model_dump(),
        child=ChildOut(id=episode.child_person_id, **details["child"]),
        reporter=ReporterOut(**details["reporter"]),
        circumstances=details["circumstances"],
        where_found=where_found,
        interview=(
            InterviewOut(
                conducted_at=episode.interview_done_at,
                conducted_by=interview["conducted_by"],
                summary=interview["summary"],
            )
            if interview is not None and episode.interview_done_at is not None
            else None
        ),
    )


def _audit(
    session: Session,
    principal: Principal,
    decision: Any,
    resource: Resource,
    episodes: Sequence[MissingEpisode],
    *,
    resource_id: str | None = None,
    reason: str | None = None,
) -> None:
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            resource_id=resource_id,
            subject_ids=[str(e.child_person_id) for e in episodes],
            reason=reason,
        ),
    )


def _set_return(
    session: Session,
    keyring: Keyring,
    episode: MissingEpisode,
    returned_at: datetime,
    where_found: str | None,
) -> None:
    if returned_at < episode.started_at:
        raise Unprocessable("returned_at: is before the episode started.")
    episode.returned_at = returned_at
    episode.interview_due_at = return_interview_due(returned_at)
    if where_found is not None:
        episode.sealed_where_found = keyring.seal(
            session,
            episode_key_id(episode.id),
            where_found.encode(),
            _context(episode.id, "sealed_where_found"),
        )


def record_episode(
    session: Session, principal: Principal, payload: EpisodeIn, *, keyring: Keyring
) -> EpisodeDetail:
    decision = require(principal, Action.create, _RESOURCE)
    reference = new_reference()
    while repository.reference_taken(session, reference):
        reference = new_reference()
    now = utcnow()
    episode = MissingEpisode(
        id=uuid.uuid4(),
        reference=reference,
        episode_type=str(payload.episode_type),
        reported_by_kind=str(payload.reported_by.kind),
        child_person_id=uuid.uuid4(),
        started_at=payload.started_at,
        created_by=principal.sub,
        created_at=now,
        updated_at=now,
    )
    details = {
        "child": payload.child.model_dump(mode="json"),
        "reporter": payload.reported_by.model_dump(mode="json"),
        "circumstances": payload.circumstances,
    }
    # The episode's own key, destroyed with it under the retention schedule.
    work_on_case(session, episode_key_id(episode.id))
    keyring.new_case_key(session, episode_key_id(episode.id))
    episode.sealed_details = keyring.seal(
        session,
        episode_key_id(episode.id),
        json.dumps(details).encode(),
        _context(episode.id, "sealed_details"),
    )
    if payload.returned_at is not None:
        _set_return(session, keyring, episode, payload.returned_at, payload.where_found)
    session.add(episode)
    session.flush()
    child = payload.child
    identifiers = PersonIdentifiers(
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        nhs_number=child.nhs_number,
        postcode=child.postcode,
    )
    person_index.insert_person_indexes(
        session,
        [
            {
                "id": uuid.uuid4(),
                "store": repository.MISSING_STORE,
                "parent_id": episode.id,
                "person_id": episode.child_person_id,
                "pass_name": index.pass_name,
                "blind": index.blind,
                "created_at": now,
            }
            for index in PersonIndexer(keyring.linkage_key(session)).person(identifiers)
        ],
    )
    in_window = _repeat_counts(session, [episode])[episode.id]
    _audit(session, principal, decision, _RESOURCE, [episode], resource_id=str(episode.id))
    log.info(
        "missing.episode_recorded",
        episode_id=str(episode.id),
        episode_type=episode.episode_type,
        repeat_missing=in_window >= REPEAT_THRESHOLD,
    )
    return _detail(session, keyring, episode, in_window)


def list_episodes(
    session: Session, principal: Principal, *, cursor: str | None, limit: int = DEFAULT_PAGE_SIZE
) -> Page[EpisodeSummary]:
    decision = require(principal, Action.list, _RESOURCE)
    found = repository.page_of_episodes(
        session, after=decode_time_id_cursor(cursor), limit=limit + 1
    )
    page = found[:limit]
    counts = _repeat_counts(session, page)
    _audit(session, principal, decision, _RESOURCE, page)
    now = utcnow()
    return Page[EpisodeSummary](
        items=[_summary(e, counts[e.id], now) for e in page],
        next_cursor=(
            encode_time_id_cursor(page[-1].started_at, page[-1].id) if len(found) > limit else None
        ),
    )


def _find(
    session: Session, principal: Principal, action: Action, episode_id: uuid.UUID
) -> tuple[Any, Resource, MissingEpisode]:
    resource = Resource(Kind.missing_episode, id=str(episode_id))
    # Permission first, then existence: a caller who may not read learns nothing.
    decision = require(principal, action, resource)
    episode = repository.get_episode(session, episode_id, lock=action is Action.update)
    if episode is None:
        raise NotFound()
    return decision, resource, episode


def read_episode(
    session: Session, principal: Principal, episode_id: uuid.UUID, *, keyring: Keyring
) -> EpisodeDetail:
    decision, resource, episode = _find(session, principal, Action.read, episode_id)
    _audit(session, principal, decision, resource, [episode])
    return _detail(session, keyring, episode, _repeat_counts(session, [episode])[episode.id])


def record_return(
    session: Session,
    principal: Principal,
    episode_id: uuid.UUID,
    payload: ReturnIn,
    *,
    keyring: Keyring,
) -> EpisodeDetail:
    decision, resource, episode = _find(session, principal, Action.update, episode_id)
    if episode.returned_at is not None:
        raise Conflict("This child's return is already recorded.", code="already_returned")
    _set_return(session, keyring, episode, payload.returned_at, payload.where_found)
    episode.updated_at = utcnow()
    session.flush()
    _audit(session, principal, decision, resource, [episode], reason="return recorded")
    log.info("missing.return_recorded", episode_id=str(episode.id))
    return _detail(session, keyring, episode, _repeat_counts(session, [episode])[episode.id])


def record_return_interview(
    session: Session,
    principal: Principal,
    episode_id: uuid.UUID,
    payload: ReturnInterviewIn,
    *,
    keyring: Keyring,
) -> EpisodeDetail:
    decision, resource, episode = _find(session, principal, Action.update, episode_id)
    if episode.returned_at is None:
        raise Conflict(
            "Record the child's return before the return interview.", code="not_returned"
        )
    if episode.interview_done_at is not None:
        raise Conflict("The return interview is already recorded.", code="interview_recorded")
    if payload.conducted_at < episode.returned_at:
        raise Unprocessable("conducted_at: is before the child returned.")
    episode.interview_done_at = payload.conducted_at
    episode.sealed_interview = keyring.seal(
        session,
        episode_key_id(episode.id),
        json.dumps({"conducted_by": payload.conducted_by, "summary": payload.summary}).encode(),
        _context(episode.id, "sealed_interview"),
    )
    episode.updated_at = utcnow()
    session.flush()
    _audit(session, principal, decision, resource, [episode], reason="return interview recorded")
    log.info("missing.interview_recorded", episode_id=str(episode.id))
    return _detail(session, keyring, episode, _repeat_counts(session, [episode])[episode.id])


def _overdue_text(overdue: timedelta) -> str:
    hours = int(overdue.total_seconds()) // 3600
    days, hours = divmod(hours, 24)
    minutes = int(overdue.total_seconds()) // 60 % 60
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def overdue_interviews(
    session: Session,
    principal: Principal,
    *,
    cursor: str | None,
    limit: int = DEFAULT_PAGE_SIZE,
    now: datetime | None = None,
) -> Page[OverdueInterview]:
    """Return interviews due and not done, most overdue first, with how long overdue."""
    decision = require(principal, Action.list, _RESOURCE)
    now = now or utcnow()
    found = repository.overdue_interviews(
        session, now=now, after=decode_time_id_cursor(cursor), limit=limit + 1
    )
    page = found[:limit]
    _audit(session, principal, decision, _RESOURCE, page, reason="overdue return interviews")
    items = []
    for episode in page:
        assert episode.interview_due_at is not None
        assert episode.returned_at is not None
        overdue = -time_left(episode.interview_due_at, now)
        items.append(
            OverdueInterview(
                id=episode.id,
                reference=episode.reference,
                episode_type=EpisodeType(episode.episode_type),
                returned_at=episode.returned_at,
                interview_due_at=episode.interview_due_at.astimezone(LONDON),
                overdue_seconds=int(overdue.total_seconds()),
                overdue_by=_overdue_text(overdue),
            )
        )
    return Page[OverdueInterview](
        items=items,
        next_cursor=(
            encode_time_id_cursor(page[-1].interview_due_at, page[-1].id)
            if len(found) > limit and page[-1].interview_due_at is not None
            else None
        ),
    )

"""Every query of missing episodes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from hub.missing.models import MissingEpisode
from hub.people import repository as people

MISSING_STORE = "missing_episode"
IN_LIST_LIMIT = 900
# The passes that say "the same child". ``family_dob`` alone is left out because twins
# share it (and siblings often go missing together); ``phonetic_yob_district`` is too loose.
IDENTITY_PASSES = ("nhs", "given_family_dob", "phonetic_given_family_dob", "given_dob_district")


def episodes_newest_first() -> Select[MissingEpisode]:
    # An episode destroyed under the retention schedule has nothing left to list.
    return (
        select(MissingEpisode)
        .where(MissingEpisode.destroyed_at.is_(None))
        .order_by(MissingEpisode.started_at.desc(), MissingEpisode.id.desc())
    )


def page_of_episodes(
    session: Session, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[MissingEpisode]:
    statement = episodes_newest_first()
    if after is not None:
        started_at, episode_id = after
        statement = statement.where(
            or_(
                MissingEpisode.started_at < started_at,
                and_(MissingEpisode.started_at == started_at, MissingEpisode.id < episode_id),
            )
        )
    return list(session.execute(statement.limit(limit)).scalars())


def get_episode(
    session: Session, episode_id: uuid.UUID, *, lock: bool = False
) -> MissingEpisode | None:
    statement = select(MissingEpisode).where(MissingEpisode.id == episode_id)
    if lock:
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def reference_taken(session: Session, reference: str) -> bool:
    return (
        session.execute(
            select(MissingEpisode.id).where(MissingEpisode.reference == reference)
        ).first()
        is not None
    )


def identity_blinds_of(
    session: Session, child_person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, set[bytes]]:
    """The identity blind indexes of each child (by their person id in the person index)."""
    return people.blinds_by_person(
        session, MISSING_STORE, passes=IDENTITY_PASSES, person_ids=child_person_ids
    )


def episodes_by_blind(
    session: Session, blinds: Sequence[bytes], *, since: datetime | None = None
) -> dict[bytes, dict[uuid.UUID, datetime]]:
    """``{blind: {episode id: started_at}}`` for every episode whose child has the blind."""
    found: dict[bytes, dict[uuid.UUID, datetime]] = {}
    for start in range(0, len(blinds), IN_LIST_LIMIT):
        entries = people.index_entries(
            MISSING_STORE, passes=IDENTITY_PASSES, blinds=blinds[start : start + IN_LIST_LIMIT]
        ).subquery()
        statement = select(entries.c.blind, MissingEpisode.id, MissingEpisode.started_at).join(
            MissingEpisode, MissingEpisode.id == entries.c.parent_id
        )
        if since is not None:
            statement = statement.where(MissingEpisode.started_at >= since)
        for blind, episode_id, started_at in session.execute(statement):
            found.setdefault(bytes(blind), {})[episode_id] = started_at
    return found


def count_for_blinds(
    session: Session, blinds: Sequence[bytes], *, since: datetime, until: datetime
) -> int:
    if not blinds:
        return 0
    episodes = people.parent_ids(MISSING_STORE, passes=IDENTITY_PASSES, blinds=blinds)
    return int(
        session.execute(
            select(func.count(MissingEpisode.id)).where(
                MissingEpisode.id.in_(episodes),
                MissingEpisode.started_at >= since,
                MissingEpisode.started_at <= until,
            )
        ).scalar_one()
    )


def overdue_interviews(
    session: Session, *, now: datetime, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[MissingEpisode]:
    """Returned, interview not done, due before ``now``: most overdue first."""
    statement = (
        select(MissingEpisode)
        .where(
            MissingEpisode.interview_done_at.is_(None),
            MissingEpisode.returned_at.is_not(None),
            MissingEpisode.interview_due_at < now,
            MissingEpisode.destroyed_at.is_(None),
        )
        .order_by(MissingEpisode.interview_due_at, MissingEpisode.id)
    )
    if after is not None:
        due_at, episode_id = after
        statement = statement.where(
            or_(
                MissingEpisode.interview_due_at > due_at,
                and_(MissingEpisode.interview_due_at == due_at, MissingEpisode.id > episode_id),
            )
        )
    return list(session.execute(statement.limit(limit)).scalars())

"""Every query of domestic abuse notifications and triage meetings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from hub.people import repository as people
from hub.triage.models import DaNotification, DaNotificationPerson, TriageMeeting

DA_STORE = "da_notification"
IN_LIST_LIMIT = 900

# The triage list: high risk first, then medium, then standard; oldest incident first.
_RISK_RANK = case({"high": 0, "medium": 1, "standard": 2}, value=DaNotification.risk_level, else_=3)


def notifications_newest_first() -> Select[DaNotification]:
    # A notification destroyed under the retention schedule has nothing left to list.
    return (
        select(DaNotification)
        .where(DaNotification.destroyed_at.is_(None))
        .order_by(DaNotification.received_at.desc(), DaNotification.id.desc())
    )


def page_of_notifications(
    session: Session,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    awaiting_only: bool = False,
) -> list[DaNotification]:
    statement = notifications_newest_first()
    if awaiting_only:
        statement = statement.where(DaNotification.outcome.is_(None))
    if after is not None:
        received_at, notification_id = after
        statement = statement.where(
            or_(
                DaNotification.received_at < received_at,
                and_(
                    DaNotification.received_at == received_at,
                    DaNotification.id < notification_id,
                ),
            )
        )
    return list(
        session.execute(
            statement.options(selectinload(DaNotification.people)).limit(limit)
        ).scalars()
    )


def get_notification(session: Session, notification_id: uuid.UUID) -> DaNotification | None:
    return session.execute(
        select(DaNotification)
        .where(DaNotification.id == notification_id)
        .options(selectinload(DaNotification.people))
    ).scalar_one_or_none()


def existing_by_reference(
    session: Session, reference_indexes: Sequence[bytes]
) -> dict[bytes, tuple[uuid.UUID, bytes, bool]]:
    """``{reference index: (id, content digest, MARAC flag)}`` of notifications already held."""
    found: dict[bytes, tuple[uuid.UUID, bytes, bool]] = {}
    for start in range(0, len(reference_indexes), IN_LIST_LIMIT):
        chunk = list(reference_indexes[start : start + IN_LIST_LIMIT])
        rows = session.execute(
            select(
                DaNotification.reference_index,
                DaNotification.id,
                DaNotification.content_digest,
                DaNotification.marac_flag,
            ).where(DaNotification.reference_index.in_(chunk))
        )
        for reference_index, notification_id, digest, marac in rows:
            found[bytes(reference_index)] = (notification_id, bytes(digest), marac)
    return found


def insert_notifications(
    session: Session, notifications: Sequence[dict[str, Any]], people: Sequence[dict[str, Any]]
) -> None:
    if notifications:
        session.execute(insert(DaNotification), list(notifications))
    if people:
        session.execute(insert(DaNotificationPerson), list(people))


# --- meetings -------------------------------------------------------------------------------


def open_meeting(session: Session) -> TriageMeeting | None:
    return session.execute(
        select(TriageMeeting).where(TriageMeeting.closed_at.is_(None))
    ).scalar_one_or_none()


def get_meeting(
    session: Session, meeting_id: uuid.UUID, *, lock: bool = False
) -> TriageMeeting | None:
    statement = select(TriageMeeting).where(TriageMeeting.id == meeting_id)
    if lock:
        # Outcomes for one meeting take turns, so the last one always sees the list complete.
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def meetings_newest_first(session: Session, *, limit: int) -> list[TriageMeeting]:
    return list(
        session.execute(
            select(TriageMeeting)
            .order_by(TriageMeeting.opened_at.desc(), TriageMeeting.id.desc())
            .limit(limit)
        ).scalars()
    )


def claim_for_meeting(
    session: Session, meeting_id: uuid.UUID, *, since: datetime | None, until: datetime
) -> int:
    """Put every notification not yet on a list (received in the window) on this meeting's."""
    statement = (
        update(DaNotification)
        .where(
            DaNotification.meeting_id.is_(None),
            DaNotification.outcome.is_(None),
            DaNotification.destroyed_at.is_(None),
            DaNotification.received_at <= until,
        )
        .values(meeting_id=meeting_id)
        .execution_options(synchronize_session=False)
    )
    if since is not None:
        statement = statement.where(DaNotification.received_at >= since)
    return session.execute(statement).rowcount  # type: ignore[attr-defined, no-any-return]


def meeting_items(session: Session, meeting_id: uuid.UUID) -> list[DaNotification]:
    return list(
        session.execute(
            select(DaNotification)
            .where(DaNotification.meeting_id == meeting_id, DaNotification.destroyed_at.is_(None))
            .order_by(_RISK_RANK, DaNotification.incident_at, DaNotification.id)
            .options(selectinload(DaNotification.people))
        ).scalars()
    )


def outstanding_in_meeting(session: Session, meeting_id: uuid.UUID) -> int:
    return int(
        session.execute(
            select(func.count()).where(
                DaNotification.meeting_id == meeting_id, DaNotification.outcome.is_(None)
            )
        ).scalar_one()
    )


def set_outcome(
    session: Session, notification_id: uuid.UUID, meeting_id: uuid.UUID, values: dict[str, Any]
) -> bool:
    """Record an outcome unless the notification already has one; True when recorded."""
    result = session.execute(
        update(DaNotification)
        .where(
            DaNotification.id == notification_id,
            DaNotification.meeting_id == meeting_id,
            DaNotification.outcome.is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def close_meeting(session: Session, meeting_id: uuid.UUID, when: datetime) -> None:
    session.execute(
        update(TriageMeeting)
        .where(TriageMeeting.id == meeting_id)
        .values(closed_at=when, open_marker=None)
        .execution_options(synchronize_session=False)
    )


# --- signals for screening --------------------------------------------------------------------


def count_at_address(
    session: Session, address_index: bytes, *, since: datetime, until: datetime
) -> int:
    return int(
        session.execute(
            select(func.count()).where(
                DaNotification.address_index == address_index,
                DaNotification.incident_at >= since,
                DaNotification.incident_at <= until,
            )
        ).scalar_one()
    )


def count_for_person(
    session: Session,
    blinds: Sequence[bytes],
    *,
    since: datetime | None,
    until: datetime | None,
) -> int:
    if not blinds:
        return 0
    notifications = people.parent_ids(DA_STORE, blinds=blinds)
    statement = select(func.count(DaNotification.id)).where(DaNotification.id.in_(notifications))
    if since is not None:
        statement = statement.where(DaNotification.incident_at >= since)
    if until is not None:
        statement = statement.where(DaNotification.incident_at <= until)
    return int(session.execute(statement).scalar_one())

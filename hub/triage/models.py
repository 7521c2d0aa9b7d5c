"""Domestic abuse notifications and triage meetings.

In clear: what the triage list sorts and counts on (risk level, incident time, number of
children, the MARAC flag, the outcome code) and who did what. Sealed under the hub's key:
the police reference, the address, everyone's names and dates of birth, the circumstances
and the reason for an outcome. The police reference and the address are found again
through keyed blind indexes, never compared in clear.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime, new_id
from hub.keys.hub_store import SEALED_UNDER_HUB_KEY


class TriageMeeting(Base):
    """One daily triage meeting and the list of notifications it must decide."""

    __tablename__ = "triage_meetings"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    opened_by: Mapped[str] = mapped_column(String(200))
    # The list holds notifications received from this moment (None: every one not yet listed).
    covers_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    item_count: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # True while open, NULL once closed: the unique constraint allows one open meeting at a
    # time, even when two people open one at the same moment.
    open_marker: Mapped[bool | None] = mapped_column(Boolean, unique=True)


class DaNotification(Base):
    """A police notification of a domestic abuse incident at a home with children."""

    __tablename__ = "da_notifications"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # Blind index of the police reference: a re-sent notification is found, not duplicated.
    reference_index: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # Keyed digest of everything the notification says: tells a re-send from a changed one.
    content_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Blind index of the normalised address (postcode and house number or name).
    address_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    incident_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_by: Mapped[str] = mapped_column(String(200))
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    risk_level: Mapped[str] = mapped_column(String(10))
    children_count: Mapped[int] = mapped_column(Integer)
    marac_flag: Mapped[bool] = mapped_column(Boolean)
    sealed_details: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("triage_meetings.id"), index=True
    )
    outcome: Mapped[str | None] = mapped_column(String(40))
    sealed_outcome_reason: Mapped[bytes | None] = mapped_column(
        LargeBinary, info=SEALED_UNDER_HUB_KEY
    )
    outcome_by: Mapped[str | None] = mapped_column(String(200))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The contact made when the meeting referred the notification to the MASH for screening.
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"))
    # When the retention schedule destroyed its key (its content is gone for good).
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    people: Mapped[list[DaNotificationPerson]] = relationship(
        back_populates="notification", lazy="raise", order_by="DaNotificationPerson.position"
    )


class DaNotificationPerson(Base):
    """An adult or child named in a notification; identifiers live in the sealed details."""

    __tablename__ = "da_notification_people"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("da_notifications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    # victim | alleged_perpetrator | other_adult | child
    person_role: Mapped[str] = mapped_column(String(20))

    notification: Mapped[DaNotification] = relationship(back_populates="people", lazy="raise")

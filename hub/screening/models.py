"""Screening decisions on contacts. Reasons are free text, so they are sealed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id
from hub.keys.hub_store import SEALED_UNDER_HUB_KEY


class ContactScreening(Base):
    """The current screening state of one contact."""

    __tablename__ = "contact_screenings"

    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    out_of_hours: Mapped[bool] = mapped_column(default=False)
    threshold_level: Mapped[int | None] = mapped_column(Integer)
    rag: Mapped[str | None] = mapped_column(String(10), index=True)
    rag_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    screened_by: Mapped[str | None] = mapped_column(String(200))
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(30), index=True)
    outcome_team: Mapped[str | None] = mapped_column(String(40))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_override_by: Mapped[str | None] = mapped_column(String(200))
    consent_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # JSON {"threshold": ..., "outcome": ..., "consent_override": ...}, sealed under the hub key.
    sealed_reasons: Mapped[bytes | None] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)


class RagChange(Base):
    """Every rating a contact has had, with who set it and (sealed) why."""

    __tablename__ = "rag_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    from_rag: Mapped[str | None] = mapped_column(String(10))
    to_rag: Mapped[str] = mapped_column(String(10))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sealed_reason: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)

"""Missing episodes. Codes and times are clear; the child, the reporter, where the child was
found and the return interview are sealed under the hub's key. The child is matched across
episodes through blind indexes in ``person_index`` (store ``missing_episode``), never by name.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id
from hub.keys.hub_store import SEALED_UNDER_HUB_KEY


class MissingEpisode(Base):
    __tablename__ = "missing_episodes"
    __table_args__ = (
        # The overdue list: returned, interview not done, oldest due time first.
        Index("ix_missing_episodes_interview_due", "interview_done_at", "interview_due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    episode_type: Mapped[str] = mapped_column(String(20))  # from_home | from_care | from_education
    reported_by_kind: Mapped[str] = mapped_column(String(20))
    # The id of the child in person_index (one per episode).
    child_person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interview_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interview_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The child's identifiers, the reporter's details and the circumstances.
    sealed_details: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)
    sealed_where_found: Mapped[bytes | None] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)
    # Who conducted the return interview and its summary.
    sealed_interview: Mapped[bytes | None] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the retention schedule destroyed its key (its content is gone for good).
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""The information product table. The analysis is sealed under the hub's key; only codes,
ids and times are in clear."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id
from hub.keys.hub_store import SEALED_UNDER_HUB_KEY


class InformationProduct(Base):
    """The hub's analysis, the disclosures passed on, and the proposed outcome."""

    __tablename__ = "information_products"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    enquiry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enquiries.id"), index=True)
    # draft | awaiting_authorisation | returned | authorised | disseminated, then the
    # receiving team's acknowledgement: accepted | declined
    status: Mapped[str] = mapped_column(String(30), index=True)
    proposed_outcome: Mapped[str] = mapped_column(String(40))
    receiving_team: Mapped[str | None] = mapped_column(String(40), index=True)
    # JSON array of the disclosure ids passed on.
    disclosure_ids: Mapped[str] = mapped_column(Text)
    sealed_analysis: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)
    compiled_by: Mapped[str] = mapped_column(String(200))
    compiled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    authorised_by: Mapped[str | None] = mapped_column(String(200))
    authorised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disseminated_by: Mapped[str | None] = mapped_column(String(200))
    disseminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Who in the receiving team accepted or declined it, and when; a decline's reason.
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sealed_decline_reason: Mapped[bytes | None] = mapped_column(
        LargeBinary, info=SEALED_UNDER_HUB_KEY
    )
    # Why a manager last returned it to the social worker: what they wrote, sealed.
    sealed_return_reason: Mapped[bytes | None] = mapped_column(
        LargeBinary, info=SEALED_UNDER_HUB_KEY
    )

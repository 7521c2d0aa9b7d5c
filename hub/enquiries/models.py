"""Enquiry tables. Everything a person wrote or an agency disclosed is sealed under the
hub's key; only codes, ids and times are in clear."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id
from hub.keys.hub_store import SEALED_UNDER_HUB_KEY


class Enquiry(Base):
    __tablename__ = "enquiries"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), unique=True)
    rag: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)  # open | closed
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CheckRequest(Base):
    """The hub asks one agency to check its records, by a due time that follows the RAG."""

    __tablename__ = "check_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    enquiry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enquiries.id"), index=True)
    agency: Mapped[str] = mapped_column(String(40), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # pending | disclosed | no_information | declined
    status: Mapped[str] = mapped_column(String(20), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    sealed_question: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)


class Disclosure(Base):
    """What an agency chose to share (or not) in answer to a check, and why."""

    __tablename__ = "disclosures"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    check_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("check_requests.id"), index=True)
    enquiry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enquiries.id"), index=True)
    agency: Mapped[str] = mapped_column(String(40), index=True)
    # records | fields | summary | no_information | decline
    kind: Mapped[str] = mapped_column(String(20))
    # In clear only in disclosures made before purposes were sealed; now always None.
    purpose: Mapped[str | None] = mapped_column(String(200))
    sealed_purpose: Mapped[bytes | None] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)
    lawful_basis: Mapped[str | None] = mapped_column(String(60))
    consent: Mapped[str | None] = mapped_column(String(20))
    caveat: Mapped[str | None] = mapped_column(String(40))
    released_for_onward: Mapped[bool] = mapped_column(default=False)
    released_by: Mapped[str | None] = mapped_column(String(200))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # JSON {record id: [field, ...]} of the items released so far when only part of a
    # caveated disclosure may be passed on; ids and field names only, never content.
    released_items: Mapped[str | None] = mapped_column(Text)
    # JSON of the disclosed content, proportionality reason and caveat text.
    sealed_content: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)
    content_hash: Mapped[str] = mapped_column(String(64))
    disclosed_by: Mapped[str] = mapped_column(String(200))
    disclosed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BreakGlassEvent(Base):
    """A manager opened an agency record directly in an emergency: alerted and reviewed."""

    __tablename__ = "break_glass_events"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    agency: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The MASH case the emergency was about, when the manager names one: the reason and the
    # review notes are then sealed under that case's key and destroyed with the case.
    contact_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    review_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sealed_reason: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_justified: Mapped[bool | None] = mapped_column()
    sealed_review: Mapped[bytes | None] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)

"""Contact tables. Personal details are sealed under the hub's key; only codes are clear."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime, new_id
from hub.keys.hub_store import SEALED_UNDER_HUB_KEY


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    channel: Mapped[str] = mapped_column(String(30))
    referrer_kind: Mapped[str] = mapped_column(String(20))
    # The professional referrer's user id (their "own" contacts); empty for the public.
    submitted_by: Mapped[str | None] = mapped_column(String(200), index=True)
    worries: Mapped[str] = mapped_column(Text)  # JSON array of category codes
    consent: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), index=True)
    # SHA-256 of (submitter, Idempotency-Key): a double-submitted form makes one contact.
    idempotency_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    # Children, adults, the worry in the referrer's words, consent reason, referrer details.
    sealed_details: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)
    # When the retention schedule destroyed the case's key (its content is gone for good).
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A legal hold: while set, the retention schedule never destroys the case.
    held_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by: Mapped[str | None] = mapped_column(String(200))
    sealed_hold_reason: Mapped[bytes | None] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)

    people: Mapped[list[ContactPerson]] = relationship(
        back_populates="contact", lazy="raise", order_by="ContactPerson.position"
    )


class ContactPerson(Base):
    """A child or adult a contact is about. Their identifiers live in the sealed details."""

    __tablename__ = "contact_people"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    person_role: Mapped[str] = mapped_column(String(10))  # child | adult

    contact: Mapped[Contact] = relationship(back_populates="people", lazy="raise")

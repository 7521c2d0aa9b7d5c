"""Wrapped data keys. The key-encryption key that wraps them is never in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime


class DataKeyRow(Base):
    __tablename__ = "data_keys"
    __table_args__ = (UniqueConstraint("key_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # "hub", "agency:police", "record:<uuid>", "linkage": which data the key protects.
    key_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # primary (seals new data), active (opens old data), retired (rewrapped away), shredded.
    state: Mapped[str] = mapped_column(String(16))
    # The data key wrapped by the KEK provider; emptied when the key is shredded.
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    provider: Mapped[str] = mapped_column(String(60))
    seal_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shredded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

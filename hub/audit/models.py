"""Audit tables. Rows are only ever inserted; the database refuses anything else."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime


class AuditEntry(Base):
    """One allowed or denied action. ``seq`` is its leaf index: unique and contiguous."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    actor_sub: Mapped[str] = mapped_column(String(200), index=True)
    actor_role: Mapped[str] = mapped_column(String(40))
    actor_agency: Mapped[str | None] = mapped_column(String(40), index=True)
    actor_team: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40), index=True)
    resource_kind: Mapped[str] = mapped_column(String(40), index=True)
    resource_id: Mapped[str | None] = mapped_column(String(64), index=True)
    resource_owner: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(10), index=True)
    rule: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(200))
    lawful_basis: Mapped[str | None] = mapped_column(String(60))
    consent: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    # JSON array of the ids of the children and adults the action concerns.
    subject_ids: Mapped[str] = mapped_column(Text, default="[]")
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # Hash chain: entry_hash = SHA-256(prev_hash || canonical entry).
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The single row naming the log's size and last hash; locked to append in order."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))

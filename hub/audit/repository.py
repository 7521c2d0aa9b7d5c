"""Every audit query."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry, AuditHead

HEAD_ID = 1


def lock_head(session: Session) -> AuditHead:
    """The head row, locked until commit (PostgreSQL); SQLite holds its write lock already."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        raise RuntimeError("the audit head row is missing; run `mash-hub init`")
    return head


def get_head(session: Session) -> AuditHead | None:
    return session.get(AuditHead, HEAD_ID)


def entries_in_order() -> Select[AuditEntry]:
    return select(AuditEntry).order_by(AuditEntry.seq)


def iter_entries(session: Session, *, batch_size: int = 5000) -> Iterator[AuditEntry]:
    last = -1
    while True:
        batch = (
            session.execute(entries_in_order().where(AuditEntry.seq > last).limit(batch_size))
            .scalars()
            .all()
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].seq
        session.expunge_all()

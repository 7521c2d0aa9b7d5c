"""Every contact query."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from hub.contacts.models import Contact


def contacts_newest_first() -> Select[Contact]:
    return select(Contact).order_by(Contact.received_at.desc(), Contact.id.desc())


def page_of_contacts(
    session: Session, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[Contact]:
    statement = contacts_newest_first().options(selectinload(Contact.people))
    if after is not None:
        received_at, contact_id = after
        statement = statement.where(
            or_(
                Contact.received_at < received_at,
                and_(Contact.received_at == received_at, Contact.id < contact_id),
            )
        )
    return list(session.execute(statement.limit(limit)).scalars())


def get_contact(session: Session, contact_id: uuid.UUID) -> Contact | None:
    return session.execute(
        select(Contact).where(Contact.id == contact_id).options(selectinload(Contact.people))
    ).scalar_one_or_none()


def by_idempotency_hash(session: Session, idempotency_hash: str) -> Contact | None:
    return session.execute(
        select(Contact)
        .where(Contact.idempotency_hash == idempotency_hash)
        .options(selectinload(Contact.people))
    ).scalar_one_or_none()


def reference_taken(session: Session, reference: str) -> bool:
    return (
        session.execute(select(Contact.id).where(Contact.reference == reference)).first()
        is not None
    )


def any_contacts(session: Session) -> bool:
    """Whether the hub holds any contact at all."""
    return session.execute(select(Contact.id).limit(1)).first() is not None


def contacts_submitted_by(sub: str) -> Select[Contact]:
    return select(Contact).where(Contact.submitted_by == sub).order_by(Contact.received_at.desc())


def newest_contacts_submitted_by(session: Session, sub: str, *, limit: int) -> list[Contact]:
    return list(session.scalars(contacts_submitted_by(sub).limit(limit)))

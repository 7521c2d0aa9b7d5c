"""Every contact query."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Select, and_, bindparam, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from hub.contacts.models import Contact, ContactPerson
from hub.db import driver_statement, insert_on_driver, reading_connection
from hub.keys.models import DataKeyRow
from hub.keys.service import ACTIVE, HUB_KEY_ID, PRIMARY, StoredKeyVersion, case_key_id


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


@dataclass(frozen=True, slots=True)
class ContactToRead:
    """One contact as a guarded read needs it, from one statement."""

    id: uuid.UUID
    reference: str
    received_at: datetime
    channel: str
    referrer_kind: str
    worries: str
    consent: str
    status: str
    sealed_details: bytes
    people: tuple[tuple[uuid.UUID, str], ...]  # (id, role), in position order
    # The case key and the hub key's versions that may open data (the case key is sealed
    # under the hub key), read in the same snapshot as the details.
    hub_keys: tuple[StoredKeyVersion, ...]


def _contact_to_read() -> Select[*tuple[Any, ...]]:
    # One row per (person, usable hub key version): normally one version, so one row a
    # person. A contact always has a child; the outer join still returns one without.
    keys = and_(
        or_(DataKeyRow.key_id == HUB_KEY_ID, DataKeyRow.key_id == bindparam("case_key_id")),
        or_(DataKeyRow.state == PRIMARY, DataKeyRow.state == ACTIVE),
    )
    return (
        select(
            Contact.id,
            Contact.reference,
            Contact.received_at,
            Contact.channel,
            Contact.referrer_kind,
            Contact.worries,
            Contact.consent,
            Contact.status,
            Contact.sealed_details,
            ContactPerson.id,
            ContactPerson.person_role,
            DataKeyRow.version,
            DataKeyRow.state,
            DataKeyRow.wrapped,
            DataKeyRow.key_id,
        )
        .select_from(Contact)
        .outerjoin(ContactPerson, ContactPerson.contact_id == Contact.id)
        .outerjoin(DataKeyRow, keys)
        .where(Contact.id == bindparam("contact_id"))
        .order_by(ContactPerson.position, DataKeyRow.key_id, DataKeyRow.version)
    )


def contact_to_read(session: Session, contact_id: uuid.UUID) -> ContactToRead | None:
    """The contact, its people and the key versions that may open it (its case key and the
    hub key's), in one statement run on the driver's cursor (see
    :func:`hub.db.reading_connection`)."""
    with reading_connection(session) as connection:
        statement = driver_statement(
            session.get_bind().dialect, "contact_to_read", _contact_to_read
        )
        rows = statement.rows(
            connection, {"contact_id": contact_id, "case_key_id": case_key_id(contact_id)}
        )
    if not rows:
        return None
    first = rows[0]
    people: dict[uuid.UUID, str] = {}
    keys: dict[tuple[str, int], StoredKeyVersion] = {}
    for row in rows:
        if row[9] is not None:
            people.setdefault(row[9], row[10])
        if row[11] is not None:
            keys.setdefault(
                (row[14], row[11]), StoredKeyVersion(row[14], row[11], row[12], row[13])
            )
    return ContactToRead(
        id=first[0],
        reference=first[1],
        received_at=first[2],
        channel=first[3],
        referrer_kind=first[4],
        worries=first[5],
        consent=first[6],
        status=first[7],
        sealed_details=bytes(first[8]),
        people=tuple(people.items()),
        hub_keys=tuple(keys.values()),
    )


def by_idempotency_hash(session: Session, idempotency_hash: str) -> Contact | None:
    return session.execute(
        select(Contact)
        .where(Contact.idempotency_hash == idempotency_hash)
        .options(selectinload(Contact.people))
    ).scalar_one_or_none()


_NEW_CONTACT_COLUMNS = (
    "id",
    "reference",
    "received_at",
    "channel",
    "referrer_kind",
    "submitted_by",
    "worries",
    "consent",
    "status",
    "idempotency_hash",
    "request_hash",
    "sealed_details",
)
_PERSON_COLUMNS = ("id", "contact_id", "position", "person_role")
_INSERTS_ON_CONFLICT: dict[str, Callable[[Any], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


def _contact_unless_taken(dialect_name: str) -> Callable[[], Insert]:
    def build() -> Insert:
        statement: sqlite.Insert | postgresql.Insert = _INSERTS_ON_CONFLICT[dialect_name](Contact)
        return (
            statement.values({name: bindparam(name) for name in _NEW_CONTACT_COLUMNS})
            .on_conflict_do_nothing()
            .returning(Contact.id)
        )

    return build


def insert_new_contact(session: Session, contact: Contact, people: list[ContactPerson]) -> bool:
    """Insert a new contact and its people, unless a stored contact already has its
    reference or its idempotency hash: then nothing is written and the answer is False.

    A clash is no error on either database (``ON CONFLICT DO NOTHING``), so the
    transaction needs no savepoint; on PostgreSQL a clash with a submission not yet
    committed waits for it, and then finds it. One statement each on the driver's cursor
    (see :class:`hub.db.DriverStatement`): this is every contact's intake.
    """
    connection = session.connection()
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    inserted = driver_statement(
        dialect, "contacts.insert_unless_taken", _contact_unless_taken(dialect.name)
    ).rows(driver, {name: getattr(contact, name) for name in _NEW_CONTACT_COLUMNS})
    if not inserted:
        return False
    insert_on_driver(
        session,
        ContactPerson,
        [{name: getattr(p, name) for name in _PERSON_COLUMNS} for p in people],
        _PERSON_COLUMNS,
    )
    return True


def any_contacts(session: Session) -> bool:
    """Whether the hub holds any contact at all."""
    return session.execute(select(Contact.id).limit(1)).first() is not None


def contacts_submitted_by(sub: str) -> Select[Contact]:
    return select(Contact).where(Contact.submitted_by == sub).order_by(Contact.received_at.desc())


def newest_contacts_submitted_by(session: Session, sub: str, *, limit: int) -> list[Contact]:
    return list(session.scalars(contacts_submitted_by(sub).limit(limit)))

"""What a contact's intake writes, as stored: its reference, its people, its case key and
the seals counted on each key."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hub.contacts import service
from hub.contacts.models import Contact, ContactPerson
from hub.db import Database
from hub.keys.models import DataKeyRow
from hub.keys.service import HUB_KEY_ID, case_key_id
from hub.kit.crypto.envelope import SealContext
from tests.contacts.test_contacts_api import a_contact


def seal_count(database: Database, key_id: str) -> int:
    with database.session() as session:
        counts = session.execute(
            select(DataKeyRow.seal_count).where(DataKeyRow.key_id == key_id)
        ).scalars()
        return sum(counts)


def test_a_new_contact_stores_its_people_and_counts_each_seal_once(
    client: TestClient, database: Database
) -> None:
    client.post("/api/v1/contacts", json=a_contact())  # the hub key exists from here
    hub_seals = seal_count(database, HUB_KEY_ID)
    adult = {"given_name": "Rowan", "family_name": "Quorley", "date_of_birth": "1988-02-11"}
    answer = client.post("/api/v1/contacts", json=a_contact(adults=[adult]))
    assert answer.status_code == 201
    with database.session() as session:
        contact = session.execute(
            select(Contact).where(Contact.reference == answer.json()["reference"])
        ).scalar_one()
        roles = session.execute(
            select(ContactPerson.position, ContactPerson.person_role)
            .where(ContactPerson.contact_id == contact.id)
            .order_by(ContactPerson.position)
        ).all()
    assert [tuple(r) for r in roles] == [(0, "child"), (1, "adult")]
    # The case key sealed the details once; the hub key sealed the case key once.
    assert seal_count(database, case_key_id(contact.id)) == 1
    assert seal_count(database, HUB_KEY_ID) == hub_seals + 1


@pytest.fixture
def references_drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """References the service draws next, before any of its own: append to force one."""
    forced: list[str] = []
    real = service.new_reference
    monkeypatch.setattr(service, "new_reference", lambda: forced.pop(0) if forced else real())
    return forced


def test_a_reference_already_taken_is_drawn_again(
    client: TestClient, database: Database, references_drawn: list[str]
) -> None:
    first = client.post("/api/v1/contacts", json=a_contact()).json()["reference"]
    references_drawn.append(first)  # the next contact draws the first one's reference
    second = client.post("/api/v1/contacts", json=a_contact(concern="Another worry."))
    assert second.status_code == 201
    assert second.json()["reference"] not in (first, None)
    with database.session() as session:
        contacts = session.execute(select(func.count()).select_from(Contact)).scalar_one()
        people = session.execute(select(func.count()).select_from(ContactPerson)).scalar_one()
        stored = session.execute(
            select(Contact.reference, Contact.request_hash).order_by(Contact.received_at)
        ).all()
    # The clash wrote nothing; the redraw wrote the contact and its child.
    assert contacts == 2
    assert people == 2
    assert stored[0][0] == first
    assert stored[1][0] == second.json()["reference"]


def test_a_case_keys_seals_beyond_those_counted_ahead_are_counted_at_commit(
    database: Database, client: TestClient
) -> None:
    keyring = client.app.state.keyring  # type: ignore[attr-defined]
    key_id = case_key_id(uuid.uuid4())
    context = SealContext("hub", "test", "value", "1")
    with database.session() as session:
        keyring.new_case_key(session, key_id, seals=1)
        for _ in range(3):
            keyring.seal(session, key_id, b"x", context)
        session.commit()
    assert seal_count(database, key_id) == 3
    with database.session() as session:
        keyring.new_case_key(session, case_key_id(uuid.uuid4()), seals=1)
        session.rollback()
    with database.session() as session:
        rows = session.execute(
            select(func.count()).select_from(DataKeyRow).where(DataKeyRow.key_id.like("case:%"))
        ).scalar_one()
    assert rows == 1  # the rolled-back key left no row

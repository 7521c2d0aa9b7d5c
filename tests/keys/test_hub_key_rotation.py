"""Rotating the hub's own key re-seals everything the hub store holds, then retires the old."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

import hub.models  # noqa: F401 (every table on the metadata)
from hub.agencies import keys
from hub.audit.models import AuditEntry
from hub.auth.principal import Principal, Role
from hub.contacts.models import Contact
from hub.db import Base, Database, transaction
from hub.keys.hub_store import hub_sealed_columns
from hub.keys.models import DataKeyRow
from hub.keys.service import HUB_KEY_ID, Keyring, case_key_id
from hub.kit.crypto.envelope import sealed_key_ref
from tests.conftest import AuthHeaders
from tests.contacts.test_contacts_api import a_contact

AGENCY_TABLES = {"agency_records"}  # sealed under agency and record keys, not the hub's
SYSADMIN = Principal("it-1", Role.sysadmin)
REASON = "Screening reason long enough to be kept."


def test_every_sealed_column_of_the_hub_store_is_listed_for_rotation() -> None:
    listed = {(c.table.name, c.column) for c in hub_sealed_columns()}
    sealed = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        if table.name not in AGENCY_TABLES
        for column in table.columns
        if column.name.startswith("sealed_")
    }
    assert sealed == listed


def test_rotate_rewrap_and_retire_the_hub_key(
    client: TestClient, auth: AuthHeaders, app: FastAPI, database: Database
) -> None:
    admin = auth("mash_admin")
    assert client.post("/api/v1/contacts", json=a_contact(), headers=admin).status_code == 201
    contact_id = client.get("/api/v1/contacts", headers=admin).json()["items"][0]["id"]
    screened = client.post(
        f"/api/v1/contacts/{contact_id}/screening",
        json={"threshold_level": 3, "threshold_reason": REASON, "rag": "amber"},
        headers=auth("mash_social_worker"),
    )
    assert screened.status_code == 200
    keyring: Keyring = app.state.keyring

    case_key = case_key_id(contact_id)
    with transaction(database) as session:
        # A value written before cases had keys of their own, still under the hub key.
        old_reason = keyring.seal_hub_json(
            session, "contacts", "sealed_hold_reason", contact_id, "An older reason."
        )
        session.execute(
            update(Contact)
            .where(Contact.id == uuid.UUID(contact_id))
            .values(sealed_hold_reason=old_reason)
        )
    with transaction(database) as session:
        old = keyring.primary(session, HUB_KEY_ID).version
        keys.rotate(session, SYSADMIN, HUB_KEY_ID, keyring=keyring)
        # The case's details, screening reasons and rating's reason are under its own key:
        # what waits is that key (sealed under the hub key) and the older value.
        assert keys.waiting_for_rewrap(session, SYSADMIN, HUB_KEY_ID, keyring=keyring) == 2
    under_case_key = _sealed_under(database, case_key)
    assert len(under_case_key) == 3
    cursor = keys.RewrapCursor()
    rewrapped = 0
    while not cursor.done:
        with transaction(database) as session:
            rewrapped += keys.rewrap_batch(
                session, SYSADMIN, HUB_KEY_ID, cursor, keyring=keyring, batch=1
            )
    assert rewrapped == 2
    keyring.forget(case_key)  # as another process would, with nothing cached
    with transaction(database) as session:
        assert keys.waiting_for_rewrap(session, SYSADMIN, HUB_KEY_ID, keyring=keyring) == 0
        assert keys.retire_unused(session, SYSADMIN, HUB_KEY_ID, keyring=keyring) == [old]
        new = keyring.primary(session, HUB_KEY_ID).version
        wrapped = session.scalars(
            select(DataKeyRow.wrapped).where(DataKeyRow.key_id == case_key)
        ).one()
        assert sealed_key_ref(wrapped) == (HUB_KEY_ID, new)
        for column in hub_sealed_columns():
            for _, sealed in column.page(session, after=None, limit=100):
                assert sealed_key_ref(sealed) in ((HUB_KEY_ID, new), (case_key, 1))
    # The case's own values were not touched: re-sealing its key was enough.
    assert _sealed_under(database, case_key) == under_case_key

    detail = client.get(f"/api/v1/contacts/{contact_id}", headers=admin)
    assert detail.status_code == 200
    assert detail.json()["people"][0]["family_name"] == "Quorley"


def test_a_read_refuses_a_cached_hub_key_another_process_retired(
    client: TestClient, auth: AuthHeaders, app: FastAPI, database: Database
) -> None:
    social_worker = auth("mash_social_worker")
    assert (
        client.post("/api/v1/contacts", json=a_contact(), headers=social_worker).status_code == 201
    )
    contact_id = client.get("/api/v1/contacts", headers=social_worker).json()["items"][0]["id"]
    assert client.get(f"/api/v1/contacts/{contact_id}", headers=social_worker).status_code == 200
    keyring: Keyring = app.state.keyring
    with transaction(database) as session:
        old = keyring.primary(session, HUB_KEY_ID).version
        keyring.rotate(session, HUB_KEY_ID)
    # Another process retires the old version (this one still holds it unwrapped).
    with transaction(database) as session:
        session.execute(
            update(DataKeyRow)
            .where(DataKeyRow.key_id == HUB_KEY_ID, DataKeyRow.version == old)
            .values(state="retired", wrapped=None)
        )
    reads_before = _contact_reads(database)

    refused = client.get(f"/api/v1/contacts/{contact_id}", headers=social_worker)

    assert refused.status_code == 500
    assert _contact_reads(database) == reads_before  # no entry for a read that failed


def _sealed_under(database: Database, key_id: str) -> set[bytes]:
    with database.session() as session:
        return {
            sealed
            for column in hub_sealed_columns()
            for _, sealed in column.page(session, after=None, limit=100)
            if sealed_key_ref(sealed)[0] == key_id
        }


def _contact_reads(database: Database) -> int:
    with database.session() as session:
        return len(
            session.scalars(
                select(AuditEntry.id).where(
                    AuditEntry.action == "read", AuditEntry.resource_kind == "contact"
                )
            ).all()
        )

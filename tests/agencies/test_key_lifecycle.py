"""Keys over time: rotate and rewrap without downtime, retire, shred records and agencies."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hub.agencies import keys, service
from hub.agencies.models import AgencyRecord, AgencyRecordIndex
from hub.audit.models import AuditEntry
from hub.auth.principal import Principal, Role
from hub.contacts.models import Contact
from hub.db import Database, transaction
from hub.keys.models import DataKeyRow
from hub.keys.service import Keyring, case_key_id
from hub.kit.crypto.envelope import DecryptionError, sealed_key_ref
from hub.kit.errors import NotFound
from tests.agencies.conftest import RecordFactory
from tests.conftest import AuthHeaders

SYSADMIN = Principal(sub="sysadmin-1", role=Role.sysadmin)
POLICE_REP = Principal(sub="rep-1", role=Role.agency_rep, agency="police")


def records_url(agency: str) -> str:
    return f"/api/v1/agencies/{agency}/records"


def add_records(
    client: TestClient, auth: AuthHeaders, a_record: RecordFactory, agency: str, n: int, **kw: Any
) -> list[str]:
    return [
        client.post(
            records_url(agency), json=a_record(**kw), headers=auth("agency_rep", agency=agency)
        ).json()["id"]
        for _ in range(n)
    ]


def key_rows(database: Database, key_id: str) -> list[tuple[int, str, bool]]:
    with database.session() as session:
        rows = session.execute(
            select(DataKeyRow).where(DataKeyRow.key_id == key_id).order_by(DataKeyRow.version)
        ).scalars()
        return [(r.version, r.state, r.wrapped is not None) for r in rows]


def test_rotate_then_rewrap_moves_every_record_key_and_retires_the_old_version(
    agency_client: TestClient,
    agency_app: FastAPI,
    auth: AuthHeaders,
    database: Database,
    a_record: RecordFactory,
) -> None:
    keyring: Keyring = agency_app.state.keyring
    before = add_records(agency_client, auth, a_record, "police", 3)
    with transaction(database) as session:
        assert keys.rotate(session, SYSADMIN, "agency:police", keyring=keyring) == 2
    # No downtime: old records still open, and new ones are sealed under version 2.
    after = add_records(agency_client, auth, a_record, "police", 2)
    rep = auth("agency_rep", agency="police")
    assert all(
        agency_client.get(f"{records_url('police')}/{i}", headers=rep).status_code == 200
        for i in before + after
    )
    assert key_rows(database, "agency:police") == [(1, "active", True), (2, "primary", True)]

    with transaction(database) as session:
        assert keys.waiting_for_rewrap(session, SYSADMIN, "agency:police", keyring=keyring) == 3
    cursor = keys.RewrapCursor()
    rewrapped = 0
    while not cursor.done:
        with transaction(database) as session:
            rewrapped += keys.rewrap_batch(
                session, SYSADMIN, "agency:police", cursor, keyring=keyring, batch=2
            )
    assert rewrapped == 3
    with transaction(database) as session:
        assert keys.retire_unused(session, SYSADMIN, "agency:police", keyring=keyring) == [1]
    assert key_rows(database, "agency:police") == [(1, "retired", False), (2, "primary", True)]
    with database.session() as session:
        versions = set(session.execute(select(AgencyRecord.key_version)).scalars())
    assert versions == {2}
    # Every record still reads, now through version 2 only.
    assert all(
        agency_client.get(f"{records_url('police')}/{i}", headers=rep).status_code == 200
        for i in before + after
    )
    with database.session() as session:
        reasons = [
            e.reason
            for e in session.execute(
                select(AuditEntry).where(AuditEntry.resource_kind == "key")
            ).scalars()
        ]
    assert reasons[0] == "version 2 is now primary"
    assert "retired version(s) 1" in reasons


def test_hub_key_rotation_rewraps_the_case_keys_of_contacts(
    agency_client: TestClient, agency_app: FastAPI, auth: AuthHeaders, database: Database
) -> None:
    keyring: Keyring = agency_app.state.keyring
    contact = {
        "children": [
            {"given_name": "Ysolde", "family_name": "Marrick", "date_of_birth": "2015-01-02"}
        ],
        "worries": ["neglect"],
        "concern": "Often hungry.",
        "consent": {"status": "obtained"},
    }
    for _ in range(3):
        assert agency_client.post("/api/v1/contacts", json=contact).status_code == 201
    with transaction(database) as session:
        keys.rotate(session, SYSADMIN, "hub", keyring=keyring)
    cursor = keys.RewrapCursor()
    while not cursor.done:
        with transaction(database) as session:
            keys.rewrap_batch(session, SYSADMIN, "hub", cursor, keyring=keyring)
    with transaction(database) as session:
        assert keys.retire_unused(session, SYSADMIN, "hub", keyring=keyring) == [1]
    with database.session() as session:
        contacts = session.execute(select(Contact.id, Contact.sealed_details)).all()
        case_keys = session.execute(
            select(DataKeyRow.wrapped).where(DataKeyRow.key_id.like("case:%"))
        ).scalars()
        # Each contact is sealed under its own case key; each case key, under the new hub key.
        assert {sealed_key_ref(s) for _, s in contacts} == {
            (case_key_id(contact_id), 1) for contact_id, _ in contacts
        }
        assert {sealed_key_ref(w) for w in case_keys if w is not None} == {("hub", 2)}
    worker = auth("mash_social_worker")
    items = agency_client.get("/api/v1/contacts", headers=worker).json()["items"]
    detail = agency_client.get(f"/api/v1/contacts/{items[0]['id']}", headers=worker)
    assert detail.status_code == 200
    assert detail.json()["people"][0]["family_name"] == "Marrick"


def test_shredding_a_record_destroys_its_data_and_keeps_the_audit(
    agency_client: TestClient,
    agency_app: FastAPI,
    auth: AuthHeaders,
    database: Database,
    a_record: RecordFactory,
) -> None:
    keyring: Keyring = agency_app.state.keyring
    doomed, kept = add_records(agency_client, auth, a_record, "police", 2)
    with transaction(database) as session:
        assert keys.shred_record(session, SYSADMIN, uuid.UUID(doomed), keyring=keyring) == "police"
    rep = auth("agency_rep", agency="police")
    gone = agency_client.get(f"{records_url('police')}/{doomed}", headers=rep)
    assert gone.status_code == 410
    assert gone.json()["error"] == "shredded"
    assert agency_client.get(f"{records_url('police')}/{kept}", headers=rep).status_code == 200
    with database.session() as session:
        row = session.get(AgencyRecord, uuid.UUID(doomed))
        assert row is not None
        assert row.shredded_at is not None
        assert row.sealed_key is row.sealed_identifiers is row.sealed_content is None
        assert not session.execute(
            select(AgencyRecordIndex).where(AgencyRecordIndex.record_id == uuid.UUID(doomed))
        ).first()
        [entry] = session.execute(select(AuditEntry).where(AuditEntry.action == "shred")).scalars()
    assert entry.resource_id == f"record:{doomed}"
    assert doomed in entry.subject_ids
    # The agency check now finds only the record that is left.
    check = agency_client.post(
        "/api/v1/agencies/check", json={"nhs_number": "9434765919"}, headers=auth("mash_manager")
    )
    assert check.json()["agencies"][0]["records"] == 1


def test_shredding_an_agency_destroys_every_key_version_and_record(
    agency_client: TestClient,
    agency_app: FastAPI,
    auth: AuthHeaders,
    database: Database,
    a_record: RecordFactory,
) -> None:
    keyring: Keyring = agency_app.state.keyring
    police_ids = add_records(agency_client, auth, a_record, "police", 2)
    with transaction(database) as session:
        keys.rotate(session, SYSADMIN, "agency:police", keyring=keyring)
    police_ids += add_records(agency_client, auth, a_record, "police", 1)
    health_id = add_records(agency_client, auth, a_record, "health", 1)[0]
    with database.session() as session:
        stolen = session.get(AgencyRecord, uuid.UUID(police_ids[0]))
        assert stolen is not None
    with transaction(database) as session:
        assert keys.shred_agency(session, SYSADMIN, "police", keyring=keyring) == 3
    keys.purge_old_copies(database.engine)

    assert key_rows(database, "agency:police") == [(1, "shredded", False), (2, "shredded", False)]
    rep = auth("agency_rep", agency="police")
    assert {
        agency_client.get(f"{records_url('police')}/{i}", headers=rep).status_code
        for i in police_ids
    } == {410}
    assert (
        agency_client.get(
            f"{records_url('health')}/{health_id}", headers=auth("agency_rep", agency="health")
        ).status_code
        == 200
    )
    # A copy of a row taken before the shred (a backup, an old row version) no longer opens.
    with transaction(database) as session, pytest.raises(Exception, match="shredded"):
        service._open_record(session, keyring, stolen)
    # The agency can start again under a new key.
    fresh = add_records(agency_client, auth, a_record, "police", 1)[0]
    assert agency_client.get(f"{records_url('police')}/{fresh}", headers=rep).status_code == 200
    assert key_rows(database, "agency:police")[-1] == (3, "primary", True)


def test_ciphertext_moved_to_another_row_or_agency_does_not_open(
    agency_client: TestClient,
    agency_app: FastAPI,
    auth: AuthHeaders,
    database: Database,
    a_record: RecordFactory,
) -> None:
    keyring: Keyring = agency_app.state.keyring
    first, second = add_records(agency_client, auth, a_record, "police", 2)
    with transaction(database) as session:
        source = session.get(AgencyRecord, uuid.UUID(first))
        assert source is not None
        session.execute(
            update(AgencyRecord)
            .where(AgencyRecord.id == uuid.UUID(second))
            .values(sealed_content=source.sealed_content)
        )
    with transaction(database) as session:
        target = session.get(AgencyRecord, uuid.UUID(second))
        assert target is not None
        with pytest.raises(DecryptionError):
            service._open_record(session, keyring, target)
        # Relabelled to another agency, the record's key does not open either.
        target.agency = "health"
        with pytest.raises(DecryptionError):
            service._open_record(session, keyring, target)
        session.rollback()


def test_key_administration_is_for_sysadmins_only(agency_app: FastAPI, database: Database) -> None:
    keyring: Keyring = agency_app.state.keyring
    for principal in (POLICE_REP, Principal(sub="m", role=Role.mash_manager)):
        with (
            pytest.raises(NotFound),
            transaction(database) as session,
        ):
            keys.shred_agency(session, principal, "police", keyring=keyring)
    with database.session() as session:
        denied = session.execute(select(AuditEntry.action, AuditEntry.outcome)).all()
    assert denied == [("shred", "denied"), ("shred", "denied")]

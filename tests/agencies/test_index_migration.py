"""Migration 0009: records indexed before it are still matched, replaced and shredded."""

from __future__ import annotations

import uuid

from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from hub.agencies import keys
from hub.agencies.indexing import PASS_OF_CODE, unpack_index_keys
from hub.agencies.models import AgencyRecord, AgencyRecordIndex
from hub.db import Database, transaction
from hub.migrations import alembic_config, upgrade
from tests.agencies.conftest import RecordFactory
from tests.agencies.test_key_lifecycle import SYSADMIN, add_records
from tests.conftest import AuthHeaders, DatabaseUrls

CHECK = "/api/v1/agencies/check"


def holdings(client: TestClient, auth: AuthHeaders, **person: str) -> dict[str, object]:
    response = client.post(CHECK, json=person, headers=auth("mash_manager"))
    assert response.status_code == 200
    return {h["agency"]: (h["records"], h["strength"]) for h in response.json()["agencies"]}


def test_records_indexed_before_0009_are_matched_replaced_and_shredded_after_it(
    agency_client: TestClient,
    agency_app: FastAPI,
    auth: AuthHeaders,
    database: Database,
    database_urls: DatabaseUrls,
    a_record: RecordFactory,
) -> None:
    police = add_records(agency_client, auth, a_record, "police", 2)
    [health] = add_records(agency_client, auth, a_record, "health", 1)
    name_only = agency_client.post(
        "/api/v1/agencies/police/records",
        json=a_record(
            given_name="Orla", family_name=None, date_of_birth=None, nhs_number=None, postcode=None
        ),
        headers=auth("agency_rep", agency="police"),
    )
    assert name_only.status_code == 201
    person = {"nhs_number": "9434765919"}
    before = holdings(agency_client, auth, **person)
    assert before == {"police": (2, "strong"), "health": (1, "strong")}
    with database.session() as session:
        rows_before = {
            (row.agency, row.blind, row.record_id, PASS_OF_CODE[row.pass_code])
            for row in session.execute(select(AgencyRecordIndex)).scalars()
        }
    assert len(rows_before) == 18

    config = alembic_config(database_urls.owner)
    command.downgrade(config, "0008")
    owner = create_engine(database_urls.owner)
    with owner.connect() as connection:
        old_shape = connection.execute(
            text("SELECT agency, blind, record_id, pass_name FROM agency_record_index")
        ).all()
    assert len(old_shape) == 18
    # No `mash-hub db grant` after it: the rebuilt table keeps the app role's privileges.
    upgrade(database_urls.owner)
    owner.dispose()

    with database.session() as session:
        rows_after = {
            (row.agency, row.blind, row.record_id, PASS_OF_CODE[row.pass_code])
            for row in session.execute(select(AgencyRecordIndex)).scalars()
        }
        packed = {
            record.id: record.index_keys
            for record in session.execute(select(AgencyRecord)).scalars()
        }
    assert rows_after == rows_before
    # Each record's own keys were rebuilt from its rows; the name-only record has none.
    assert packed[uuid.UUID(name_only.json()["id"])] == b""
    for record_id in (*police, health):
        assert {
            (PASS_OF_CODE[code], blind)
            for code, blind in unpack_index_keys(packed[uuid.UUID(record_id)] or b"")
        } == {(name, blind) for _, blind, rid, name in rows_before if rid == uuid.UUID(record_id)}
    assert holdings(agency_client, auth, **person) == before

    # Shredding finds the record's rows through the rebuilt keys.
    with transaction(database) as session:
        keys.shred_record(session, SYSADMIN, uuid.UUID(police[0]), keyring=agency_app.state.keyring)
    assert holdings(agency_client, auth, **person) == {
        "police": (1, "strong"),
        "health": (1, "strong"),
    }
    with database.session() as session:
        left = session.execute(
            select(AgencyRecordIndex.record_id).where(
                AgencyRecordIndex.record_id == uuid.UUID(police[0])
            )
        ).all()
    assert left == []

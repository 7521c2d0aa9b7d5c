"""Agency stores through the API: own agency only, sealed at rest, audited."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.agencies.indexing import PASS_OF_CODE
from hub.agencies.models import AgencyRecord, AgencyRecordIndex
from hub.audit.models import AuditEntry
from hub.db import Database
from tests.agencies.conftest import RecordFactory
from tests.conftest import AuthHeaders

RECORDS = "/api/v1/agencies/police/records"


def audit_rows(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())


def police(auth: AuthHeaders) -> dict[str, str]:
    return auth("agency_rep", agency="police")


def test_agency_rep_creates_lists_and_reads_own_records(
    agency_client: TestClient, auth: AuthHeaders, database: Database, a_record: RecordFactory
) -> None:
    created = agency_client.post(RECORDS, json=a_record(), headers=police(auth))
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["family_name"] == "Quorley"
    # Identifiers are normalised where the hub matches on them.
    assert record["nhs_number"] == "9434765919"
    assert record["postcode"] == "RT4 7XQ"

    listing = agency_client.get(RECORDS, headers=police(auth))
    assert listing.status_code == 200
    assert [item["id"] for item in listing.json()["items"]] == [record["id"]]
    detail = agency_client.get(f"{RECORDS}/{record['id']}", headers=police(auth))
    assert detail.status_code == 200
    assert detail.json()["summary"] == "Officers attended a disturbance at the home."

    actions = [
        (e.action, e.resource_kind, e.outcome, e.resource_owner) for e in audit_rows(database)
    ]
    assert actions == [
        ("create", "agency_record", "allowed", "police"),
        ("list", "agency_record", "allowed", "police"),
        ("read", "agency_record", "allowed", "police"),
    ]
    assert all(record["id"] in e.subject_ids for e in audit_rows(database))


@pytest.mark.parametrize(
    ("role", "claims"),
    [
        ("agency_rep", {"agency": "health"}),
        ("mash_social_worker", {}),
        ("mash_manager", {}),
        ("mash_admin", {}),
        ("operational", {"team": "duty_a"}),
        ("ig_officer", {}),
        ("sysadmin", {}),
        ("referrer", {}),
    ],
)
def test_anyone_but_the_agencys_own_reps_gets_404_and_is_audited(
    agency_client: TestClient,
    auth: AuthHeaders,
    database: Database,
    a_record: RecordFactory,
    role: str,
    claims: dict[str, str],
) -> None:
    record_id = agency_client.post(RECORDS, json=a_record(), headers=police(auth)).json()["id"]
    other = auth(role, **claims)
    missing = "00000000-0000-4000-8000-000000000000"
    responses = [
        agency_client.get(RECORDS, headers=other),
        agency_client.get(f"{RECORDS}/{record_id}", headers=other),
        agency_client.get(f"{RECORDS}/{missing}", headers=other),
        agency_client.post(RECORDS, json=a_record(), headers=other),
        agency_client.post(f"{RECORDS}/search", json={"nhs_number": "9434765919"}, headers=other),
        agency_client.post(f"{RECORDS}/import", json={"rows": [a_record()]}, headers=other),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    # A real record refused looks exactly like one that does not exist.
    assert (
        responses[1].json() == responses[2].json() == {"error": "not_found", "detail": "Not found."}
    )
    denied = [e for e in audit_rows(database) if e.outcome == "denied"]
    assert [(e.action, e.resource_kind, e.resource_owner) for e in denied] == [
        ("list", "agency_record", "police"),
        ("read", "agency_record", "police"),
        ("read", "agency_record", "police"),
        ("create", "agency_record", "police"),
        ("list", "agency_record", "police"),
        ("import", "agency_record", "police"),
    ]
    assert denied[1].resource_id == record_id
    with database.session() as session:
        assert len(session.execute(select(AgencyRecord)).scalars().all()) == 1


def test_records_are_sealed_and_indexed_blind(
    agency_client: TestClient, auth: AuthHeaders, database: Database, a_record: RecordFactory
) -> None:
    assert agency_client.post(RECORDS, json=a_record(), headers=police(auth)).status_code == 201
    with database.session() as session:
        record = session.execute(select(AgencyRecord)).scalar_one()
        indexes = session.execute(select(AgencyRecordIndex)).scalars().all()
    stored = b"".join(
        value
        for value in (
            record.sealed_identifiers,
            record.sealed_content,
            record.sealed_key,
            record.source_ref_index,
            record.row_digest,
        )
        if value is not None
    )
    for clear in (b"Quorley", b"Tamsin", b"9434765919", b"RT4", b"REF-", b"disturbance", b"Larch"):
        assert clear not in stored
    assert {PASS_OF_CODE[i.pass_code] for i in indexes} == {
        "nhs",
        "family_dob",
        "given_family_dob",
        "phonetic_given_family_dob",
        "phonetic_yob_district",
        "given_dob_district",
    }
    assert all(len(i.blind) == 32 and b"Quorley" not in i.blind for i in indexes)


def test_search_finds_own_records_by_identifiers_in_the_body(
    agency_client: TestClient, auth: AuthHeaders, a_record: RecordFactory
) -> None:
    mine = agency_client.post(RECORDS, json=a_record(), headers=police(auth)).json()
    agency_client.post(
        RECORDS,
        json=a_record(given_name="Orrin", family_name="Vantley", nhs_number=None),
        headers=police(auth),
    )
    # Health holds the same child; police's search must not see it.
    agency_client.post(
        "/api/v1/agencies/health/records",
        json=a_record(),
        headers=auth("agency_rep", agency="health"),
    )
    found = agency_client.post(
        f"{RECORDS}/search",
        json={"family_name": "QUORLEY ", "date_of_birth": "2016-05-04"},
        headers=police(auth),
    )
    assert found.status_code == 200
    [item] = found.json()["items"]
    assert item["id"] == mine["id"]
    assert item["passes"] == ["family_dob"]

    too_little = agency_client.post(
        f"{RECORDS}/search", json={"given_name": "Tamsin"}, headers=police(auth)
    )
    assert too_little.status_code == 422
    assert too_little.json()["error"] == "not_enough_identifiers"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nhs_number": "9434765918"}, "nhs_number"),
        ({"postcode": "NOT A CODE"}, "postcode"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"given_name": None, "family_name": None, "nhs_number": None}, "name"),
        ({"summary": ""}, "summary"),
        # A field the schema does not know is not named: its name is the sender's.
        ({"nickname": "Tam"}, "a field that is not known"),
    ],
)
def test_invalid_records_name_the_field_without_echoing_values(
    agency_client: TestClient,
    auth: AuthHeaders,
    database: Database,
    a_record: RecordFactory,
    change: dict[str, Any],
    field: str,
) -> None:
    response = agency_client.post(RECORDS, json=a_record(**change), headers=police(auth))
    assert response.status_code == 422
    body = response.json()
    assert field in body["detail"]
    for value in ("Quorley", "9434765918", "NOT A CODE", "Tam", "nickname"):
        assert value not in body["detail"]
    assert audit_rows(database) == []


def test_duplicate_source_ref_is_a_conflict(
    agency_client: TestClient, auth: AuthHeaders, a_record: RecordFactory
) -> None:
    body = a_record(source_ref="CASE-1")
    assert agency_client.post(RECORDS, json=body, headers=police(auth)).status_code == 201
    again = agency_client.post(RECORDS, json=body, headers=police(auth))
    assert again.status_code == 409
    assert again.json()["error"] == "duplicate_source_ref"
    # The same reference in another agency's store is another record.
    health = agency_client.post(
        "/api/v1/agencies/health/records", json=body, headers=auth("agency_rep", agency="health")
    )
    assert health.status_code == 201


def test_paging_is_stable(
    agency_client: TestClient, auth: AuthHeaders, a_record: RecordFactory
) -> None:
    ids = {
        agency_client.post(RECORDS, json=a_record(), headers=police(auth)).json()["id"]
        for _ in range(5)
    }
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = agency_client.get(RECORDS, params=params, headers=police(auth)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids)

"""The hub's own store: contacts' people are found again through blind indexes only."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from structlog.testing import capture_logs

from hub.contacts.models import ContactPerson
from hub.db import Database, transaction
from hub.people.models import PersonIndex
from hub.people.normalise import PersonIdentifiers
from hub.people.service import earlier_contacts
from tests.agencies.conftest import RecordFactory
from tests.conftest import AuthHeaders


def contact_about(given: str, family: str, dob: str) -> dict[str, object]:
    return {
        "children": [{"given_name": given, "family_name": family, "date_of_birth": dob}],
        "worries": ["neglect"],
        "concern": "Often hungry.",
        "consent": {"status": "obtained"},
    }


def test_earlier_contacts_for_the_same_child_are_found_blind(
    agency_client: TestClient, agency_app: FastAPI, database: Database
) -> None:
    first = contact_about("Ysolde", "Marrick", "2015-01-02")
    other = contact_about("Brann", "Okeeffe", "2012-11-30")
    for body in (first, other, contact_about("YSOLDE", "marrick", "2015-01-02")):
        assert agency_client.post("/api/v1/contacts", json=body).status_code == 201
    with database.session() as session:
        indexes = session.execute(select(PersonIndex)).scalars().all()
        people = session.execute(select(ContactPerson)).scalars().all()
    assert {i.store for i in indexes} == {"contact"}
    assert all(b"Marrick" not in i.blind for i in indexes)

    with transaction(database) as session:
        found = earlier_contacts(
            session,
            agency_app.state.keyring,
            PersonIdentifiers(
                given_name="Ysolde", family_name="Marrick", date_of_birth="02/01/2015"
            ),
        )
    assert len(found) == 2
    assert {f.person_id for f in found} <= {p.id for p in people}
    assert all(f.strength == "strong" and "given_family_dob" in f.passes for f in found)


def test_logs_carry_ids_not_personal_data(
    agency_client: TestClient, auth: AuthHeaders, a_record: RecordFactory
) -> None:
    with capture_logs() as logs:
        agency_client.post(
            "/api/v1/agencies/police/records/import",
            json={"rows": [a_record(), a_record(nhs_number="1234567890")], "skip_invalid": True},
            headers=auth("agency_rep", agency="police"),
        )
        agency_client.post(
            "/api/v1/agencies/check",
            json={"family_name": "Quorley", "date_of_birth": "2016-05-04"},
            headers=auth("mash_manager"),
        )
    text = repr(logs)
    assert "agency_records.imported" in text
    assert "agency_check.run" in text
    for personal in ("Quorley", "Tamsin", "9434765919", "1234567890", "Larch", "RT4"):
        assert personal not in text

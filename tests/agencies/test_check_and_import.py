"""Agency checks on blind indexes, and imports through the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.agencies.models import AgencyRecord
from hub.audit.models import AuditEntry
from hub.db import Database
from tests.agencies.conftest import RecordFactory
from tests.conftest import AuthHeaders

CHECK = "/api/v1/agencies/check"


def records_url(agency: str) -> str:
    return f"/api/v1/agencies/{agency}/records"


@pytest.fixture
def two_agencies_know_tamsin(
    agency_client: TestClient, auth: AuthHeaders, a_record: RecordFactory
) -> None:
    for agency, body in [
        ("police", a_record()),
        ("police", a_record(summary="A second call-out.")),
        ("health", a_record(nhs_number=None, given_name="Tamzin")),
        ("education", a_record(given_name="Orrin", family_name="Vantley", nhs_number=None)),
    ]:
        response = agency_client.post(
            records_url(agency), json=body, headers=auth("agency_rep", agency=agency)
        )
        assert response.status_code == 201, response.text


@pytest.mark.usefixtures("two_agencies_know_tamsin")
@pytest.mark.parametrize("role", ["mash_social_worker", "mash_manager"])
def test_agency_check_says_who_knows_the_child_and_nothing_else(
    agency_client: TestClient, auth: AuthHeaders, database: Database, role: str
) -> None:
    subject = "6f1c2a9e-0000-4000-8000-000000000001"
    response = agency_client.post(
        CHECK,
        json={
            "given_name": "Tamsin",
            "family_name": "Quorley",
            "date_of_birth": "2016-05-04",
            "nhs_number": "9434765919",
            "postcode": "RT4 7XQ",
            "subject_ids": [subject],
        },
        headers=auth(role),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    holdings = {h["agency"]: h for h in body["agencies"]}
    assert set(holdings) == {"police", "health"}
    assert holdings["police"]["records"] == 2
    assert holdings["police"]["strength"] == "strong"
    assert {p["pass_name"] for p in holdings["police"]["passes"]} >= {"nhs", "given_family_dob"}
    # Health spelt the name differently and has no NHS number: the phonetic pass and
    # family name + date of birth find it.
    assert holdings["health"]["records"] == 1
    assert {p["pass_name"] for p in holdings["health"]["passes"]} == {
        "family_dob",
        "phonetic_given_family_dob",
        "phonetic_yob_district",
    }
    assert holdings["health"]["strength"] == "strong"
    # No content of any record comes back.
    text = response.text
    for content in ("disturbance", "call-out", "Larch", "incident", "REF-"):
        assert content not in text

    with database.session() as session:
        [entry] = session.execute(
            select(AuditEntry).where(AuditEntry.resource_kind == "agency_match")
        ).scalars()
        police_ids = session.execute(
            select(AgencyRecord.id).where(AgencyRecord.agency == "police")
        ).scalars()
        assert (entry.action, entry.outcome, entry.purpose) == (
            "run",
            "allowed",
            "existing_involvement",
        )
        assert subject in entry.subject_ids
        assert all(str(i) in entry.subject_ids for i in police_ids)


@pytest.mark.usefixtures("two_agencies_know_tamsin")
def test_family_name_and_birth_date_alone_is_a_medium_match(
    agency_client: TestClient, auth: AuthHeaders
) -> None:
    # A twin shares both: without a given name the match is not yet strong.
    body = agency_client.post(
        CHECK,
        json={"family_name": "Quorley", "date_of_birth": "2016-05-04"},
        headers=auth("mash_social_worker"),
    ).json()
    assert {h["agency"]: h["strength"] for h in body["agencies"]} == {
        "police": "medium",
        "health": "medium",
    }
    assert body["passes_tried"] == ["family_dob"]


@pytest.mark.usefixtures("two_agencies_know_tamsin")
def test_nobody_known_returns_an_empty_answer(agency_client: TestClient, auth: AuthHeaders) -> None:
    response = agency_client.post(
        CHECK, json={"nhs_number": "401 023 2137"}, headers=auth("mash_social_worker")
    )
    assert response.status_code == 200
    assert response.json() == {"agencies": [], "passes_tried": ["nhs"]}


@pytest.mark.parametrize(
    ("role", "claims"),
    [("agency_rep", {"agency": "police"}), ("mash_admin", {}), ("operational", {"team": "ooh"})],
)
def test_agency_check_is_refused_outside_the_hub_team_and_audited(
    agency_client: TestClient,
    auth: AuthHeaders,
    database: Database,
    role: str,
    claims: dict[str, str],
) -> None:
    response = agency_client.post(
        CHECK, json={"nhs_number": "9434765919"}, headers=auth(role, **claims)
    )
    assert response.status_code == 404
    with database.session() as session:
        [entry] = session.execute(select(AuditEntry)).scalars()
    assert (entry.action, entry.resource_kind, entry.outcome) == ("run", "agency_match", "denied")


def test_agency_check_refuses_free_text_purpose_and_too_few_identifiers(
    agency_client: TestClient, auth: AuthHeaders
) -> None:
    worker = auth("mash_social_worker")
    free_text = agency_client.post(
        CHECK,
        json={"nhs_number": "9434765919", "purpose": "Tamsin Quorley's mum called"},
        headers=worker,
    )
    assert free_text.status_code == 422
    assert "Quorley" not in free_text.text
    too_few = agency_client.post(CHECK, json={"given_name": "Tamsin"}, headers=worker)
    assert too_few.status_code == 422
    assert too_few.json()["error"] == "not_enough_identifiers"


# --- imports through the API -------------------------------------------------------------


def test_json_import_checks_every_row_first_and_imports_nothing_on_error(
    agency_client: TestClient, auth: AuthHeaders, database: Database, a_record: RecordFactory
) -> None:
    rows = [a_record(), a_record(nhs_number="1234567890"), a_record(), a_record(occurred_on="")]
    response = agency_client.post(
        records_url("police") + "/import",
        json={"rows": rows},
        headers=auth("agency_rep", agency="police"),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_rows"
    assert "line 2: nhs_number" in body["detail"]
    assert "line 4: occurred_on" in body["detail"]
    assert "1234567890" not in body["detail"]
    with database.session() as session:
        assert session.execute(select(AgencyRecord)).first() is None

    skipped = agency_client.post(
        records_url("police") + "/import",
        json={"rows": rows, "skip_invalid": True},
        headers=auth("agency_rep", agency="police"),
    ).json()
    assert (skipped["created"], skipped["skipped_invalid"]) == (2, 2)
    assert [p["line"] for p in skipped["problems"]] == [2, 4]


def test_reimport_is_idempotent_and_updates_changed_rows(
    agency_client: TestClient, auth: AuthHeaders, database: Database, a_record: RecordFactory
) -> None:
    rep = auth("agency_rep", agency="police")
    rows = [a_record(source_ref=f"P-{i}", extra_note=f"note {i}") for i in range(5)]
    url = records_url("police") + "/import"
    first = agency_client.post(url, json={"rows": rows}, headers=rep).json()
    again = agency_client.post(url, json={"rows": rows}, headers=rep).json()
    rows[3]["summary"] = "Follow-up visit."
    changed = agency_client.post(url, json={"rows": rows}, headers=rep).json()
    assert (first["created"], first["unchanged"]) == (5, 0)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 4)

    items = agency_client.get(records_url("police"), headers=rep).json()["items"]
    by_ref = {item["source_ref"]: item for item in items}
    assert len(by_ref) == 5
    assert by_ref["P-3"]["summary"] == "Follow-up visit."
    # Further columns are kept as details.
    assert by_ref["P-1"]["details"] == {"extra_note": "note 1"}


def test_csv_import_through_the_api(
    agency_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    csv_body = (
        "source_ref,given_name,family_name,date_of_birth,nhs_number,postcode,address_line,"
        "record_type,occurred_on,summary,officer\n"
        "C-1,Ysolde,Marrick,07/03/2014,,RT1 2AB,1 Mill Close,visit,2024-01-02,Home visit,PC 12\n"
        'C-2,Brann,"O\'Keeffe",2012-11-30,943 476 5919,rt12ab,,visit,2024-01-03,"Two, lines",\n'
    )
    response = agency_client.post(
        records_url("housing") + "/import",
        content=csv_body.encode(),
        headers={"content-type": "text/csv", **auth("agency_rep", agency="housing")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    items = agency_client.get(
        records_url("housing"), headers=auth("agency_rep", agency="housing")
    ).json()["items"]
    by_ref = {item["source_ref"]: item for item in items}
    assert by_ref["C-1"]["date_of_birth"] == "2014-03-07"
    assert by_ref["C-1"]["details"] == {"officer": "PC 12"}
    assert by_ref["C-2"]["postcode"] == "RT1 2AB"

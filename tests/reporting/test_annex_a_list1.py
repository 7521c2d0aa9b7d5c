"""Ofsted's Annex A List 1 as a MASH manager downloads it for inspectors: CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.db import Database
from hub.reporting.annex_a import COLUMNS
from tests.conftest import AuthHeaders
from tests.reporting.known_data import FIRST_DAY, LAST_DAY, load_known_data

WINDOW = {"from": FIRST_DAY, "to": LAST_DAY}
CSV_URL = "/api/v1/reports/annex-a/list-1.csv"
XLSX_URL = "/api/v1/reports/annex-a/list-1.xlsx"

# (gender, ethnicity, date of birth, age, date of contact, source) in order of contact.
EXPECTED = [
    ("Female", "WBRI", "04/05/2016", "9", "02/03/2026", "2A"),  # Tamsin, from her school
    ("Female", "WBRI", "04/05/2016", "9", "02/03/2026", "3A"),  # Tamsin again, from the GP
    ("Unknown", "NOBT", "", "7", "02/03/2026", "3A"),  # her brother: only an age is held
    ("Male", "BAFR", "", "", "10/03/2026", "6"),  # a police notification
    ("Unknown", "NOBT", "", "7", "11/03/2026", "10"),  # the public, source not given
]


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_list1_csv_has_ofsteds_columns_and_one_row_per_child_per_contact(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    load_known_data(client, auth, database)
    response = client.get(CSV_URL, params=WINDOW, headers=auth("mash_manager"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "annex-a-list-1_2026-03-02_2026-03-15.csv" in response.headers["content-disposition"]
    header, *rows = csv_rows(response.content)
    assert tuple(header) == COLUMNS
    assert [tuple(row[1:]) for row in rows] == EXPECTED
    ids = [row[0] for row in rows]
    # The same child has the same id in both contacts; the id is no name.
    assert ids[0] == ids[1]
    # Her brother has only names and an age: too little to know him again, so each contact's
    # row has an id of its own rather than one that might join two different children.
    assert len(set(ids)) == 4
    assert all(i.startswith("C") and len(i) == 13 for i in ids)
    assert b"Tamsin" not in response.content
    assert b"Quorley" not in response.content


def test_list1_xlsx_opens_in_a_spreadsheet_with_real_dates(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    load_known_data(client, auth, database)
    response = client.get(XLSX_URL, params=WINDOW, headers=auth("mash_manager"))
    assert response.status_code == 200, response.text
    assert "spreadsheetml" in response.headers["content-type"]
    sheet = load_workbook(io.BytesIO(response.content))["List 1"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header == COLUMNS
    assert len(rows) == len(EXPECTED)
    tamsin = rows[0]
    assert tamsin[1:3] == ("Female", "WBRI")
    assert isinstance(tamsin[3], datetime)
    assert tamsin[3].date().isoformat() == "2016-05-04"
    assert tamsin[4] == 9
    assert isinstance(tamsin[5], datetime)
    assert tamsin[5].date().isoformat() == "2026-03-02"
    assert sheet["D2"].number_format == "DD/MM/YYYY"
    assert [row[6] for row in rows] == [e[5] for e in EXPECTED]
    brother = rows[2]
    assert (brother[3], brother[4]) == (None, 7)
    # CSV and XLSX name the same children the same way.
    csv_ids = [
        r[0]
        for r in csv_rows(client.get(CSV_URL, params=WINDOW, headers=auth("mash_manager")).content)[
            1:
        ]
    ]
    assert [row[0] for row in rows] == csv_ids


def test_each_export_is_one_audit_entry_with_the_window_and_count_and_no_personal_data(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    load_known_data(client, auth, database)
    assert client.get(CSV_URL, params=WINDOW, headers=auth("mash_manager")).status_code == 200
    with database.session() as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.resource_kind == "management_information")
        )
    assert (entry.action, entry.outcome) == ("export", "allowed")
    assert entry.reason == "Annex A List 1, contacts received 2026-03-02 to 2026-03-15: 5 rows"
    assert "Tamsin" not in str(entry.reason)
    assert "2016" not in str(entry.reason)


def test_the_default_window_is_the_last_six_months(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    load_known_data(client, auth, database)  # all in March 2026, long before today
    response = client.get(CSV_URL, headers=auth("mash_manager"))
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    first, last = disposition.split('"')[1].removesuffix(".csv").split("_")[1:]
    assert (datetime.fromisoformat(last) - datetime.fromisoformat(first)).days in range(180, 185)


@pytest.mark.parametrize(
    ("role", "claims"),
    [
        ("mash_social_worker", {}),
        ("mash_admin", {}),
        ("agency_rep", {"agency": "police"}),
        ("operational", {"team": "duty_a"}),
        ("ig_officer", {}),
    ],
)
def test_only_a_manager_may_export_list1_the_rest_are_told_not_found(
    client: TestClient, auth: AuthHeaders, database: Database, role: str, claims: dict[str, str]
) -> None:
    load_known_data(client, auth, database)
    for url in (CSV_URL, XLSX_URL):
        response = client.get(url, params=WINDOW, headers=auth(role, **claims))
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
        assert b"WBRI" not in response.content
    with database.session() as session:
        denied = session.scalars(
            select(AuditEntry.outcome).where(AuditEntry.resource_kind == "management_information")
        ).all()
    assert denied == ["denied", "denied"]


def test_a_window_that_ends_before_it_starts_is_refused_plainly(
    client: TestClient, auth: AuthHeaders
) -> None:
    response = client.get(
        CSV_URL, params={"from": LAST_DAY, "to": FIRST_DAY}, headers=auth("mash_manager")
    )
    assert response.status_code == 422
    assert response.json()["error"] == "window_reversed"

"""The manager's dashboard figures, counted by the database, against a known fortnight."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.db import Database
from tests.conftest import AuthHeaders
from tests.reporting.known_data import FIRST_DAY, LAST_DAY, load_known_data

URL = "/api/v1/reports/dashboard"


def test_the_fortnights_figures_are_what_happened(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    load_known_data(client, auth, database)
    response = client.get(
        URL, params={"from": FIRST_DAY, "to": LAST_DAY}, headers=auth("mash_manager")
    )
    assert response.status_code == 200, response.text
    figures = response.json()
    assert figures["contacts"] == 4
    per_day = {d["day"]: d["contacts"] for d in figures["contacts_per_day"]}
    assert len(per_day) == 14  # every day of the window, quiet ones at nought
    assert {day: n for day, n in per_day.items() if n} == {
        "2026-03-02": 2,
        "2026-03-10": 1,
        "2026-03-11": 1,
    }
    assert figures["contacts_by_channel"] == {"web_form": 2, "phone": 1, "police_notification": 1}
    assert figures["screening_weeks"] == [
        {"week_starting": "2026-03-02", "on_time": 1, "breached": 1, "percent_on_time": 50},
        {"week_starting": "2026-03-09", "on_time": 1, "breached": 0, "percent_on_time": 100},
    ]
    assert figures["breaches"] == 1
    assert figures["outcomes"] == {
        "nfa": 1,
        "signpost": 0,
        "early_help": 1,
        "mash_enquiry": 1,
        "child_in_need_assessment": 0,  # only a draft: not yet a decision
        "strategy_discussion": 1,
    }
    assert figures["checks_by_agency"] == [
        {"agency": "education", "asked": 1, "on_time": 0, "late": 1, "waiting": 0},
        {"agency": "health", "asked": 1, "on_time": 0, "late": 1, "waiting": 0},
        {"agency": "police", "asked": 1, "on_time": 1, "late": 0, "waiting": 0},
    ]
    # 3 hours, 34.5 hours and 24 hours from receipt to decision.
    assert figures["decided"] == 3
    assert abs(figures["average_hours_to_decision"] - 20.5) < 0.01
    with database.session() as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.resource_kind == "management_information")
        )
    assert (entry.action, entry.reason) == (
        "read",
        "Dashboard, contacts received 2026-03-02 to 2026-03-15",
    )


def test_a_contact_just_after_midnight_in_summer_counts_on_its_london_day(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    load_known_data(client, auth, database)
    # The later contact came at 23:30 UTC on Sunday 29 March, the night the clocks went
    # forward: 00:30 on Monday in London, so Monday's window holds it and Sunday's does not.
    for day, expected in (("2026-03-29", 0), ("2026-03-30", 1)):
        figures = client.get(URL, params={"from": day, "to": day}, headers=auth("mash_manager"))
        assert figures.json()["contacts"] == expected


def test_a_social_worker_does_not_see_the_figures(client: TestClient, auth: AuthHeaders) -> None:
    response = client.get(URL, headers=auth("mash_social_worker"))
    assert response.status_code == 404

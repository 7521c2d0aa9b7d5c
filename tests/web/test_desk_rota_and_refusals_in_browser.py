"""The duty rota, and the desk's pages refused where the firewall says so, in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.kit.working_time import LONDON, is_out_of_hours
from hub.triage.models import DaNotification, TriageMeeting
from tests.conftest import TokenFactory
from tests.web.conftest import CheckPage, LiveHub
from tests.web.desk_support import (
    ADMIN,
    POLICE_REP,
    SOCIAL_WORKER,
    api_post,
    sign_in_as,
    table_rows,
)

pytestmark = pytest.mark.browser

TEAMS = ["Duty and Assessment A", "Duty and Assessment B", "Duty and Assessment C"]
TEAMS.append("Duty and Assessment D")


def team_in_week_of(moment: datetime, rota_start_monday: datetime) -> str:
    weeks = (moment.astimezone(LONDON).date() - rota_start_monday.date()).days // 7
    return TEAMS[weeks % 4]


def test_the_rota_says_who_is_on_duty_this_week_and_next_and_who_takes_work_now(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in_as(page, ADMIN)
    page.get_by_role("link", name="Rota").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Duty rota")
    now = datetime.now(UTC)
    start = datetime.combine(live_hub.settings.rota_start, datetime.min.time())
    this_week = team_in_week_of(now, start)
    next_week = team_in_week_of(now + timedelta(days=7), start)
    assert this_week != next_week
    rows = [row.split("\t") for row in table_rows(page, "Duty weeks")]
    assert [(row[0], row[-1]) for row in rows] == [
        ("This week", this_week),
        ("Next week", next_week),
    ]
    assert rows[0][1].startswith("Monday")
    assert rows[0][2].startswith("Sunday")
    out_of_hours = is_out_of_hours(now, live_hub.app.state.calendar)
    takes_now = "the out-of-hours team" if out_of_hours else this_week
    expect(page.locator(".govuk-inset-text")).to_contain_text(
        f"New work that needs a social worker goes to {takes_now}."
    )
    check_page(page, "desk: duty rota")


def test_a_police_representative_is_offered_only_what_they_may_do_and_refused_the_rest(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in_as(page, POLICE_REP)
    navigation = page.get_by_role("navigation", name="Menu")
    # Recording a contact by hand is hub work; the police use the public form.
    expect(navigation.get_by_role("link", name="Record a contact")).to_have_count(0)
    expect(navigation.get_by_role("link", name="Police notifications")).to_have_count(1)
    for path in ("/triage", "/missing", "/rota"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, "desk: refused to a police representative", status=404)
    with live_hub.database.session() as session:
        denied = session.scalars(
            select(AuditEntry).where(
                AuditEntry.actor_sub == "demo-police-rep", AuditEntry.outcome == "denied"
            )
        ).all()
    assert sorted(e.resource_kind for e in denied) == [
        "contact",
        "da_notification",
        "missing_episode",
    ]


def test_a_social_worker_may_not_upload_police_notifications(
    page: Page, check_page: CheckPage
) -> None:
    sign_in_as(page, SOCIAL_WORKER)
    response = page.goto("/intake/notifications")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this")
    check_page(page, "desk: upload refused to a social worker", status=403)


def test_signed_out_the_desk_pages_send_you_to_sign_in(page: Page) -> None:
    for path in ("/intake/contact", "/intake/notifications", "/triage", "/missing", "/rota"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in as a demo person")


def test_a_desk_form_posted_without_the_sessions_token_changes_nothing(
    page: Page, live_hub: LiveHub, token_for: TokenFactory
) -> None:
    """A page on another site cannot start the triage list in a signed-in officer's name."""
    notification = {
        "police_reference": "RT/4001/26",
        "incident_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
        "address": "2 Birch Close",
        "postcode": "S60 3AB",
        "risk_level": "high",
        "children": [{"given_name": "Nia"}],
        "circumstances": "Assault in front of the child.",
    }
    api_post(page, token_for, "mash_admin", "/da-notifications", {"notifications": [notification]})
    sign_in_as(page, ADMIN)
    refused = page.request.post("/triage/meetings", form={"csrf_token": "not-this-session's"})
    assert refused.status == 403
    from_elsewhere = page.request.post(
        "/triage/meetings",
        form={"csrf_token": "x"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert from_elsewhere.status == 403
    with live_hub.database.session() as session:
        assert session.scalars(select(TriageMeeting)).all() == []


def test_a_police_representative_sends_the_nights_notifications_but_does_not_see_the_list(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in_as(page, POLICE_REP)
    page.get_by_role("link", name="Police notifications").click()
    csv = (
        "police_reference,incident_at,address,postcode,risk_level,circumstances,"
        "child1_given_name,child1_family_name\n"
        f"RT/5001/26,{(datetime.now(UTC) - timedelta(hours=4)).strftime('%Y-%m-%d %H:%M')},"
        "4 Lime Street,S60 5AB,medium,Shouting heard.,Ola,Pike\n"
    )
    page.get_by_label("CSV file of police notifications").set_input_files(
        files=[{"name": "night.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Police notifications uploaded")
    expect(page.get_by_role("link", name="Go to the triage list")).to_have_count(0)
    check_page(page, "desk: notifications uploaded by the police")
    with live_hub.database.session() as session:
        received = session.scalars(select(DaNotification)).one()
        assert received.received_by == "demo-police-rep"

"""The morning's police notifications: an admin officer uploads the file, then the triage
meeting works down the list, high risk first, in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.contacts.models import Contact
from hub.kit.working_time import LONDON
from hub.triage.models import DaNotification
from tests.web.conftest import CheckPage, LiveHub
from tests.web.desk_support import (
    ADMIN,
    SOCIAL_WORKER,
    sign_in_as,
    summary_value,
    table_rows,
)

pytestmark = pytest.mark.browser

HEADER = (
    "police_reference,incident_at,address,postcode,risk_level,circumstances,"
    "child1_given_name,child1_family_name,victim_given_name,victim_family_name"
)


def overnight_file() -> bytes:
    """Three good rows and, on line 4, a risk level the police system mistyped."""
    last_night = (datetime.now(UTC) - timedelta(hours=9)).astimezone(LONDON)
    at = last_night.strftime("%Y-%m-%d %H:%M")
    rows = [
        HEADER,
        f"RT/3001/26,{at},3 Elm Row,S60 2BB,standard,Raised voices; no injuries.,Kit,Lowe,Ann,Lowe",
        f"RT/3002/26,{at},9 Ash Court,S61 4AB,high,Strangulation reported.,Bea,Hart,Cara,Hart",
        f"RT/3003/26,{at},1 Oak Lane,S62 1DD,severe,Threats to kill.,Dan,Moss,Eve,Moss",
        f"RT/3004/26,{at},5 Yew Walk,S63 9EE,medium,Door damaged.,Fay,Cole,Gil,Cole",
    ]
    return ("\n".join(rows) + "\n").encode()


def test_an_admin_officer_uploads_a_file_with_one_bad_row_and_sees_its_line_number(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    # One file, sent twice below: made again, its times could fall in the next minute and
    # it would be a different file.
    overnight = overnight_file()
    sign_in_as(page, ADMIN)
    page.get_by_role("link", name="Triage").click()
    expect(page.get_by_text("No notifications are waiting.")).to_be_visible()
    check_page(page, "desk: triage, nothing waiting")
    page.get_by_role("link", name="Upload police notifications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload police notifications")
    check_page(page, "desk: notifications upload")

    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("Select the CSV file of police notifications")
    check_page(page, "desk: notifications upload, no file")

    # The wrong file: a spreadsheet saved without the police system's header.
    page.get_by_label("CSV file of police notifications").set_input_files(
        files=[{"name": "other.csv", "mimeType": "text/csv", "buffer": b"ref,when\nRT/1,today\n"}]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The file cannot be used. The header lacks required columns: police_reference,"
    )
    check_page(page, "desk: notifications upload, wrong file")

    page.get_by_label("CSV file of police notifications").set_input_files(
        files=[{"name": "overnight.csv", "mimeType": "text/csv", "buffer": overnight}]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Police notifications uploaded")
    assert summary_value(page, "Rows in the file") == "4"
    assert summary_value(page, "Added to the triage list") == "3 (1 high risk, flagged for MARAC)"
    assert summary_value(page, "Not added: rows to put right") == "1"
    assert table_rows(page, "Rows not added") == [
        "Line 4\trisk_level\tInput should be 'standard', 'medium' or 'high'"
    ]
    # The page names the line and the column, never what the cell held.
    expect(page.get_by_text("severe")).to_have_count(0)
    expect(page.get_by_text("Threats to kill")).to_have_count(0)
    check_page(page, "desk: notifications uploaded, one bad row")
    with live_hub.database.session() as session:
        assert len(session.scalars(select(DaNotification)).all()) == 3

    # The same file again adds nothing twice.
    page.goto("/intake/notifications")
    page.get_by_label("CSV file of police notifications").set_input_files(
        files=[{"name": "overnight.csv", "mimeType": "text/csv", "buffer": overnight}]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Police notifications uploaded")
    assert summary_value(page, "Already received before") == "3"
    with live_hub.database.session() as session:
        assert len(session.scalars(select(DaNotification)).all()) == 3


def test_the_triage_meeting_takes_high_risk_first_and_records_an_outcome_with_its_reason(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in_as(page, ADMIN)
    page.goto("/intake/notifications")
    page.get_by_label("CSV file of police notifications").set_input_files(
        files=[{"name": "overnight.csv", "mimeType": "text/csv", "buffer": overnight_file()}]
    )
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Sign out").click()

    sign_in_as(page, SOCIAL_WORKER)
    page.get_by_role("link", name="Triage").click()
    waiting = table_rows(page, "Waiting for the next triage list (3)")
    assert [row.split("\t")[:3] for row in waiting] == [
        ["RT/3002/26", "High risk", "MARAC"],
        ["RT/3004/26", "Medium risk", "No"],
        ["RT/3001/26", "Standard risk", "No"],
    ]
    check_page(page, "desk: triage, waiting")

    page.get_by_role("button", name="Start today's triage list").click()
    listed = table_rows(page, "Notifications on today's list")
    assert [row.split("\t")[0] for row in listed] == ["RT/3002/26", "RT/3004/26", "RT/3001/26"]
    expect(page.get_by_text("3 still need an outcome.")).to_be_visible()
    check_page(page, "desk: triage, today's list")

    page.get_by_role("link", name="Decide the outcome for RT/3002/26").click()
    expect(page.get_by_text("Police reference RT/3002/26")).to_be_visible()
    expect(page.get_by_text("Strangulation reported.")).to_be_visible()
    check_page(page, "desk: triage outcome, empty")

    # A referral says whether the family know; the officer forgets, and the reason.
    page.get_by_label("Refer to the MASH for screening").check()
    page.get_by_role("button", name="Record the outcome").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter the reason for the outcome")
    expect(summary).to_contain_text("Select whether the family know about the referral")
    expect(page.get_by_label("Refer to the MASH for screening")).to_be_checked()
    check_page(page, "desk: triage outcome, with errors")

    page.get_by_label("Reason for the outcome").fill(
        "Strangulation is a high-risk marker; two children at home."
    )
    page.get_by_label("Yes, they know and they agree").check()
    page.get_by_role("button", name="Record the outcome").click()

    listed = table_rows(page, "Notifications on today's list")
    assert "Refer to the MASH for screening" in listed[0]
    expect(page.get_by_text("2 still need an outcome.")).to_be_visible()
    page.get_by_role("link", name="see reason for RT/3002/26").click()
    expect(page.get_by_text("Strangulation is a high-risk marker")).to_be_visible()
    check_page(page, "desk: triage outcome, recorded")

    with live_hub.database.session() as session:
        referred = session.scalars(
            select(DaNotification).where(DaNotification.outcome == "refer_to_mash")
        ).one()
        contact = session.get(Contact, referred.contact_id)
        assert contact is not None
        assert contact.channel == "police_notification"

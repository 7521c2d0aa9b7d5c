"""The manager's management information in Chromium: the dashboard's figures for a window,
List 1 downloaded from it, and the page refused to a social worker."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from hub.reporting.annex_a import COLUMNS
from tests.conftest import TokenFactory
from tests.web.conftest import CheckPage, LiveHub
from tests.web.desk_support import SOCIAL_WORKER, sign_in_as, summary_value, table_rows
from tests.web.reporting_support import MANAGER, load_known_data_into

pytestmark = pytest.mark.browser


def choose_window(page: Page, first: tuple[str, str, str], last: tuple[str, str, str]) -> None:
    for end, (day, month, year) in (("from", first), ("to", last)):
        fieldset = page.locator("fieldset").filter(has=page.locator(f"#{end}-day"))
        fieldset.get_by_label("Day").fill(day)
        fieldset.get_by_label("Month").fill(month)
        fieldset.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Show figures").click()


def test_a_manager_sees_the_fortnights_figures_and_downloads_list1(
    page: Page, live_hub: LiveHub, token_for: TokenFactory, check_page: CheckPage, tmp_path: Path
) -> None:
    load_known_data_into(page, token_for, live_hub)
    sign_in_as(page, MANAGER)
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Management information")
    check_page(page, "reports: dashboard, default window")

    choose_window(page, ("2", "3", "2026"), ("15", "3", "2026"))
    expect(page.locator(".govuk-body-l")).to_have_text(
        "Contacts received from 2 March 2026 to 15 March 2026 (UK time)."
    )
    assert summary_value(page, "Contacts received") == "4"
    assert summary_value(page, "Screening deadlines missed") == "1"
    assert summary_value(page, "Average time from contact to screening decision") == "20.5 hours"
    assert table_rows(page, "Contacts by channel") == [
        "Web form\t2",
        "Phone\t1",
        "Police notification\t1",
    ]
    assert table_rows(page, "Share of contacts screened within their RAG deadline, by week") == [
        "Week from 2 March 2026\t1\t1\t50%",
        "Week from 9 March 2026\t1\t0\t100%",
    ]
    assert "Strategy discussion (section 47)\t1" in table_rows(page, "Outcomes of contacts")
    assert table_rows(page, "Agency checks answered by their due time, by agency") == [
        "Education\t1\t0\t1\t0",
        "Health\t1\t0\t1\t0",
        "Police\t1\t1\t0\t0",
    ]
    for name in ("Contacts received per day", "Contacts by channel"):
        chart = page.get_by_role("img", name=name)
        expect(chart).to_be_visible()
        assert chart.evaluate("svg => svg.getAttribute('style')") is None
    check_page(page, "reports: dashboard, a chosen fortnight")

    with page.expect_download() as spreadsheet:
        page.get_by_role("link", name="Download List 1 as a spreadsheet (XLSX)").click()
    saved = tmp_path / spreadsheet.value.suggested_filename
    spreadsheet.value.save_as(saved)
    assert saved.name == "annex-a-list-1_2026-03-02_2026-03-15.xlsx"
    rows = list(load_workbook(saved)["List 1"].iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert [row[6] for row in rows[1:]] == ["2A", "3A", "3A", "6", "10"]

    with page.expect_download() as text_file:
        page.get_by_role("link", name="Download List 1 as CSV").click()
    body = Path(text_file.value.path()).read_bytes().decode("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(body)))
    assert tuple(header) == COLUMNS
    assert lines[0][1:] == ["Female", "WBRI", "04/05/2016", "9", "02/03/2026", "2A"]


def test_a_window_that_is_not_a_date_is_said_so(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in_as(page, MANAGER)
    page.goto("/reports")
    choose_window(page, ("31", "2", "2026"), ("15", "3", "2026"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the first day as a real date"
    )
    check_page(page, "reports: a window that is not a date", status=400)


def test_a_social_worker_is_not_offered_reports_and_finds_none(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in_as(page, SOCIAL_WORKER)
    expect(page.get_by_role("link", name="Reports")).to_have_count(0)
    for path in ("/reports", "/reports/annex-a/list-1.csv"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("not found", ignore_case=True)
    check_page(page, "reports: refused to a social worker", status=404)

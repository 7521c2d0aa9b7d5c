"""Missing episodes on the 72-hour clock, as the hub's admin officer keeps them, in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hub.kit.working_time import LONDON
from tests.conftest import TokenFactory
from tests.web.conftest import CheckPage
from tests.web.desk_support import ADMIN, api_post, sign_in_as, table_rows

pytestmark = pytest.mark.browser


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def an_episode(given_name: str, started: datetime, returned: datetime | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "episode_type": "from_care",
        "started_at": started.isoformat(),
        "child": {"given_name": given_name, "family_name": "Pryce", "date_of_birth": "2011-04-02"},
        "reported_by": {"kind": "care_provider", "name": "Bryony Halse"},
        "circumstances": "Did not come back to the home after school.",
    }
    if returned is not None:
        body["returned_at"] = returned.isoformat()
    return body


def type_moment(page: Page, legend: str, moment: datetime) -> None:
    local = moment.astimezone(LONDON)
    group = page.get_by_role("group", name=legend)
    for label, value in (
        ("Day", local.day),
        ("Month", local.month),
        ("Year", local.year),
        ("Hour", local.hour),
        ("Minute", local.minute),
    ):
        group.get_by_label(label, exact=True).fill(str(value))


def test_the_missing_page_shows_overdue_interviews_first_and_records_a_return_and_an_interview(
    page: Page, token_for: TokenFactory, check_page: CheckPage
) -> None:
    def record(body: dict[str, Any]) -> str:
        response = api_post(page, token_for, "mash_admin", "/missing-episodes", body)
        return str(response.json()["reference"])

    just_back = record(an_episode("Ivy", ago(hours=30), ago(hours=2)))
    long_overdue = record(an_episode("Jem", ago(days=6), ago(days=5)))
    overdue = record(an_episode("Kai", ago(days=5), ago(days=4)))
    still_out = record(an_episode("Lea", ago(hours=5), None))

    sign_in_as(page, ADMIN)
    page.get_by_role("link", name="Missing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Missing episodes")
    captions = page.locator("table caption").all_inner_texts()
    assert captions == [
        "Return interviews overdue (2)",
        "Return interviews due (1)",
        "Still missing (1)",
    ]
    overdue_rows = table_rows(page, "Return interviews overdue (2)")
    assert [row.split("\t")[0] for row in overdue_rows] == [long_overdue, overdue]
    assert overdue_rows[0].endswith("Overdue 2 days 0 hours")
    assert overdue_rows[1].endswith("Overdue 1 day 0 hours")
    due_rows = table_rows(page, "Return interviews due (1)")
    assert due_rows[0].startswith(just_back)
    assert "hours" in due_rows[0].split("\t")[-1]
    assert table_rows(page, "Still missing (1)")[0].startswith(still_out)
    # Names stay off the list; references only.
    expect(page.get_by_text("Pryce")).to_have_count(0)
    check_page(page, "desk: missing episodes")

    # Lea is found.
    page.get_by_role("link", name=still_out).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lea Pryce")
    expect(page.get_by_text("Care provider: Bryony Halse")).to_be_visible()
    check_page(page, "desk: missing episode, still missing")
    type_moment(page, "When did they come back?", ago(hours=6))  # before she went
    page.get_by_role("button", name="Record the return").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The time the child came back must be after they went missing"
    )
    type_moment(page, "When did they come back?", ago(hours=1))
    page.get_by_label("Where were they found, if known?").fill("At a friend's flat in town")
    page.get_by_role("button", name="Record the return").click()
    expect(page.get_by_role("heading", name="The return interview")).to_be_visible()
    expect(page.get_by_text("At a friend's flat in town")).to_be_visible()
    expect(page.get_by_text("Due by")).to_be_visible()

    # Jem's interview, two days late: the worker forgets what the child said.
    page.goto("/missing")
    page.get_by_role("link", name=long_overdue).click()
    expect(page.get_by_text("Overdue: was due")).to_be_visible()
    type_moment(page, "When was the interview?", ago(minutes=30))
    page.get_by_role("button", name="Record the interview").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter what the child said")
    expect(page.get_by_label("Who did the interview")).to_have_value("Alex Morgan")
    check_page(page, "desk: missing episode, interview with errors")
    page.get_by_label("What the child said").fill("Stayed with an older friend; felt safe.")
    page.get_by_role("button", name="Record the interview").click()
    expect(page.get_by_text("Stayed with an older friend; felt safe.")).to_be_visible()
    expect(page.get_by_text("Done ")).to_be_visible()
    check_page(page, "desk: missing episode, interview done")

    page.goto("/missing")
    overdue_rows = table_rows(page, "Return interviews overdue (1)")
    assert [row.split("\t")[0] for row in overdue_rows] == [overdue]

"""The IG officer's overview: charts of what was shared, declined, opened by break-glass
and refused (each with its table), audit search, denied attempts and a log found changed;
and no one else gets past the door of any IG page. In Chromium, axe on every state."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DatabaseUrls
from tests.web.conftest import CheckPage, LiveHub
from tests.web.desk_support import table_rows
from tests.web.enquiry_support import sign_in
from tests.web.governance_support import (
    IG_FORMS,
    IG_PAGES,
    POLICE_REP,
    PURPOSE,
    SOCIAL_WORKER,
    change_an_entry,
    disclosures_made,
    expect_not_found,
    gives_purpose,
    ig_entries,
    ig_officer_signs_in,
    refused_quietly,
    sequence,
    stated_purposes,
)

pytestmark = pytest.mark.browser


def test_the_overview_charts_what_was_shared_declined_broken_into_and_refused(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    disclosures_made(page, live_hub)
    sign_in(page, SOCIAL_WORKER)
    refused_quietly(page, "/governance")
    ig_officer_signs_in(page)
    page.goto("/governance")
    gives_purpose(page)

    charts = page.get_by_role("img")
    expect(charts).to_have_count(4)
    expect(
        page.get_by_role("img", name="Disclosures by agency and lawful basis, per week")
    ).to_be_visible()
    [week] = [
        r
        for r in table_rows(page, "Disclosures by agency and lawful basis, per week: the figures")
        if r.split("\t")[-1].strip() != "0"
    ]
    # Police and health shared, housing declined: every answer is on the register.
    assert week.split("\t")[1:] == ["1", "1", "1", "3"]
    [declined] = [
        r
        for r in table_rows(page, "Decisions not to share, per week: the figures")
        if r.split("\t")[-1].strip() != "0"
    ]
    assert declined.split("\t")[-1].strip() == "1"
    [glass] = [
        r
        for r in table_rows(page, "Break-glass openings and their reviews, per week: the figures")
        if r.split("\t")[-1].strip() != "0"
    ]
    assert glass.split("\t")[1:] == ["1", "1", "2"], "one opened, one reviewed"
    denied = table_rows(page, "Denied attempts per role: the figures")
    assert any(r.startswith("MASH social worker") and r.endswith("1") for r in denied)
    check_page(page, "overview with charts")


def test_an_ig_officer_searches_the_log_and_lists_denied_attempts(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in(page, POLICE_REP)
    refused_quietly(page, "/governance/denied")
    ig_officer_signs_in(page)
    page.goto("/governance/denied")
    gives_purpose(page)
    [refused] = table_rows(page, "Denied attempts")
    assert "agency representative" in refused
    assert "Denied" in refused
    check_page(page, "denied attempts")

    page.get_by_role("link", name="Audit search").click()
    page.get_by_label("From").fill("31/02/2026")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="From must be a real date")).to_be_visible()
    check_page(page, "audit search with a wrong date")

    page.get_by_label("From").fill("")
    page.get_by_label("Outcome").select_option(label="Denied")
    page.get_by_label("Kind of thing").fill("disclosure_register")
    page.get_by_role("button", name="Search").click()
    [found] = table_rows(page, "Entries found")
    assert "list disclosure_register" in found
    check_page(page, "audit search")

    page.get_by_role("link", name="Change the purpose").click()
    expect(page.get_by_role("textbox", name="Why are you looking?")).to_have_value(PURPOSE)
    check_page(page, "changing the purpose")
    gives_purpose(page, "Quarterly review of refusals")
    expect(page.get_by_role("heading", name="Audit search")).to_be_visible()
    expect(page.get_by_label("Kind of thing")).to_have_value("disclosure_register")
    expect(page.get_by_text("Quarterly review of refusals")).to_be_visible()

    searches = [e for e in ig_entries(page, live_hub) if e["resource_kind"] == "audit_log"]
    # The denied list, the search page opened, the search (the wrong date searched
    # nothing), then the same search under the new purpose.
    assert stated_purposes(page, live_hub, searches) == [PURPOSE] * 3 + [
        "Quarterly review of refusals"
    ]


def test_a_changed_entry_is_named_when_the_ig_officer_verifies(
    page: Page, live_hub: LiveHub, check_page: CheckPage, database_urls: DatabaseUrls
) -> None:
    ig_officer_signs_in(page)
    page.goto("/governance/verify")
    gives_purpose(page)
    sequence(live_hub)
    change_an_entry(database_urls, 2)
    page.get_by_role("button", name="Verify the log now").click()
    expect(page.get_by_role("heading", name="The log is not intact")).to_be_visible()
    expect(page.get_by_text("First bad entry: 2")).to_be_visible()
    check_page(page, "verified not intact")


@pytest.mark.parametrize("who", [SOCIAL_WORKER, POLICE_REP])
def test_no_one_but_an_ig_officer_finds_any_ig_page(
    page: Page, live_hub: LiveHub, check_page: CheckPage, who: str
) -> None:
    sign_in(page, who)
    expect(page.get_by_role("link", name="Information governance")).to_have_count(0)
    expect(page.get_by_role("link", name="Record of access")).to_have_count(0)
    for path in IG_PAGES:
        expect_not_found(page, path)
    expect_not_found(page, "/governance/disclosures/1")
    check_page(page, "an IG page refused", status=404)
    for path in IG_FORMS:
        refused = page.request.post(path, form={"purpose": "looking around"})
        assert refused.status == 404, path

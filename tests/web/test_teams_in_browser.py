"""The receiving team and the referrer, in Chromium: a Duty & Assessment practitioner reads
the product the MASH sent to their team, prints it and accepts it (or declines it, and the
hub sees why); another team sees nothing of it; the teacher who referred sees the outcome
and nothing more. The hub's side is made through the API, as the hub would make it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import CheckPage, LiveHub
from tests.web.enquiry_support import Api, sign_in
from tests.web.teams_support import (
    ANALYSIS,
    CONCERN,
    DUTY_A,
    DUTY_B,
    HEALTH_SUMMARY,
    POLICE_CAVEAT,
    POLICE_SUMMARY,
    REFERRER,
    SOCIAL_WORKER,
    SentCase,
    case_sent_to,
    reads_by,
)

pytestmark = pytest.mark.browser

DUTY_A_SUB = "demo-duty_a-practitioner"
DECLINE = "Wren's family moved out of our area last week: the family is now Duty B's."


def test_duty_a_reads_prints_and_accepts_the_product_and_the_case_leaves_the_hubs_list(
    page: Page, live_hub: LiveHub, check_page: CheckPage, tmp_path: Path
) -> None:
    api = Api(page, live_hub)
    case = case_sent_to(api, "duty_a")

    hub_waits_for_the_team(page, case, check_page)

    sign_in(page, DUTY_A)
    page.get_by_role("link", name="Products for my team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Products for my team")
    waiting = page.get_by_role("table", name=re.compile("Waiting for your team"))
    row = waiting.get_by_role("row").filter(has=page.get_by_role("link", name=case.reference))
    expect(row).to_contain_text("Red")
    expect(row).to_contain_text("Strategy discussion")
    expect(page.get_by_text("Wren")).to_have_count(0)
    check_page(page, "team inbox: one product waiting")

    reads_before = reads_by(api, "police", DUTY_A_SUB)
    row.get_by_role("link", name=case.reference).click()
    reads_the_product(page, case, check_page)
    assert reads_by(api, "police", DUTY_A_SUB) == reads_before + 1, "the read is police's record"
    prints_the_product(page, check_page, tmp_path)

    page.get_by_role("button", name="Accept: my team will act on it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Product accepted")
    expect(page.get_by_text("The MASH can see that you accepted it")).to_be_visible()
    check_page(page, "team: product accepted")
    page.get_by_role("link", name="Back to products for my team").click()
    answered = page.get_by_role("table", name=re.compile("Accepted or declined"))
    expect(answered.get_by_role("row").filter(has_text=case.reference)).to_contain_text("Accepted")
    expect(page.get_by_role("table", name=re.compile("Waiting for your team"))).to_have_count(0)
    check_page(page, "team inbox: product accepted")
    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_text("Your team accepted this product at")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Accept"))).to_have_count(0)
    check_page(page, "team product: accepted")

    sign_in(page, SOCIAL_WORKER)
    page.goto("/enquiries")
    expect(page.get_by_role("link", name=case.reference)).to_have_count(0)
    check_page(page, "enquiries: the team accepted, nothing left")
    page.goto(f"/enquiries/{case.enquiry_id}")
    expect(page.get_by_text(f"Accepted by {DUTY_A_SUB} at")).to_be_visible()
    check_page(page, "enquiry workspace: product accepted by the team")

    referrer_sees_the_outcome_only(page, case, "Decided: passed to the team that will act.")
    check_page(page, "my referrals: one decided")
    # Last, as a page answered 404 stays in the browser's console.
    another_team_sees_nothing(page, case, check_page)


def hub_waits_for_the_team(page: Page, case: SentCase, check_page: CheckPage) -> None:
    """Sent is not the end for the hub: the case stays on its list until the team answers."""
    sign_in(page, SOCIAL_WORKER)
    expect(page.get_by_role("link", name="Products for my team")).to_have_count(0)
    page.get_by_role("link", name="Enquiries").click()
    sent = page.get_by_role("table", name=re.compile("Sent, waiting for the team"))
    row = sent.get_by_role("row").filter(has=page.get_by_role("link", name=case.reference))
    expect(row).to_contain_text("Duty and Assessment A")
    expect(row).to_contain_text(re.compile(r"Waiting (less than a minute|\d+ minutes?)"))
    check_page(page, "enquiries: sent, waiting for the team")


def another_team_sees_nothing(page: Page, case: SentCase, check_page: CheckPage) -> None:
    sign_in(page, DUTY_B)
    page.get_by_role("link", name="Products for my team").click()
    expect(page.get_by_text("Your team's inbox is empty")).to_be_visible()
    expect(page.get_by_role("link", name=case.reference)).to_have_count(0)
    check_page(page, "team inbox: empty")
    response = page.goto(f"/team/products/{case.product_id}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Wren")).to_have_count(0)
    check_page(page, "team product: another team's", status=404)


def reads_the_product(page: Page, case: SentCase, check_page: CheckPage) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Information product {case.reference}"
    )
    expect(page).to_have_title(re.compile(rf"^Information product {case.reference} "))
    summary = page.locator(".govuk-summary-list").first
    expect(summary).to_contain_text("Red")
    expect(summary).to_contain_text("Strategy discussion (child protection enquiry)")
    expect(summary).to_contain_text("demo-manager, MASH manager, at")
    child = page.locator(".govuk-summary-card").filter(has_text="Wren Castellane")
    expect(child).to_contain_text("21 June 2015")
    expect(child).to_contain_text("Riverside Primary")
    expect(page.locator(".govuk-summary-card").filter(has_text="Ilse Castellane")).to_contain_text(
        "mother"
    )
    expect(page.get_by_text(ANALYSIS)).to_be_visible()
    caveat = page.locator(".govuk-warning-text")
    expect(caveat).to_contain_text("Police intelligence: do not pass it on outside your team")
    expect(caveat).to_contain_text(POLICE_CAVEAT)
    expect(page.get_by_text(POLICE_SUMMARY)).to_be_visible()
    expect(page.get_by_text("Domestic incident", exact=True)).to_be_visible()
    expect(page.get_by_text("2 October 2026")).to_be_visible()
    expect(page.get_by_text(HEALTH_SUMMARY)).to_be_visible()
    # The worry as the referrer wrote it, and the agencies' reasons to the hub, stay there.
    expect(page.get_by_text(CONCERN)).to_have_count(0)
    expect(page.get_by_text("proportionate", exact=False)).to_have_count(0)
    expect(page.get_by_text("relevant to risk")).to_have_count(0)
    check_page(page, "team product: waiting for an answer")


def prints_the_product(page: Page, check_page: CheckPage, tmp_path: Path) -> None:
    """On paper: the product and nothing of the screen's navigation or forms."""
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text(HEALTH_SUMMARY)).to_be_visible()
    for hidden in (
        page.get_by_role("button", name="Accept: my team will act on it"),
        page.get_by_role("button", name="Decline and send it back to the MASH"),
        page.get_by_role("button", name="Sign out"),
        page.get_by_role("link", name="Products for my team").first,
        page.get_by_label("If your team cannot act on it, why not?"),
    ):
        expect(hidden).to_be_hidden()
    expect(page.locator(".govuk-header")).to_be_hidden()
    expect(page.locator(".govuk-footer")).to_be_hidden()
    paper = tmp_path / "product-print.png"
    page.screenshot(path=str(paper), full_page=True)
    assert paper.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    check_page(page, "team product: print view")
    page.emulate_media(media="screen")
    expect(page.get_by_role("button", name="Accept: my team will act on it")).to_be_visible()


def referrer_sees_the_outcome_only(page: Page, case: SentCase, outcome: str) -> None:
    sign_in(page, REFERRER)
    page.get_by_role("link", name="My referrals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My referrals")
    row = page.get_by_role("row").filter(has_text=case.reference)
    expect(row).to_contain_text(outcome)
    for kept_back in ("Wren", "Castellane", "shouting", "Police", "Health", "Duty", ANALYSIS):
        expect(page.get_by_text(kept_back)).to_have_count(0)
    expect(page.get_by_role("link", name=case.reference)).to_have_count(0)


def test_a_decline_goes_back_to_the_hub_with_the_teams_reason(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    api = Api(page, live_hub)
    case = case_sent_to(api, "duty_a", rag="amber")

    sign_in(page, DUTY_A)
    page.goto(f"/team/products/{case.product_id}")
    page.get_by_role("button", name="Decline and send it back to the MASH").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter why your team declines it")
    expect(page).to_have_title(re.compile(r"^Error: Information product"))
    check_page(page, "team product: decline without a reason")
    page.get_by_label("If your team cannot act on it, why not?").fill(DECLINE)
    page.get_by_role("button", name="Decline and send it back to the MASH").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Product declined")
    expect(page.get_by_text("It has gone back to the MASH with your reason")).to_be_visible()
    check_page(page, "team: product declined")
    page.get_by_role("link", name="Back to products for my team").click()
    expect(page.get_by_role("row").filter(has_text=case.reference)).to_contain_text("Declined")

    sign_in(page, SOCIAL_WORKER)
    page.goto("/enquiries")
    open_list = page.get_by_role("table", name=re.compile("Open enquiries"))
    row = open_list.get_by_role("row").filter(has=page.get_by_role("link", name=case.reference))
    expect(row).to_contain_text("Declined by the team")
    expect(page.get_by_text(DECLINE)).to_have_count(0)
    check_page(page, "enquiries: a product declined by the team")
    row.get_by_role("link", name=case.reference).click()
    declined = rf"Duty and Assessment A declined the product at .*: {re.escape(DECLINE)}"
    expect(page.get_by_text(re.compile(declined))).to_be_visible()
    # Back with the hub: its clock runs again and the product can be compiled afresh.
    expect(page.get_by_role("button", name="Send to a manager to authorise")).to_be_visible()
    expect(page.get_by_label("Your analysis")).to_have_value(ANALYSIS)
    check_page(page, "enquiry workspace: product declined by the team")

    referrer_sees_the_outcome_only(page, case, "Being looked at with partner agencies.")


def test_pages_for_teams_and_referrers_are_theirs_alone(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in(page, REFERRER)
    expect(page.get_by_role("link", name="Products for my team")).to_have_count(0)
    page.get_by_role("link", name="My referrals").click()
    expect(page.get_by_text("You have not made any referrals yet.")).to_be_visible()
    check_page(page, "my referrals: none yet")
    response = page.goto("/team/products")
    assert response is not None
    assert response.status == 404

    sign_in(page, DUTY_A)
    expect(page.get_by_role("link", name="My referrals")).to_have_count(0)
    expect(page.get_by_role("link", name="Enquiries")).to_have_count(0)
    response = page.goto("/my/referrals")
    assert response is not None
    assert response.status == 404
    check_page(page, "my referrals: a team practitioner", status=404)

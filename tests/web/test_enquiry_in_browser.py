"""A MASH enquiry from opening to sending, as the social worker and the manager work it, in
Chromium: the agencies answer through the API, as their own systems would."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import CheckPage, LiveHub
from tests.web.enquiry_support import REASON, Api, sign_in

pytestmark = pytest.mark.browser

SOCIAL_WORKER = "Sam Okafor, MASH social worker"
MANAGER = "Priya Shah, MASH manager"
ANALYSIS = "Domestic abuse with Wren present and missed health appointments: significant harm."


def test_a_social_worker_works_an_enquiry_and_a_manager_returns_authorises_and_sends_it(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    api = Api(page, live_hub)
    police_record = api.record(
        "police", record_type="domestic_incident", summary="Child present during argument."
    )
    api.record("health", record_type="missed_appointments", summary="Three missed visits.")
    reference = api.contact_screened_for_enquiry(rag="red")

    sign_in(page, SOCIAL_WORKER)
    enquiry_url = opens_the_enquiry(page, reference, check_page)
    runs_the_match(page, check_page)
    requests_police_health_and_housing_checks(page, check_page)

    police = api.disclose(
        "police",
        {
            "kind": "fields",
            "records": [
                {"record_id": police_record, "fields": ["record_type", "occurred_on", "summary"]}
            ],
            "purpose": "safeguarding enquiry",
            "lawful_basis": "dpa_2018_s35_sch8_para4",
            "consent": "not_sought",
            "proportionality": "Recent incident with the child present; relevant to risk.",
            "caveat": {"code": "police_intelligence", "text": "Do not tell the father."},
        },
    )
    api.disclose(
        "health",
        {
            "kind": "summary",
            "summary": "Three missed health visitor appointments since September.",
            "purpose": "safeguarding enquiry",
            "lawful_basis": "uk_gdpr_9_2_h_dpa_sch1_para2",
            "consent": "not_sought",
            "proportionality": "Health picture needed to judge neglect.",
        },
    )
    api.disclose(
        "housing",
        {"kind": "decline", "reasons": "An open tenancy investigation would be put at risk."},
    )
    reads_what_police_shared(page, api, enquiry_url, check_page)
    api.post(f"/disclosures/{police}/release", {"reason": REASON}, "agency_rep", agency="police")
    compiles_the_product(page, enquiry_url, check_page)

    sign_in(page, MANAGER)
    page.goto(enquiry_url)
    manager_returns_it(page, check_page)

    sign_in(page, SOCIAL_WORKER)
    page.goto(enquiry_url)
    expect(
        page.get_by_text("A manager returned the product: Say what the school saw")
    ).to_be_visible()
    page.get_by_label("Your analysis").fill(ANALYSIS + " The school saw bruising on Monday.")
    page.get_by_role("button", name="Send to a manager to authorise").click()
    expect(page.get_by_text("Waiting for a manager")).to_be_visible()

    sign_in(page, MANAGER)
    page.goto(enquiry_url)
    manager_authorises_and_sends_it(page, reference, check_page)


def opens_the_enquiry(page: Page, reference: str, check_page: CheckPage) -> str:
    """The red contact waits at the top of the enquiries list until she opens its enquiry."""
    page.get_by_role("link", name="Enquiries").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enquiries")
    waiting = page.get_by_role("table", name=re.compile("Waiting for an enquiry"))
    expect(waiting.get_by_role("cell", name=reference, exact=True)).to_be_visible()
    expect(waiting.get_by_text("Red", exact=True)).to_be_visible()
    check_page(page, "enquiries: a contact waiting for an enquiry")
    page.get_by_role("button", name=f"Open enquiry on {reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Enquiry {reference}")
    expect(page).to_have_title(re.compile(rf"^Enquiry {reference} . MASH Hub"))
    expect(page.get_by_role("cell", name="Wren Castellane")).to_be_visible()
    expect(page.get_by_role("cell", name="21 June 2015")).to_be_visible()
    expect(page.get_by_text(re.compile(r"(left|Overdue by) .*\(.*due"))).to_be_visible()
    check_page(page, "enquiry workspace: just opened")
    return page.url


def runs_the_match(page: Page, check_page: CheckPage) -> None:
    """Dean is known only by his first name: he is skipped, and the others are matched."""
    page.get_by_role("button", name="Check which agencies know them").click()
    match = page.get_by_role("table", name="Agency match")
    child = match.get_by_role("row").filter(has_text="Child 1")
    expect(child).to_contain_text("Police: 1 record, strong match")
    expect(child).to_contain_text("Health: 1 record, strong match")
    expect(match.get_by_role("row").filter(has_text="Adult 2")).to_contain_text(
        "Not checked: not enough identifiers"
    )
    expect(match.get_by_role("row").filter(has_text="Adult 1")).to_contain_text(
        "No agency holds records"
    )
    expect(match).not_to_contain_text("Child present")
    check_page(page, "enquiry workspace: agency match")


def requests_police_health_and_housing_checks(page: Page, check_page: CheckPage) -> None:
    page.get_by_role("button", name="Ask for checks").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Select at least one agency to ask")
    expect(summary).to_contain_text("Enter what you want the agencies to check")
    expect(page).to_have_title(re.compile(r"^Error: Enquiry"))
    check_page(page, "enquiry workspace: checks form with errors")
    page.get_by_label("Police").check()
    page.get_by_label("Health").check()
    page.get_by_label("Housing").check()
    page.get_by_label("What do you want them to check?").fill(
        "Any involvement with Wren or the adults at her address?"
    )
    page.get_by_role("button", name="Ask for checks").click()
    checks = page.get_by_role("table", name="Checks asked of agencies")
    expect(checks.get_by_role("row").filter(has_text="Police")).to_contain_text("Waiting")
    expect(checks.get_by_role("row").filter(has_text="Health")).to_contain_text("Waiting")
    # Only the agencies not yet asked are offered.
    expect(page.get_by_label("Police")).to_have_count(0)
    check_page(page, "enquiry workspace: checks requested")


def reads_what_police_shared(page: Page, api: Api, enquiry_url: str, check_page: CheckPage) -> None:
    """The answers show the basis and the caveat; the content opens on its own page, and
    police can see that she read it."""
    page.goto(enquiry_url)
    police = page.locator(".govuk-summary-card").filter(has_text="Police: shared parts of records")
    expect(police).to_contain_text("Police intelligence")
    expect(police).to_contain_text("Do not tell the father.")
    expect(police).to_contain_text("Not released for passing on yet")
    expect(page.get_by_text("Child present during argument.")).to_have_count(0)
    housing = page.locator(".govuk-summary-card").filter(has_text="Housing: decided not to share")
    expect(housing.get_by_role("link", name="Read their reasons")).to_be_visible()
    expect(page.get_by_text("tenancy investigation")).to_have_count(0)
    check_page(page, "enquiry workspace: agencies have answered")
    reads_before = _reads(api)
    police.get_by_role("link", name="Read what Police shared").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What Police said")
    expect(page.get_by_text("Child present during argument.")).to_be_visible()
    check_page(page, "disclosure: what police shared")
    assert _reads(api) == reads_before + 1
    page.get_by_role("link", name=re.compile("Back to enquiry")).click()


def _reads(api: Api) -> int:
    disclosures = api.get("/agencies/police/disclosures", "agency_rep", agency="police")
    return sum(
        1
        for d in disclosures
        for r in d["later_reads"]
        if r["reader"] == "demo-sw" and r["action"] == "read"
    )


def compiles_the_product(page: Page, enquiry_url: str, check_page: CheckPage) -> None:
    page.goto(enquiry_url)
    page.get_by_label("Strategy discussion (child protection enquiry)").check()
    page.get_by_role("button", name="Send to a manager to authorise").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your analysis")
    check_page(page, "enquiry workspace: product form with errors")
    page.get_by_role("checkbox", name=re.compile("^Police: shared parts of records")).check()
    page.get_by_role("checkbox", name=re.compile("^Health: shared a summary")).check()
    page.get_by_label("Your analysis").fill(ANALYSIS)
    page.get_by_role("button", name="Send to a manager to authorise").click()
    expect(page.get_by_text("Waiting for a manager")).to_be_visible()
    expect(page.get_by_text("2 items from agencies")).to_be_visible()
    # A social worker is not offered the manager's decision.
    expect(page.get_by_role("button", name="Record your decision")).to_have_count(0)
    check_page(page, "enquiry workspace: product waiting for a manager")


def manager_returns_it(page: Page, check_page: CheckPage) -> None:
    page.get_by_role("button", name="Record your decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Select whether you authorise it")
    check_page(page, "enquiry workspace: decision form with errors")
    page.get_by_label("No, return it to the social worker").check()
    page.get_by_label("Your reason").fill("Say what the school saw on Monday, and when.")
    page.get_by_role("button", name="Record your decision").click()
    expect(
        page.get_by_text("A manager returned the product: Say what the school saw")
    ).to_be_visible()
    check_page(page, "enquiry workspace: product returned")


def manager_authorises_and_sends_it(page: Page, reference: str, check_page: CheckPage) -> None:
    page.get_by_role("link", name=re.compile("Read the product as")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Information product {reference}")
    expect(page.get_by_text("Three missed health visitor appointments")).to_be_visible()
    check_page(page, "product as the team will read it")
    page.get_by_role("link", name=re.compile("Back to enquiry")).click()
    page.get_by_label("Yes, authorise it").check()
    page.get_by_label("Your reason").fill("The picture now supports a strategy discussion.")
    page.get_by_role("button", name="Record your decision").click()
    expect(page.get_by_text("Authorised, not sent yet")).to_be_visible()
    check_page(page, "enquiry workspace: product authorised")
    # The red case stays on the list until the product is sent.
    page.goto("/enquiries")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text("Authorised, not sent yet")
    expect(row).to_contain_text("2 shared, 0 holding nothing, 1 declined")
    expect(row.get_by_text("Red", exact=True)).to_be_visible()
    check_page(page, "enquiries: one open, authorised")
    page.go_back()
    page.get_by_role("button", name=re.compile("^Send to ")).click()
    expect(page.get_by_text("Sent", exact=True)).to_be_visible()
    expect(page.get_by_text("Product sent: the clock has stopped")).to_be_visible()
    check_page(page, "enquiry workspace: product sent")
    # Sent is not the end: the case waits on the list until the team acknowledges it.
    page.goto("/enquiries")
    expect(page.get_by_role("table", name=re.compile("Open enquiries"))).to_have_count(0)
    sent = page.get_by_role("table", name=re.compile("Sent, waiting for the team"))
    expect(sent.get_by_role("link", name=reference)).to_be_visible()
    check_page(page, "enquiries: nothing open, one waiting for the team")


def test_an_agency_representative_cannot_open_an_enquiry_page(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    api = Api(page, live_hub)
    reference = api.contact_screened_for_enquiry(rag="amber")
    sign_in(page, SOCIAL_WORKER)
    page.goto("/enquiries")
    page.get_by_role("button", name=f"Open enquiry on {reference}").click()
    enquiry_url = page.url

    sign_in(page, "Police representative")
    expect(page.get_by_role("link", name="Enquiries")).to_have_count(0)
    response = page.goto(enquiry_url)
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, "enquiry workspace: agency representative", status=404)
    listing = page.goto("/enquiries")
    assert listing is not None
    assert listing.status == 404

"""One whole case in Chromium, each step by the person whose job it is, each in their own
browser (their own cookies): a neighbour's contact from the public form, screened red from
the board, consent overridden by a manager, an enquiry with an agency match and checks,
police sharing parts of two records and releasing one, health declining, a product returned
once, resubmitted, authorised and sent, and the receiving team reading only what police
released and accepting it, after which the case leaves the hub's list."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from hub.enquiries.models import Disclosure
from hub.products.models import InformationProduct
from hub.products.schemas import ProductOutcome
from hub.products.service import suggested_team
from hub.web.people import TEAM_NAMES
from tests.conftest import TokenFactory
from tests.web.case_support import Steps, import_records, new_person, sign_in
from tests.web.conftest import CheckPage, LiveHub

pytestmark = pytest.mark.browser

SOCIAL_WORKER = "Sam Okafor, MASH social worker"
MANAGER = "Priya Shah, MASH manager"
POLICE = "Police representative"
HEALTH = "Health representative"

CHILD = {
    "given_name": "Wren",
    "family_name": "Castellane",
    "date_of_birth": "2015-06-21",
    "postcode": "RT3 4PX",
}
CALL_OUT = CHILD | {
    "source_ref": "NICHE-88121",
    "record_type": "domestic_incident",
    "occurred_on": "2026-10-02",
    "summary": "Attended address; child present during argument.",
}
INTELLIGENCE = CHILD | {
    "source_ref": "INT-5530",
    "record_type": "intelligence",
    "occurred_on": "2026-10-20",
    "summary": "Source reports the partner keeps a firearm at the address.",
}
MISSED = CHILD | {
    "source_ref": "HV-301",
    "record_type": "missed_appointments",
    "occurred_on": "2026-09-14",
    "summary": "Three missed health visitor appointments.",
}
CALL_OUT_TITLE = "Domestic incident, 2 October 2026"
INTELLIGENCE_TITLE = "Intelligence, 20 October 2026"
PARTS = ("Type of record", "Date it happened", "Summary")
ANALYSIS = (
    "Shouting every night, Wren hiding, and a police call-out with her there: significant harm."
)
RETURN_REASON = "Say what the neighbour saw herself, and when."
STRATEGY = "Strategy discussion (child protection enquiry)"

OpenPerson = Callable[[], Page]


@pytest.fixture
def open_person(browser: Browser, live_hub: LiveHub) -> Iterator[OpenPerson]:
    """A new browser context (new cookies) for each further person; closed at the end."""
    opened: list[Page] = []

    def make() -> Page:
        page = new_person(browser, live_hub)
        opened.append(page)
        return page

    yield make
    for page in opened:
        page.context.close()


def test_one_case_from_a_neighbour_s_worry_to_the_team_that_acts(
    page: Page,
    live_hub: LiveHub,
    check_page: CheckPage,
    open_person: OpenPerson,
    token_for: TokenFactory,
) -> None:
    # Before the case: the agencies' own systems have imported what they hold.
    police, health = open_person(), open_person()
    import_records(
        police, token_for("agency_rep", agency="police"), "police", [CALL_OUT, INTELLIGENCE]
    )
    import_records(health, token_for("agency_rep", agency="health"), "health", [MISSED])

    reference = a_neighbour_tells_us(open_person(), check_page)

    social_worker = page
    steps = Steps()
    steps.watch(social_worker)
    sign_in(social_worker, SOCIAL_WORKER)
    contact_url = the_social_worker_screens_it_red_from_the_board(
        social_worker, reference, check_page
    )

    manager = open_person()
    sign_in(manager, MANAGER)
    the_manager_authorises_going_ahead_without_consent(manager, contact_url, check_page)

    enquiry_url = the_social_worker_opens_the_enquiry(social_worker, reference, check_page)
    the_social_worker_matches_and_asks_police_and_health(social_worker, check_page)

    sign_in(police, POLICE)
    police_share_parts_of_both_records_with_a_caveat(police, live_hub, check_page)
    police_release_the_call_out_and_keep_the_intelligence_back(police, check_page)

    sign_in(health, HEALTH)
    health_decide_not_to_share(health, check_page)

    the_social_worker_compiles_the_product(social_worker, enquiry_url, reference, check_page)
    the_manager_returns_it(manager, reference, check_page)
    the_social_worker_resubmits_it(social_worker, enquiry_url, check_page)
    worked = steps.count
    team, product_url = the_manager_authorises_and_sends_it(
        manager, reference, live_hub, check_page
    )
    the_team_reads_only_what_police_released_and_accepts_it(
        open_person(), reference, team, check_page
    )
    the_case_leaves_the_hubs_list(manager, reference, check_page)
    the_teams_system_reads_it_too(manager, product_url, team, token_for)

    # The closing note quotes this count.
    print(  # noqa: T201
        f"\nThe social worker's steps for the whole case: {worked}"
        f" ({len(steps.visits)} page visits, {len(steps.submissions)} form submissions)"
        f"\n  visits: {steps.visits}\n  submissions: {steps.submissions}"
    )
    # Signing in, the board, the contact, reading police's answer, and the workspace twice
    # after others acted; screening, the outcome, opening, the match, the checks, the
    # product and its resubmission.
    assert (len(steps.visits), len(steps.submissions)) == (6, 8), steps


def a_neighbour_tells_us(public: Page, check_page: CheckPage) -> str:
    """From the public form, signed in as nobody; she has not told the family because
    of what the mother's partner might do. Returns the reference she is given."""
    public.goto("/refer")
    expect(public.get_by_role("heading", level=1)).to_have_text(
        "Tell us you are worried about a child"
    )
    # The hub's stylesheet is served and applies (the service's own font, not the browser's).
    expect(public.get_by_role("heading", level=1)).to_have_css(
        "font-family", re.compile(r"^arial", re.IGNORECASE)
    )
    public.get_by_label("I know the family: a neighbour, friend or childminder").check()
    public.get_by_label("First name").first.fill("Wren")
    public.get_by_label("Last name").first.fill("Castellane")
    public.get_by_label("Day").fill("21")
    public.get_by_label("Month").fill("6")
    public.get_by_label("Year").fill("2015")
    public.get_by_label("Postcode").fill("RT3 4PX")
    public.get_by_label("Domestic abuse in the home").check()
    public.get_by_label("Neglect: not fed, kept clean, safe or cared for").check()
    public.get_by_label("Tell us what is happening").fill(
        "Shouting every night next door; Wren says she hides under the bed, and last night"
        " she was on the doorstep at 11pm in her pyjamas."
    )
    public.get_by_label("No, I have not told them").check()
    public.get_by_label("If you have not told them, why not?").fill(
        "Her mum's partner would take it out on Wren if he knew."
    )
    public.get_by_role("button", name="Add a person who lives with the child").click()
    public.get_by_label("First name").nth(1).fill("Dean")
    public.get_by_label("Who they are to the child").fill("mum's partner")
    check_page(public, "case: the public form filled in")
    public.get_by_role("button", name="Continue").click()
    expect(public.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending them"
    )
    check_page(public, "case: the public form's answers")
    public.get_by_role("button", name="Send").click()
    panel = public.locator(".govuk-panel")
    expect(panel).to_contain_text("We have your concern")
    reference = panel.locator("strong").inner_text().strip()
    assert reference.startswith("MH-")
    check_page(public, "case: the public form sent")
    return reference


def the_social_worker_screens_it_red_from_the_board(
    page: Page, reference: str, check_page: CheckPage
) -> str:
    """She finds the new contact among those not rated yet; returns the contact's URL."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Screening board")
    expect(page.locator("#board")).to_have_css("display", "grid")
    unrated = page.get_by_role("region", name=re.compile("^Not rated yet"))
    card = unrated.get_by_role("listitem").filter(has_text="Wren Castellane")
    expect(card).to_contain_text("Consent not sought")
    expect(card).to_contain_text("Domestic abuse, Neglect")
    check_page(page, "case: board with the new contact")
    card.get_by_role("link", name=re.compile(r"^Wren Castellane, \d+ years old$")).click()
    expect(page).to_have_title(re.compile(rf"^Contact {reference} . MASH Hub"))
    expect(page.get_by_text("Her mum's partner would take it out on Wren")).to_be_visible()

    page.get_by_label("Level 4: statutory social work").check()
    page.get_by_label("Red").check()
    page.get_by_label("Why this threshold and rating").fill(
        "A child hiding from nightly violence and out alone at night: significant harm."
    )
    page.get_by_role("button", name="Save the rating").click()
    expect(page.get_by_text("You screened this contact")).to_be_visible()
    rating = page.locator(".govuk-summary-list__row").filter(has_text="Rating").first
    expect(rating).to_contain_text("Red")
    # Not yet: consent was not sought, and only a manager may go ahead without it.
    expect(page.get_by_text("A MASH manager must authorise going ahead")).to_be_visible()
    check_page(page, "case: contact rated red, consent not sought")
    return page.url.split("?", 1)[0]


def the_manager_authorises_going_ahead_without_consent(
    page: Page, contact_url: str, check_page: CheckPage
) -> None:
    red = page.get_by_role("region", name=re.compile("^Red"))
    red.get_by_role("link", name=re.compile(r"^Wren Castellane")).click()
    assert page.url == contact_url
    manager = page.get_by_role("heading", name="Manager's decisions")
    expect(manager).to_be_visible()
    page.get_by_label("Why the hub should go ahead without consent").fill(
        "Telling the family would put Wren at greater risk from the mother's partner."
    )
    page.get_by_role("button", name="Authorise going ahead without consent").click()
    expect(page.get_by_text("You authorised going ahead without consent")).to_be_visible()
    expect(page.get_by_text("A manager has authorised going ahead without it.")).to_be_visible()
    check_page(page, "case: consent overridden by the manager")


def the_social_worker_opens_the_enquiry(page: Page, reference: str, check_page: CheckPage) -> str:
    """On the contact page she still has open: the outcome, then the enquiry's button."""
    page.get_by_label("MASH enquiry: ask agencies for checks").check()
    page.get_by_label("Why").fill("Needs the police and health picture before deciding.")
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.get_by_text("You decided where this contact goes next")).to_be_visible()
    expect(page.get_by_text("A manager has authorised going ahead without it.")).to_be_visible()
    check_page(page, "case: outcome decided")
    page.get_by_role("button", name="Open a MASH enquiry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Enquiry {reference}")
    expect(page.get_by_role("cell", name="Wren Castellane")).to_be_visible()
    check_page(page, "case: enquiry opened")
    return page.url


def the_social_worker_matches_and_asks_police_and_health(page: Page, check_page: CheckPage) -> None:
    page.get_by_role("button", name="Check which agencies know them").click()
    match = page.get_by_role("table", name="Agency match")
    child = match.get_by_role("row").filter(has_text="Child 1")
    expect(child).to_contain_text("Police: 2 records, strong match")
    expect(child).to_contain_text("Health: 1 record, strong match")
    expect(match).not_to_contain_text("firearm")
    check_page(page, "case: agency match")
    page.get_by_label("Police").check()
    page.get_by_label("Health").check()
    page.get_by_label("What do you want them to check?").fill(
        "Any involvement with Wren, and anything known about the adults at her address?"
    )
    page.get_by_role("button", name="Ask for checks").click()
    checks = page.get_by_role("table", name="Checks asked of agencies")
    expect(checks.get_by_role("row").filter(has_text="Police")).to_contain_text("Waiting")
    expect(checks.get_by_role("row").filter(has_text="Health")).to_contain_text("Waiting")
    check_page(page, "case: checks asked")


def police_share_parts_of_both_records_with_a_caveat(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    page.get_by_role("link", name="Check requests").click()
    expect(page.get_by_role("link", name=re.compile("^Answer the check on"))).to_have_count(1)
    check_page(page, "case: police inbox")
    page.get_by_role("link", name=re.compile("^Answer the check on Wren Castellane")).click()
    expect(page.get_by_role("heading", name=CALL_OUT_TITLE)).to_be_visible()
    expect(page.get_by_role("heading", name=INTELLIGENCE_TITLE)).to_be_visible()
    for title in (CALL_OUT_TITLE, INTELLIGENCE_TITLE):
        page.get_by_label(f"Share this record: {title}").check()
        fields = page.get_by_role("group", name=f"which parts of {title}")
        for part in PARTS:
            fields.get_by_label(part, exact=True).check()
    page.get_by_label("Share chosen parts of records").check()
    page.get_by_label("Purpose of sharing").fill("To judge the risk to Wren tonight")
    page.get_by_label("DPA 2018 s35 with Sch 8 para 4: law enforcement, safeguarding").check()
    page.get_by_label("Consent was not sought").check()
    page.get_by_label("Why sharing this is proportionate").fill(
        "A recent call-out with the child present, and a weapon reported at the address."
    )
    page.get_by_label("Police intelligence: not to be passed on until police release it").check()
    page.get_by_label("What the caveat says (optional)").fill("Source protected.")
    check_page(page, "case: police choose what to share")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check what you will send to the hub")
    expect(page.get_by_text(CALL_OUT["summary"])).to_be_visible()
    expect(page.get_by_text(INTELLIGENCE["summary"])).to_be_visible()
    expect(page.get_by_text("21 June 2015")).to_have_count(0)  # parts not chosen stay
    with live_hub.database.session() as session:
        assert session.scalars(select(Disclosure)).all() == []  # nothing has left yet
    check_page(page, "case: police confirm what will leave")
    page.get_by_role("button", name="Send to the hub").click()
    expect(page.get_by_text("Your answer has been sent to the hub.")).to_be_visible()
    expect(page.get_by_text("Kept back: the hub may not pass it on")).to_be_visible()
    check_page(page, "case: police answer sent")


def police_release_the_call_out_and_keep_the_intelligence_back(
    page: Page, check_page: CheckPage
) -> None:
    page.get_by_role("link", name="Disclosures", exact=True).click()
    page.get_by_role("link", name=re.compile("and who has read it$")).click()
    release = page.get_by_role("group", name="What may now be passed on")
    for part in PARTS:
        release.get_by_label(f"{CALL_OUT_TITLE}: {part}").check()
    page.get_by_label("Why it may now be passed on").fill(
        "The call-out is known to the family; the intelligence is not."
    )
    page.get_by_role("button", name="Release what is chosen").click()
    expect(page.get_by_text("Released in part; the rest is kept back")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{CALL_OUT_TITLE}: released")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{INTELLIGENCE_TITLE}: kept back")).to_be_visible()
    check_page(page, "case: police released the call-out only")


def health_decide_not_to_share(page: Page, check_page: CheckPage) -> None:
    page.get_by_role("link", name="Check requests").click()
    page.get_by_role("link", name=re.compile("^Answer the check on Wren Castellane")).click()
    page.get_by_label("We hold information but will not share it").check()
    page.get_by_label("If you will not share: your reasons").fill(
        "The appointments are already being followed up by the health visitor; sharing"
        " clinical detail is not needed for this worry."
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what you will send to the hub")
    expect(page.get_by_text(MISSED["summary"])).to_have_count(0)
    check_page(page, "case: health confirm not sharing")
    page.get_by_role("button", name="Send to the hub").click()
    expect(page.get_by_text("Your answer has been sent to the hub.")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="Decided not to share")).to_be_visible()
    check_page(page, "case: health decline sent")


def the_social_worker_compiles_the_product(
    page: Page, enquiry_url: str, reference: str, check_page: CheckPage
) -> None:
    """She comes back to the enquiry, reads police's answer, and compiles the product with
    the team the rota suggests."""
    page.goto(enquiry_url)
    police = page.locator(".govuk-summary-card").filter(has_text="Police: shared parts of records")
    expect(police).to_contain_text("Released in part for passing on; the rest is kept back.")
    health = page.locator(".govuk-summary-card").filter(has_text="Health: decided not to share")
    expect(health.get_by_role("link", name="Read their reasons")).to_be_visible()
    check_page(page, "case: workspace with both answers")
    police.get_by_role("link", name="Read what Police shared").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What Police said")
    expect(page.get_by_text(CALL_OUT["summary"])).to_be_visible()
    check_page(page, "case: what police shared")
    page.get_by_role("link", name=f"Back to enquiry {reference}").click()

    items = page.get_by_role("group", name="What agencies shared that the team needs")
    expect(items.get_by_role("checkbox")).to_have_count(1)  # a decision not to share is not one
    items.get_by_role("checkbox", name=re.compile("^Police: shared parts of records")).check()
    page.get_by_label("Your analysis").fill(ANALYSIS)
    page.get_by_label(STRATEGY).check()
    expect(page.get_by_label("Receiving team")).to_have_value("")  # as the rota suggests
    check_page(page, "case: product form filled in")
    page.get_by_role("button", name="Send to a manager to authorise").click()
    expect(page.get_by_text("Waiting for a manager")).to_be_visible()
    expect(page.get_by_text("1 item from agencies")).to_be_visible()
    check_page(page, "case: product waiting for a manager")


def the_manager_returns_it(page: Page, reference: str, check_page: CheckPage) -> None:
    page.get_by_role("link", name="Enquiries", exact=True).click()
    page.get_by_role("link", name=reference, exact=True).click()
    page.get_by_label("No, return it to the social worker").check()
    page.get_by_label("Your reason").fill(RETURN_REASON)
    page.get_by_role("button", name="Record your decision").click()
    expect(page.get_by_text(f"A manager returned the product: {RETURN_REASON}")).to_be_visible()
    check_page(page, "case: product returned")


def the_social_worker_resubmits_it(page: Page, enquiry_url: str, check_page: CheckPage) -> None:
    """What she chose before is still chosen; she adds what the manager asked for."""
    page.goto(enquiry_url)
    expect(page.get_by_text(f"A manager returned the product: {RETURN_REASON}")).to_be_visible()
    expect(
        page.get_by_role("checkbox", name=re.compile("^Police: shared parts of records"))
    ).to_be_checked()
    expect(page.get_by_label(STRATEGY)).to_be_checked()
    expect(page.get_by_label("Your analysis")).to_have_value(ANALYSIS)
    check_page(page, "case: returned product to rework")
    page.get_by_label("Your analysis").fill(
        ANALYSIS + " The neighbour saw Wren on the doorstep herself, at 11pm last night."
    )
    page.get_by_role("button", name="Send to a manager to authorise").click()
    expect(page.get_by_text("Waiting for a manager")).to_be_visible()
    check_page(page, "case: product resubmitted")


def the_manager_authorises_and_sends_it(
    page: Page,
    reference: str,
    live_hub: LiveHub,
    check_page: CheckPage,
) -> tuple[str, str]:
    """The team is the one the rota suggested when the product was compiled. Returns the
    team and the URL of the product sent."""
    page.reload()
    read_link = page.get_by_role("link", name=re.compile("^Read the product as"))
    product_url = str(read_link.get_attribute("href"))
    with live_hub.database.session() as session:
        products = {str(p.id): p for p in session.scalars(select(InformationProduct))}
        # The returned product stays as it was; the resubmission is a product of its own.
        assert sorted(p.status for p in products.values()) == [
            "awaiting_authorisation",
            "returned",
        ]
        product = products[product_url.rsplit("/", 1)[1]]
        assert product.status == "awaiting_authorisation"
        compiled_at = product.compiled_at.replace(tzinfo=product.compiled_at.tzinfo or UTC)
        team = product.receiving_team
    assert team is not None
    assert team == suggested_team(
        ProductOutcome.strategy_discussion,
        compiled_at,
        live_hub.app.state.calendar,
        live_hub.settings.rota_start,
    )
    team_name = TEAM_NAMES[team]

    page.get_by_role("link", name=f"Read the product as {team_name} will see it").click()
    assert page.url.endswith(product_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Information product {reference}")
    expect(page.get_by_text("Wren on the doorstep herself")).to_be_visible()
    expect(page.get_by_text(CALL_OUT["summary"])).to_be_visible()
    expect(page.get_by_text("firearm")).to_have_count(0)
    check_page(page, "case: the product as the team will read it")
    page.get_by_role("link", name=f"Back to enquiry {reference}").click()

    page.get_by_label("Yes, authorise it").check()
    page.get_by_label("Your reason").fill("Now says what the neighbour saw; a strategy discussion.")
    page.get_by_role("button", name="Record your decision").click()
    expect(page.get_by_text("Authorised, not sent yet")).to_be_visible()
    check_page(page, "case: product authorised")
    page.get_by_role("link", name="All enquiries").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text("Authorised, not sent yet")
    expect(row).to_contain_text("1 shared, 0 holding nothing, 1 declined")
    expect(row.get_by_text("Red", exact=True)).to_be_visible()
    check_page(page, "case: enquiries, authorised")

    row.get_by_role("link", name=reference).click()
    page.get_by_role("button", name=f"Send to {team_name}").click()
    expect(page.get_by_text("Sent", exact=True)).to_be_visible()
    expect(page.get_by_text("Product sent: the clock has stopped")).to_be_visible()
    check_page(page, "case: product sent")
    # Sent is not the end: the case waits on the hub's list until the team answers.
    page.get_by_role("link", name="All enquiries").click()
    waiting = page.get_by_role("table", name=re.compile("Sent, waiting for the team"))
    expect(waiting.get_by_role("link", name=reference)).to_have_count(1)
    check_page(page, "case: enquiries, sent and waiting for the team")
    return team, product_url


def the_team_reads_only_what_police_released_and_accepts_it(
    page: Page, reference: str, team: str, check_page: CheckPage
) -> None:
    """A practitioner of the receiving team finds the product in the team's inbox, reads
    the released call-out with police's caveat and nothing police kept back, and accepts it."""
    sign_in(page, f"{TEAM_NAMES[team]} practitioner")
    page.get_by_role("link", name="Products for my team").click()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text(CALL_OUT["summary"])).to_be_visible()
    expect(page.get_by_text("Source protected.")).to_be_visible()
    expect(page.get_by_text("firearm")).to_have_count(0)
    check_page(page, "case: the team reads the product")
    page.get_by_role("button", name="Accept: my team will act on it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Product accepted")
    check_page(page, "case: the team accepted it")


def the_case_leaves_the_hubs_list(page: Page, reference: str, check_page: CheckPage) -> None:
    page.goto("/enquiries")
    expect(page.get_by_role("link", name=reference)).to_have_count(0)
    expect(page.get_by_text("There are no open enquiries.")).to_be_visible()
    check_page(page, "case: enquiries, none open")


def the_teams_system_reads_it_too(
    page: Page, product_url: str, team: str, token_for: TokenFactory
) -> None:
    """The team's case system reads the same product through the API."""
    product_id = product_url.rsplit("/", 1)[1]
    read = page.request.get(
        f"/api/v1/products/{product_id}",
        headers={"Authorization": f"Bearer {token_for('operational', team=team)}"},
    )
    assert read.ok, read.text()
    body = read.json()
    assert body["status"] == "accepted"
    text = json.dumps(body)
    assert CALL_OUT["summary"] in text
    assert "firearm" not in text
    assert "Source protected." in text  # the caveat travels with what was released

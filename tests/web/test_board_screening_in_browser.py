"""A social worker screens a contact from the board, by keyboard alone; a manager re-rates
and authorises going ahead without consent; others see neither the board nor the contact."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import TokenFactory
from tests.web.board_support import (
    MANAGER,
    SOCIAL_WORKER,
    child,
    entries_by,
    rate,
    send_contact,
    sign_in,
)
from tests.web.conftest import CheckPage, LiveHub

pytestmark = pytest.mark.browser
AUTHORISE = "Authorise going ahead without consent"


def tab_to(page: Page, matches: str, *, attribute: str = "text", presses: int = 80) -> None:
    """Press Tab until the focused element's text (or id) is ``matches``, as a keyboard user."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(attribute) => attribute === 'id' ? document.activeElement.id"
            " : document.activeElement.textContent.trim()",
            attribute,
        )
        if focused == matches:
            return
    raise AssertionError(f"Tab never reached {matches!r}")


def test_a_social_worker_screens_a_contact_from_the_board_by_keyboard(
    page: Page, live_hub: LiveHub, check_page: CheckPage, token_for: TokenFactory
) -> None:
    ava = send_contact(
        live_hub,
        children=[child("Ava", "Brown", 7)],
        worries=["neglect", "emotional_abuse"],
    )
    leo = send_contact(
        live_hub,
        children=[{"given_name": "Leo", "family_name": "Grant", "age_years": 12}],
        worries=["domestic_abuse"],
        consent={"status": "not_sought", "reason": "Telling dad would put Leo at risk."},
        channel="phone",
    )
    rate(live_hub, token_for("mash_social_worker", sub="sw-colleague"), leo["id"], "amber")

    sign_in(page, SOCIAL_WORKER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Screening board")
    expect(page).to_have_title(re.compile(r"^Screening board . MASH Hub . Example Council$"))
    unrated = page.get_by_role("region", name=re.compile("^Not rated yet"))
    expect(unrated.get_by_role("heading", level=2)).to_contain_text("(1)")
    ava_card = unrated.get_by_role("listitem").filter(has_text="Ava Brown")
    expect(ava_card.get_by_role("link")).to_have_text("Ava Brown, 7 years old")
    expect(ava_card).to_contain_text("Emotional abuse, Neglect")
    expect(ava_card).to_contain_text("Consent given")
    expect(ava_card).to_contain_text("Web form")
    expect(ava_card).to_contain_text("for a rating")
    amber = page.get_by_role("region", name=re.compile("^Amber"))
    leo_card = amber.get_by_role("listitem").filter(has_text="Leo Grant")
    expect(leo_card.get_by_role("link")).to_have_text("Leo Grant, about 12 years old")
    expect(leo_card).to_contain_text("Amber")
    expect(leo_card).to_contain_text("Level 3")
    expect(leo_card).to_contain_text("Consent not sought")
    expect(leo_card).to_contain_text("Phone")
    expect(leo_card).to_contain_text(re.compile(r"\d+ hours? \d+ minutes? left|\d+ hours? left"))
    check_page(page, "board")
    screens_ava_by_keyboard(page, ava, check_page)
    decides_on_an_enquiry(page, ava, check_page)

    # Once a colleague has opened the enquiry, the page leads to it instead.
    opened = httpx.post(
        f"{live_hub.url}/api/v1/enquiries",
        json={"contact_id": ava["id"]},
        headers={"Authorization": f"Bearer {token_for('mash_social_worker', sub='sw-colleague')}"},
    )
    assert opened.status_code == 201, opened.text
    page.reload()
    expect(page.get_by_role("link", name="Go to the MASH enquiry")).to_have_attribute(
        "href", f"/enquiries/{opened.json()['id']}"
    )
    expect(page.get_by_role("button", name="Open a MASH enquiry")).to_have_count(0)
    record = page.locator("#record + ol")
    expect(record).to_contain_text("Outcome decided: MASH enquiry")
    expect(record).to_contain_text("MASH enquiry opened")
    expect(record).not_to_contain_text("agencies' picture")

    page.get_by_role("link", name="Back to the screening board").click()
    expect(page.get_by_role("link", name="Ava Brown, 7 years old")).to_have_count(0)
    entries = entries_by(live_hub, "demo-sw")
    assert [e.outcome for e in entries if e.outcome == "denied"] == []
    assert [e.action for e in entries if e.resource_id == ava["id"]] == [
        "read",  # the contact page
        "read",  # again, with the form's mistakes
        "screen",
        "read",
        "screen",  # the outcome is a screening decision
        "read",
        "read",  # with the enquiry opened
    ]


def screens_ava_by_keyboard(page: Page, ava: dict[str, str], check_page: CheckPage) -> None:
    """Keyboard only: to Ava's card, into her contact, through the screening form, with a
    mistake on the way."""
    tab_to(page, "Ava Brown, 7 years old")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ava Brown")
    expect(page).to_have_title(re.compile(rf"^Contact {ava['reference']} . MASH Hub"))
    assert page.url.endswith(f"/contacts/{ava['id']}")
    expect(page.get_by_text("Emotional abuse, Neglect")).to_be_visible()
    expect(page.get_by_role("heading", name="Manager's decisions")).to_have_count(0)
    check_page(page, "contact page")

    tab_to(page, "screen-threshold_level", attribute="id")
    page.keyboard.press("ArrowDown")  # level 2
    page.keyboard.press("ArrowDown")  # level 3
    page.keyboard.press("ArrowDown")  # level 4
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first rating: red
    tab_to(page, "Save the rating")
    page.keyboard.press("Enter")

    expect(page).to_have_title(re.compile(r"^Error: Contact "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Give the reason, in at least 10 characters")
    expect(page.get_by_label("Level 4: statutory social work")).to_be_checked()
    expect(page.get_by_label("Red")).to_be_checked()
    check_page(page, "contact page: screening form with errors")

    page.keyboard.press("Tab")  # the error summary has focus; its link is next
    page.keyboard.press("Enter")
    expect(page.get_by_label("Why this threshold and rating")).to_be_focused()
    page.keyboard.type("Hungry at school every day; younger siblings at home alone.")
    tab_to(page, "Save the rating")
    page.keyboard.press("Enter")

    expect(page.get_by_text("You screened this contact")).to_be_visible()
    rating = page.locator(".govuk-summary-list__row").filter(has_text="Rating")
    expect(rating.first).to_contain_text("Red")
    expect(page.get_by_role("heading", name="Manager's decisions")).to_have_count(0)
    record = page.locator("#record + ol")
    expect(record).to_contain_text("Screened: threshold level 4, rated Red")
    expect(record).to_contain_text("MASH social worker (demo-sw)")
    expect(record).not_to_contain_text("Hungry at school")
    check_page(page, "contact page: rated")


def decides_on_an_enquiry(page: Page, ava: dict[str, str], check_page: CheckPage) -> None:
    page.get_by_label("MASH enquiry: ask agencies for checks").check()
    page.get_by_label("Why").fill("Needs the agencies' picture before deciding.")
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.get_by_text("You decided where this contact goes next")).to_be_visible()
    enquiry_form = page.locator("form[action='/enquiries']")
    expect(enquiry_form.get_by_role("button", name="Open a MASH enquiry")).to_be_visible()
    expect(enquiry_form.locator("input[name=contact_id]")).to_have_value(ava["id"])
    expect(enquiry_form.locator("input[name=csrf_token]")).to_have_count(1)
    check_page(page, "contact page: decided on an enquiry")


def test_a_manager_re_rates_and_authorises_going_ahead_without_consent(
    page: Page, live_hub: LiveHub, check_page: CheckPage, token_for: TokenFactory
) -> None:
    mia = send_contact(
        live_hub,
        children=[child("Mia", "Stone", 4)],
        worries=["physical_abuse"],
        consent={"status": "refused", "reason": "Mum said no."},
    )
    rate(live_hub, token_for("mash_social_worker", sub="sw-colleague"), mia["id"], "amber")
    sign_in(page, MANAGER)
    page.get_by_role("link", name="Mia Stone, 4 years old").click()
    expect(page.get_by_role("heading", name="Manager's decisions")).to_be_visible()
    expect(page.get_by_text("Consent was not given.")).to_be_visible()

    page.get_by_label("Red").check()
    page.get_by_role("button", name="Change the rating").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Give the reason, in at least 10 characters for changing the rating"
    )
    expect(page.get_by_label("Red")).to_be_checked()
    check_page(page, "contact page: re-rating with errors")
    page.get_by_label("Why the rating changes").fill("A bruise on her face seen at nursery today.")
    page.get_by_role("button", name="Change the rating").click()
    expect(page.get_by_text("You changed the rating")).to_be_visible()
    expect(
        page.locator(".govuk-summary-list__row").filter(has_text="Rating").first
    ).to_contain_text("Red")

    page.get_by_label("Why the hub should go ahead without consent").fill(
        "Asking again would put Mia at greater risk of harm."
    )
    page.get_by_role("button", name="Authorise going ahead without consent").click()
    expect(page.get_by_text("You authorised going ahead without consent")).to_be_visible()
    expect(page.get_by_text("A manager has authorised going ahead without it.")).to_be_visible()
    expect(page.get_by_role("button", name="Authorise going ahead without consent")).to_have_count(
        0
    )
    record = page.locator("#record + ol")
    expect(record).to_contain_text("Rating changed from Amber to Red")
    expect(record).not_to_contain_text("bruise")
    expect(record).to_contain_text("Going ahead without consent authorised")
    expect(record).to_contain_text("MASH manager (demo-manager)")
    expect(record).not_to_contain_text("greater risk")
    check_page(page, "contact page: manager's decisions made")

    actions = [e.action for e in entries_by(live_hub, "demo-manager") if e.resource_id == mia["id"]]
    assert actions == ["read", "read", "rerate", "read", "override_consent", "read"]


def test_a_social_worker_is_not_offered_a_manager_s_decisions(
    page: Page, live_hub: LiveHub, token_for: TokenFactory
) -> None:
    noah = send_contact(
        live_hub,
        children=[{"given_name": "Noah"}],
        worries=["exploitation"],
        consent={"status": "not_sought", "reason": "He asked us not to tell them."},
    )
    rate(live_hub, token_for("mash_social_worker", sub="sw-colleague"), noah["id"], "green")
    sign_in(page, SOCIAL_WORKER)
    page.goto(f"/contacts/{noah['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Noah")
    expect(page.get_by_role("heading", name="Decide where this contact goes next")).to_be_visible()
    expect(page.get_by_role("heading", name="Manager's decisions")).to_have_count(0)
    expect(page.get_by_role("button", name="Change the rating")).to_have_count(0)
    expect(page.get_by_role("button", name="Authorise going ahead without consent")).to_have_count(
        0
    )

    # Without the consent a manager authorises, screening cannot go on to an enquiry.
    page.get_by_label("MASH enquiry: ask agencies for checks").check()
    page.get_by_label("Why").fill("Needs the agencies' picture before deciding.")
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.get_by_role("alert")).to_contain_text("a MASH manager must authorise")
    expect(page.get_by_label("MASH enquiry: ask agencies for checks")).to_be_checked()
    expect(page.get_by_label("Why")).to_have_value("Needs the agencies' picture before deciding.")


def test_an_agency_representative_gets_no_board_and_no_contact(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    ava = send_contact(live_hub, children=[{"given_name": "Ava"}], worries=["neglect"])
    sign_in(page, "Police representative")
    # The representative starts on their agency's check requests, with no board to go to.
    expect(page).to_have_url(re.compile(r"/checks$"))
    expect(page.get_by_role("link", name="Screening board")).to_have_count(0)
    expect(page.get_by_text("Ava")).to_have_count(0)
    check_page(page, "agency representative's home")

    response = page.goto(f"/contacts/{ava['id']}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Ava")).to_have_count(0)
    check_page(page, "contact page: agency representative", status=404)

    changes = page.request.get("/board/changes?since=1")
    assert changes.status == 404
    denied = [e for e in entries_by(live_hub, "demo-police-rep") if e.outcome == "denied"]
    assert {(e.action, e.resource_kind) for e in denied} == {
        ("read", "contact"),
        ("list", "contact"),
    }


def test_a_contact_a_colleague_rated_meanwhile_is_not_rated_twice(
    page: Page, live_hub: LiveHub, check_page: CheckPage, token_for: TokenFactory
) -> None:
    ruby = send_contact(live_hub, children=[child("Ruby", "Hale", 10)], worries=["missing"])
    sign_in(page, SOCIAL_WORKER)
    page.get_by_role("link", name="Ruby Hale, 10 years old").click()
    page.get_by_label("Level 2: early help").check()
    page.get_by_label("Green").check()
    page.get_by_label("Why this threshold and rating").fill("Back home; school will keep an eye.")
    rate(live_hub, token_for("mash_social_worker", sub="sw-colleague"), ruby["id"], "amber")
    page.get_by_role("button", name="Save the rating").click()

    expect(page.get_by_role("alert")).to_contain_text("This contact already has a rating")
    rating = page.locator(".govuk-summary-list__row").filter(has_text="Rating").first
    expect(rating).to_contain_text("Amber")
    expect(page.get_by_role("button", name="Save the rating")).to_have_count(0)
    check_page(page, "contact page: rated by a colleague meanwhile")
    screened = [e for e in entries_by(live_hub, "demo-sw") if e.action == "screen"]
    assert screened == []


def test_an_admin_officer_reads_the_contact_but_neither_screens_it_nor_sees_its_enquiry(
    page: Page, live_hub: LiveHub, check_page: CheckPage, token_for: TokenFactory
) -> None:
    zara = send_contact(live_hub, children=[child("Zara", "Quinn", 15)], worries=["exploitation"])
    colleague = {"Authorization": f"Bearer {token_for('mash_social_worker', sub='sw-colleague')}"}
    rate(live_hub, token_for("mash_social_worker", sub="sw-colleague"), zara["id"], "red")
    for path, body in (
        (f"contacts/{zara['id']}/outcome", {"outcome": "mash_enquiry", "reason": "Needs checks."}),
        ("enquiries", {"contact_id": zara["id"]}),
    ):
        answered = httpx.post(f"{live_hub.url}/api/v1/{path}", json=body, headers=colleague)
        assert answered.status_code in (200, 201), answered.text

    sign_in(page, "Alex Morgan, MASH admin officer")
    page.goto(f"/contacts/{zara['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zara Quinn")
    expect(page.get_by_role("heading", name="Screen this contact")).to_have_count(0)
    expect(page.get_by_role("heading", name="Decide where this contact goes next")).to_have_count(0)
    expect(page.get_by_role("heading", name="MASH enquiry")).to_have_count(0)
    expect(page.locator("#record + ol")).not_to_contain_text("MASH enquiry opened")
    check_page(page, "contact page: admin officer")

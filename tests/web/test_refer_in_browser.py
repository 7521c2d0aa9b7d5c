"""The public Contact and Referral form, as a neighbour uses it, in Chromium."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.contacts.models import Contact
from hub.contacts.service import open_details
from tests.web.conftest import CheckPage, LiveHub

pytestmark = pytest.mark.browser


def test_a_neighbour_tells_us_about_a_child_makes_mistakes_corrects_them_and_gets_a_reference(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    page.goto("/refer")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tell us you are worried about a child"
    )
    expect(page.get_by_text("If a child is in immediate danger, call 999.")).to_be_visible()
    expect(page.get_by_text(live_hub.settings.out_of_hours_phone)).to_be_visible()
    check_page(page, "refer: empty form")
    first_go_with_mistakes(page)
    check_page(page, "refer: form with errors")
    reference = corrects_them_checks_and_sends(page, check_page)
    check_page(page, "refer: confirmation")
    the_contact_is_in_the_hub_and_the_audit_log(live_hub, reference)


def first_go_with_mistakes(page: Page) -> None:
    """She says how she knows the child, but forgets the worry and the consent question,
    and types an impossible date of birth; the page says what to put right, keeping what
    she typed."""
    page.get_by_label("I know the family: a neighbour, friend or childminder").check()
    page.get_by_label("First name").first.fill("Maisie")
    page.get_by_label("Last name").first.fill("Hollins")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2019")
    page.get_by_label("Where they live, if you know").fill("4 Mill Lane, Riverton")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(re.compile(r"^Error: Tell us you are worried about a child\b"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Date of birth for the child must be a real date")
    expect(summary).to_contain_text("Select what you are worried about")
    expect(summary).to_contain_text("Select whether the family know you are telling us")
    expect(page.get_by_text("Error: Select what you are worried about")).to_be_visible()
    # What she typed is still there.
    expect(page.get_by_label("First name").first).to_have_value("Maisie")
    expect(page.get_by_label("Where they live, if you know")).to_have_value("4 Mill Lane, Riverton")
    expect(
        page.get_by_label("I know the family: a neighbour, friend or childminder")
    ).to_be_checked()
    assert "Maisie" not in page.url
    assert "?" not in page.url


def corrects_them_checks_and_sends(page: Page, check_page: CheckPage) -> str:
    """She has not told the family, because of what the dad might do. Returns the reference."""
    page.get_by_label("Day").fill("28")
    page.get_by_label("Neglect: not fed, kept clean, safe or cared for").check()
    page.get_by_label("Domestic abuse in the home").check()
    page.get_by_label("Tell us what is happening").fill(
        "Shouting most nights; Maisie was outside in the cold without a coat at 10pm."
    )
    page.get_by_label("No, I have not told them").check()
    page.get_by_label("If you have not told them, why not?").fill(
        "I am frightened of what her dad would do to her if he knew."
    )
    page.get_by_role("button", name="Add a person who lives with the child").click()
    page.get_by_label("First name").nth(1).fill("Dean")
    page.get_by_label("Who they are to the child").fill("dad")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending them"
    )
    expect(page.get_by_text("I am frightened of what her dad would do")).to_be_visible()
    check_page(page, "refer: check answers")

    # Changes her mind about one answer, then sends it.
    page.get_by_role("button", name="Change your answers").click()
    expect(page.get_by_label("Tell us what is happening")).to_have_value(
        "Shouting most nights; Maisie was outside in the cold without a coat at 10pm."
    )
    page.get_by_label("School, college or nursery, if you know").fill("Riverton Primary")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send").click()

    panel = page.locator(".govuk-panel")
    expect(panel).to_contain_text("We have your concern")
    reference = panel.locator("strong").inner_text().strip()
    assert reference.startswith("MH-")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    assert reference not in page.url
    return reference


def the_contact_is_in_the_hub_and_the_audit_log(live_hub: LiveHub, reference: str) -> None:
    """With its consent position, the reason, the CIN contact source, and one audit entry."""
    with live_hub.database.session() as session:
        contact = session.scalars(select(Contact).where(Contact.reference == reference)).one()
        assert contact.consent == "not_sought"
        assert contact.referrer_kind == "public"
        assert json.loads(contact.worries) == ["domestic_abuse", "neglect"]
        details = open_details(session, contact, keyring=live_hub.app.state.keyring)
        assert details["consent_reason"].startswith("I am frightened")
        assert details["people"][0]["school"] == "Riverton Primary"
        assert details["people"][0]["date_of_birth"] == "2019-02-28"
        assert details["people"][1]["relationship"] == "dad"
        assert details["referrer"]["source"] == "1B"
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.resource_id == str(contact.id))
        ).one()
        assert (entry.action, entry.outcome, entry.actor_sub) == ("create", "allowed", "public")
        assert entry.consent == "not_sought"


def test_sending_the_same_page_twice_makes_one_contact(page: Page, live_hub: LiveHub) -> None:
    page.goto("/refer")
    page.get_by_label("I do not want to say who I am").check()
    page.get_by_label("First name").first.fill("Tyler")
    page.get_by_label("Something else").check()
    page.get_by_label("Tell us what is happening").fill(
        "He is often alone at the bus stop at night."
    )
    page.get_by_label("Yes, they know and they agree").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send").click()
    first = page.locator(".govuk-panel strong").inner_text()
    page.reload()  # the browser posts the same page again
    expect(page.locator(".govuk-panel strong")).to_have_text(first)
    with live_hub.database.session() as session:
        assert len(session.scalars(select(Contact)).all()) == 1

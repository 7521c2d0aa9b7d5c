"""An admin officer records a contact that came in by phone, in Chromium."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from hub.contacts.models import Contact
from hub.contacts.service import open_details
from tests.web.conftest import CheckPage, LiveHub
from tests.web.desk_support import ADMIN, sign_in_as

pytestmark = pytest.mark.browser


def test_an_admin_officer_records_a_phone_call_and_it_is_on_the_board_with_its_reference(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in_as(page, ADMIN)
    page.get_by_role("link", name="Record a contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a contact")
    # The person signed in is not asked who they are: only about the caller.
    expect(page.get_by_label("Your name")).to_have_count(0)
    check_page(page, "desk: record a contact, empty")

    # A grandmother rings. The officer starts typing and presses the button too soon.
    page.get_by_label("Phone call").check()
    page.get_by_label("First name").first.fill("Tyler")
    page.get_by_role("button", name="Record the contact").click()
    expect(page).to_have_title(re.compile(r"^Error: Record a contact\b"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Select how the person who contacted us knows the child")
    expect(summary).to_contain_text("Select what the worry is about")
    expect(summary).to_contain_text("Select whether the family know about this contact")
    expect(page.get_by_label("First name").first).to_have_value("Tyler")
    expect(page.get_by_label("Phone call")).to_be_checked()
    check_page(page, "desk: record a contact, with errors")

    page.get_by_label("In the child's family, or looks after them").check()
    page.get_by_label("Their name").fill("Maureen Briggs")
    page.get_by_label("Their phone number").fill("07700 900123")
    page.get_by_label("Last name").first.fill("Briggs")
    page.get_by_label("Or their age, if you do not know their date of birth").fill("4")
    page.get_by_label("Neglect: not fed, kept clean, safe or cared for").check()
    page.get_by_label("What is happening").fill(
        "Tyler was left alone in the flat all afternoon; she found him when she called round."
    )
    page.get_by_label("No, they have not been told").check()
    page.get_by_label("If the family have not been told, why not?").fill(
        "She is afraid her daughter will stop her seeing Tyler."
    )
    page.get_by_role("button", name="Record the contact").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Contact recorded")
    reference = page.locator(".govuk-panel__body strong").inner_text()
    assert re.fullmatch(r"MH-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    expect(page.get_by_text("Phone call contact, taken by you.")).to_be_visible()
    check_page(page, "desk: contact recorded")
    assert "Tyler" not in page.url
    assert "?" not in page.url

    page.get_by_role("link", name="Go to the screening board").click()
    # On the board as a card named for the child; the card opens the contact it recorded.
    page.get_by_role("link", name=re.compile(r"^Tyler Briggs")).first.click()
    expect(page.get_by_text(f"Contact {reference}")).to_be_visible()

    with live_hub.database.session() as session:
        contact = session.scalars(select(Contact).where(Contact.reference == reference)).one()
        assert contact.channel == "phone"
        assert contact.submitted_by == "demo-admin"
        assert json.loads(contact.worries) == ["neglect"]
        details = open_details(session, contact, keyring=live_hub.app.state.keyring)
    referrer = details["referrer"]
    assert (referrer["source"], referrer["name"], referrer["phone"]) == (
        "1A",
        "Maureen Briggs",
        "07700 900123",
    )
    assert details["people"][0]["age_years"] == 4
    assert details["consent_reason"].startswith("She is afraid")


def test_sending_the_same_contact_form_twice_records_one_contact(
    page: Page, live_hub: LiveHub
) -> None:
    sign_in_as(page, ADMIN)
    page.goto("/intake/contact")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("School or college").check()
    page.get_by_label("Their name").fill("R. Okoye")
    page.get_by_label("Their organisation, if they contacted us for work").fill("Riverside Primary")
    page.get_by_label("Their email address").fill("safeguarding@riverside.example")
    page.get_by_label("First name").first.fill("Ada")
    page.get_by_label("Being hurt: hit, kicked, burnt or shaken").check()
    page.get_by_label("What is happening").fill("Bruising on both arms again this week.")
    page.get_by_label("Yes, they know and they agree").check()
    page.get_by_role("button", name="Record the contact").click()
    first = page.locator(".govuk-panel__body strong").inner_text()
    page.reload()  # the browser posts the same form again
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact recorded")
    expect(page.locator(".govuk-panel__body strong")).to_have_text(first)
    with live_hub.database.session() as session:
        assert len(session.execute(select(Contact)).scalars().all()) == 1


def test_a_call_that_outlasts_the_session_keeps_what_was_typed_until_the_officer_signs_in_again(
    page: Page, context: BrowserContext, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in_as(page, ADMIN)
    page.goto("/intake/contact")
    page.get_by_label("Phone call").check()
    page.get_by_label("Police").check()
    page.get_by_label("Their name").fill("PC Dunmore")
    page.get_by_label("Their organisation, if they contacted us for work").fill("South Yorkshire")
    page.get_by_label("Their phone number").fill("101")
    page.get_by_label("First name").first.fill("Rory")
    page.get_by_label("Exploitation: made to do things for others, online or offline").check()
    page.get_by_label("What is happening").fill("Seen carrying packages for older youths.")
    page.get_by_label("They know, but they do not agree").check()

    context.clear_cookies()  # the session ends while the officer is still on the phone
    page.get_by_role("button", name="Record the contact").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing has been recorded")
    expect(page.get_by_label("What is happening")).to_have_value(
        "Seen carrying packages for older youths."
    )
    check_page(page, "desk: record a contact, session ended")

    with context.expect_page() as opened:
        page.get_by_role("link", name="Sign in again (opens in new tab)").click()
    other_tab = opened.value
    other_tab.get_by_role("button", name=f"Sign in as {ADMIN}").click()
    expect(other_tab.get_by_role("button", name="Sign out")).to_be_visible()
    other_tab.close()

    page.get_by_role("button", name="Record the contact").click()
    expect(page.get_by_role("alert")).to_contain_text("You have signed in again")
    page.get_by_role("button", name="Record the contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact recorded")
    with live_hub.database.session() as session:
        contact = session.scalars(select(Contact)).one()
        assert contact.submitted_by == "demo-admin"
        assert contact.consent == "refused"

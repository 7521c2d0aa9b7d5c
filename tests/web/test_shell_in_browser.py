"""The signed-in shell, as a newcomer in dev mode meets it, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import CheckPage

pytestmark = pytest.mark.browser


def test_a_newcomer_signs_in_as_a_social_worker_with_one_click_and_signs_out(
    page: Page, check_page: CheckPage
) -> None:
    # A contact is waiting: a school sent it through the API.
    sent = page.request.post(
        "/api/v1/contacts",
        data={
            "children": [{"given_name": "Ava"}],
            "worries": ["neglect"],
            "concern": "Comes to school hungry.",
            "consent": {"status": "obtained"},
        },
    )
    assert sent.status == 201
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in as a demo person")
    check_page(page, "dev sign-in")

    page.get_by_role("button", name="Sign in as Sam Okafor, MASH social worker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Screening board")
    expect(page.get_by_text("Signed in as Sam Okafor, MASH social worker")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Screening board . MASH Hub . Example Council$"))
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Ava"))
    expect(card.get_by_role("link")).to_have_text("Ava, age not known")
    expect(card).to_contain_text("Not rated")
    check_page(page, "signed-in shell: screening board")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    check_page(page, "signed out")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in as a demo person")


def test_an_agency_representative_sees_their_role_and_agency(
    page: Page, check_page: CheckPage
) -> None:
    page.goto("/")
    page.get_by_role("button", name="Sign in as Police representative").click()
    expect(page.get_by_text("agency representative (Police)")).to_be_visible()
    check_page(page, "signed-in shell: agency representative")


def test_a_page_that_does_not_exist_says_so(page: Page, check_page: CheckPage) -> None:
    response = page.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, "page not found", status=404)

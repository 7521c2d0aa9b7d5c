"""The system administrator's pages in Chromium: the firewall's matrix and its reload, the
keys and the agencies and teams, each reached from the service navigation, with axe on
every state; a social worker who types the address finds nothing there."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.web.conftest import CheckPage, LiveHub
from tests.web.desk_support import sign_in_as
from tests.web.enquiry_support import Api
from tests.web.governance_support import SOCIAL_WORKER, expect_not_found

pytestmark = pytest.mark.browser

SYSADMIN = "Chris Lee, system administrator"


def admin_pages(page: Page) -> Locator:
    return page.get_by_role("navigation", name="System administration pages")


def test_the_administrator_reads_the_firewall_reloads_it_and_checks_keys_and_agencies(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    Api(page, live_hub).record("police")
    sign_in_as(page, SYSADMIN)
    page.get_by_role("link", name="System administration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Firewall")
    reload_table = page.get_by_role("table", name="The firewall policy (policy)")
    expect(reload_table.get_by_role("row", name="Reload")).to_contain_text("Yes")
    check_page(page, "admin: firewall matrix")

    page.get_by_role("button", name="Reload the policy").click()
    expect(page.get_by_role("status")).to_contain_text("The policy was reloaded")
    check_page(page, "admin: policy reloaded")

    admin_pages(page).get_by_role("link", name="Keys").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keys")
    police = page.get_by_role("table", name="Agency stores").get_by_role("row", name="Police")
    expect(police).to_contain_text("agency:police")
    records = page.get_by_role("table", name="Agency records' own keys, by agency")
    expect(records.get_by_role("row", name="Police")).to_contain_text("1")
    check_page(page, "admin: keys")

    admin_pages(page).get_by_role("link", name="Agencies and teams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agencies and teams")
    expect(page.get_by_role("table", name="Teams")).to_contain_text("On duty this week")
    check_page(page, "admin: agencies and teams")

    page.get_by_role("button", name="Sign out").click()
    sign_in_as(page, SOCIAL_WORKER)
    expect(page.get_by_role("link", name="System administration")).to_have_count(0)
    expect_not_found(page, "/admin/keys")

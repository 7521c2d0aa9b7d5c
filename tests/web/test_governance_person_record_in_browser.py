"""An IG officer answers a subject access request in Chromium: gives the purpose, finds the
child by name and date of birth, sees each contact and disclosure about her and who read
them, opens the contact (the one item whose content she will release), and downloads the
export, which marks what is about other people and what carries police's caveat, and holds
the content of that contact only."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.missing.conftest import an_episode
from tests.web.conftest import CheckPage, LiveHub
from tests.web.desk_support import table_rows
from tests.web.enquiry_support import CHILD, Api
from tests.web.governance_support import (
    PURPOSE,
    disclosures_made,
    gives_purpose,
    ig_entries,
    ig_officer_signs_in,
    stated_purposes,
)

pytestmark = pytest.mark.browser


def test_an_ig_officer_finds_a_child_opens_one_contact_and_exports_the_record(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    scene = disclosures_made(page, live_hub)
    started = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    episode = Api(page, live_hub).post(
        "/missing-episodes",
        an_episode(started, episode_type="from_home", child=CHILD),
        "mash_admin",
    )
    ig_officer_signs_in(page)
    page.get_by_role("link", name="Record of access").click()
    gives_purpose(page)
    expect(page.get_by_role("heading", name="A person's record of access")).to_be_visible()
    check_page(page, "record of access, the question")

    finds_nobody_without_enough_to_name_one_person(page, check_page)
    finds_wren(page, check_page)
    assert "Wren" not in page.url
    assert "2015" not in page.url
    sees_what_the_hub_holds_by_reference_only(page, str(episode["reference"]))

    opens_the_contact(page, check_page)
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download the export").click()
    download = downloading.value
    assert download.suggested_filename == "record-of-access.zip"
    path = download.path()
    assert path is not None
    html, doc = read_export(path.read_bytes())
    assert "ABOUT ANOTHER PERSON" in html
    assert "AGENCY CAVEAT" in html
    assert "shouting every night" in html
    for not_opened in ("Callout.", "Three missed health visitor appointments"):
        assert not_opened not in html
    [opened] = doc["opened_contacts"]
    assert doc["opened_disclosures"] == []
    marks = {p["details"].get("given_name"): p["mark"] for p in opened["people"]}
    assert marks == {"Wren": None, "Ilse": "another_person", "Dean": "another_person"}
    caveated = [d for d in doc["record"]["disclosures"] if d["caveat"]]
    assert [d["id"] for d in caveated] == [scene.police_disclosure]

    page.get_by_role("button", name="Back to the record").click()
    expect(page.get_by_role("heading", name="A person's record of access")).to_be_visible()
    page.get_by_text("Who read contact").click()
    expect(page.get_by_text("Stated, sealed in the log")).to_be_visible()
    check_page(page, "record of access, back to the record")

    mine = ig_entries(page, live_hub)
    look_ups = [e for e in mine if e["resource_kind"] == "person_record"]
    assert sorted(e["action"] for e in look_ups) == ["export", "read", "read", "read"]
    assert not any("Castellane" in json.dumps(e) for e in mine)
    openings = [e for e in mine if e["action"] == "open"]
    assert [e["resource_kind"] for e in openings] == ["contact"]
    assert set(stated_purposes(page, live_hub, look_ups + openings)) == {PURPOSE}

    holds_the_case_for_the_request(page, live_hub, check_page)


HOLD_REASON = "Subject access request SAR-2026-041 open: keep until it is answered."


def holds_the_case_for_the_request(page: Page, live_hub: LiveHub, check_page: CheckPage) -> None:
    """The officer keeps the case from the retention schedule while the request is open."""
    page.get_by_role("button", name="Legal hold").click()
    expect(page.get_by_role("heading", name="Legal hold on contact")).to_be_visible()
    expect(page.get_by_text("This case is not on legal hold.")).to_be_visible()
    page.get_by_role("button", name="Put the case on legal hold").click()
    expect(page.get_by_role("link", name="Enter why the case must be kept")).to_be_visible()
    check_page(page, "record of access, legal hold without a reason")
    page.get_by_label("Why the case must be kept").fill(HOLD_REASON)
    page.get_by_role("button", name="Put the case on legal hold").click()
    expect(page.get_by_text("Legal hold placed.")).to_be_visible()
    expect(page.get_by_text("This case is on legal hold since")).to_be_visible()
    check_page(page, "record of access, legal hold placed")
    # The log records the hold (and the state look-ups), never the reason in clear.
    holds = [e for e in ig_entries(page, live_hub) if e["action"] == "hold"]
    assert [e["outcome"] for e in holds][-1] == "allowed"
    assert HOLD_REASON not in json.dumps(holds)
    page.get_by_role("button", name="Back to the person's record").click()
    expect(page.get_by_text("Legal hold since")).to_be_visible()


def sees_what_the_hub_holds_by_reference_only(page: Page, episode_reference: str) -> None:
    [contact] = table_rows(page, "Contacts this person is in, newest first")
    assert "Child" in contact
    assert "RED" in contact
    [missing] = table_rows(
        page, "Police notifications and missing episodes this person is in, newest first"
    )
    assert f"Missing episode {episode_reference}" in missing
    assert "Still missing" in missing
    police = page.locator(".govuk-summary-card", has_text="Police")
    expect(police.get_by_text("Agency caveat")).to_be_visible()
    expect(police.get_by_text("sw-reader")).to_be_visible()
    expect(police.get_by_text("None stated (a hub read)")).to_be_visible()
    # No content on the record: not the worry, not what any agency shared.
    body = page.locator("main").inner_text()
    for content in ("shouting", "Callout.", "Three missed", "Ilse", "Dean", "Bryony"):
        assert content not in body


def opens_the_contact(page: Page, check_page: CheckPage) -> None:
    page.get_by_role("button", name="Open contact").click()
    expect(page.get_by_role("heading", name="opened")).to_be_visible()
    expect(page.get_by_text("The person the record is about")).to_have_count(1)
    expect(page.get_by_text("Another person: redact")).to_have_count(2)
    expect(page.get_by_text("shouting every night")).to_be_visible()
    # Dates read as people write them, not as the store keeps them.
    expect(page.get_by_text("21 June 2015")).to_be_visible()
    assert "2015-06-21" not in page.locator("main").inner_text()
    check_page(page, "record of access, a contact opened")


NOT_ENOUGH = "Enter the person's given name, family name and date of birth, or their NHS number"


def finds_nobody_without_enough_to_name_one_person(page: Page, check_page: CheckPage) -> None:
    page.get_by_label("Family name").fill("Castellane")
    page.get_by_role("button", name="Find the person").click()
    expect(page.get_by_role("link", name=NOT_ENOUGH)).to_be_visible()
    expect(page.get_by_label("Family name")).to_have_value("Castellane")
    check_page(page, "record of access, not enough to find one person")
    page.get_by_label("Given name").fill("Wren")
    page.get_by_label("Day").fill("21")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("2016")
    page.get_by_role("button", name="Find the person").click()
    expect(page.get_by_role("heading", name="No one found")).to_be_visible()
    check_page(page, "record of access, no one found")
    page.get_by_role("link", name="Find another person").click()


def finds_wren(page: Page, check_page: CheckPage) -> None:
    page.get_by_label("Given name").fill("Wren")
    page.get_by_label("Family name").fill("Castellane")
    page.get_by_label("Day").fill("21")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("2015")
    page.get_by_role("button", name="Find the person").click()
    expect(page.get_by_role("heading", name="What the hub holds")).to_be_visible()
    check_page(page, "record of access, the record")


def read_export(content: bytes) -> tuple[str, dict[str, Any]]:
    with zipfile.ZipFile(io.BytesIO(content)) as zipped:
        html = zipped.read("record-of-access.html").decode()
        doc: dict[str, Any] = json.loads(zipped.read("record-of-access.json"))
    return html, doc

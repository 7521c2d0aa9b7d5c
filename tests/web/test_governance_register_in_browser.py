"""The IG officer proves what was shared: gives the purpose of the look-up, searches the
disclosure register, opens a disclosure and its later reads, verifies the log and takes
away evidence that verifies offline, in Chromium. Every page visit is on the log with the
purpose given."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from typer.testing import CliRunner

from hub.cli import app as cli
from tests.web.conftest import CheckPage, LiveHub
from tests.web.desk_support import table_rows
from tests.web.governance_support import (
    PURPOSE,
    Scene,
    disclosures_made,
    gives_purpose,
    ig_entries,
    ig_officer_signs_in,
    sequence,
    stated_purposes,
)

pytestmark = pytest.mark.browser


def test_an_ig_officer_searches_the_register_opens_a_disclosure_and_takes_evidence_away(
    page: Page, live_hub: LiveHub, check_page: CheckPage, tmp_path: Path
) -> None:
    scene = disclosures_made(page, live_hub)
    ig_officer_signs_in(page)
    is_asked_why_first(page, check_page)
    searches_the_register_by_agency(page, check_page)
    narrows_to_decisions_not_to_share_in_the_enquiry(page, scene, check_page)
    opens_the_police_disclosure_and_its_later_reads(page, scene, check_page)
    sequence(live_hub)
    verifies_the_log(page, check_page)
    downloads_evidence_that_verifies_offline(page, tmp_path)

    mine = ig_entries(page, live_hub)
    looked = [e for e in mine if e["resource_kind"] in ("audit_log", "disclosure_register")]
    # Home, the register twice, the disclosure, the verify page, verifying (and the page
    # after it), and the evidence download: each with the purpose given.
    assert len(looked) >= 8
    assert set(stated_purposes(page, live_hub, looked)) == {PURPOSE}
    assert any(e["action"] == "export" for e in looked)
    assert any(e["action"] == "verify" for e in looked)
    opened = [e for e in looked if e["resource_id"] == scene.police_disclosure]
    assert [e["action"] for e in opened] == ["read"]


def is_asked_why_first(page: Page, check_page: CheckPage) -> None:
    page.get_by_role("link", name="Information governance").click()
    expect(page.get_by_role("heading", name="Why are you looking?")).to_be_visible()
    check_page(page, "purpose asked")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Enter why you are looking")).to_be_visible()
    check_page(page, "purpose missing")
    gives_purpose(page)
    expect(page.get_by_role("heading", name="Information governance", level=1)).to_be_visible()
    expect(page.get_by_text(PURPOSE)).to_be_visible()


def searches_the_register_by_agency(page: Page, check_page: CheckPage) -> None:
    page.get_by_role("link", name="Disclosure register").click()
    rows = table_rows(page, "Disclosures")
    assert len(rows) == 3
    assert "Housing" in rows[0], "newest first"
    assert "Decided not to share" in rows[0]
    check_page(page, "register")

    page.get_by_label("Agency").select_option(label="Police")
    page.get_by_role("button", name="Apply filters").click()
    [police] = table_rows(page, "Disclosures")
    assert "Police" in police
    assert "law enforcement" in police
    assert "agency=police" in page.url
    assert "SAR" not in page.url, "the purpose never goes in the address"
    check_page(page, "register filtered by agency")


def narrows_to_decisions_not_to_share_in_the_enquiry(
    page: Page, scene: Scene, check_page: CheckPage
) -> None:
    page.get_by_label("Agency").select_option(label="Any agency")
    page.get_by_label("Enquiry id (optional)").fill(scene.enquiry_id)
    page.get_by_label("Only decisions not to share").check()
    page.get_by_role("button", name="Apply filters").click()
    [declined] = table_rows(page, "Disclosures")
    assert "Housing" in declined
    assert "Decided not to share" in declined
    check_page(page, "register, decisions not to share")

    page.get_by_label("Enquiry id (optional)").fill(str(uuid.uuid4()))
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No disclosures match these filters.")).to_be_visible()
    check_page(page, "register, nothing matches")

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Agency").select_option(label="Police")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table", name="Disclosures").locator("tbody tr")).to_have_count(1)


def opens_the_police_disclosure_and_its_later_reads(
    page: Page, scene: Scene, check_page: CheckPage
) -> None:
    page.get_by_role("link", name="Entry").first.click()
    expect(page.get_by_role("heading", name="Disclosure on the register")).to_be_visible()
    summary = page.locator(".govuk-summary-list").inner_text()
    assert scene.police_disclosure in summary
    # What the agency wrote as its purpose is sealed: the register never shows it in clear.
    assert "Recent incident with the child present" not in summary
    assert "Not sought" in summary
    [read] = table_rows(page, "Later reads of this disclosure (1)")
    assert "sw-reader" in read
    assert "read disclosure" in read
    check_page(page, "disclosure and its later reads")


def verifies_the_log(page: Page, check_page: CheckPage) -> None:
    page.get_by_role("link", name="Verify and evidence").click()
    check_page(page, "verify")
    page.get_by_role("button", name="Verify the log now").click()
    expect(page.get_by_role("heading", name="The log is intact")).to_be_visible()
    check_page(page, "verified intact")


def downloads_evidence_that_verifies_offline(page: Page, tmp_path: Path) -> None:
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download evidence (zip)").click()
    download = downloading.value
    assert download.suggested_filename == "mash-hub-audit-evidence.zip"
    archive = tmp_path / "evidence.zip"
    download.save_as(archive)
    folder = tmp_path / "evidence"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(folder)
    assert {p.name for p in folder.iterdir()} >= {
        "entries.jsonl",
        "checkpoints.json",
        "audit-public-key.pem",
    }
    # The command an outside reviewer runs, with no database and no private key.
    result = CliRunner().invoke(cli, ["audit", "verify", "--export", str(folder)])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output

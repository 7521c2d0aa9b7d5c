"""An agency's own records: search, add one, import a CSV file with its progress, and the
break-glass openings of them with their review, in Chromium."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from hub.agencies.models import AgencyRecord
from hub.retention.service import run
from tests.conftest import AuthHeaders
from tests.enquiries.cases import CHILD, REASON, add_record
from tests.retention.test_retention import SCHEDULE, SYSADMIN, _past_every_date
from tests.web.agency_support import BrowserApi, sign_in
from tests.web.conftest import CheckPage, LiveHub

pytestmark = pytest.mark.browser

HEADER = "source_ref,given_name,family_name,date_of_birth,record_type,occurred_on,summary\n"
GOOD_ROWS = "".join(
    f"HV-{n},Child{n},Ashdown,2016-03-{n:02d},visit,2026-09-{n:02d},Home visit {n}.\n"
    for n in range(1, 8)
)
# Line 9: no summary; line 10: an impossible date of birth (the value is never shown).
BAD_ROWS = (
    "HV-8,Tomas,Ashdown,2016-03-08,visit,2026-09-08,\n"
    "HV-9,Lena,Quist,2016-02-31,visit,2026-09-09,Seen.\n"
)


@pytest.fixture
def api(page: Page) -> BrowserApi:
    return BrowserApi(page.request)


def upload(page: Page, text: str, *, skip_invalid: bool) -> None:
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "health-visits.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    if skip_invalid:
        page.get_by_label("Import the good rows even if some rows are wrong").check()
    page.get_by_role("button", name="Import the file").click()


def test_health_add_a_record_find_it_and_import_a_file_with_wrong_rows(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    sign_in(page, "Health representative")
    page.get_by_role("link", name="Records", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your agency's records")
    expect(page.get_by_text("Your store has no records yet.")).to_be_visible()
    check_page(page, "agency records: empty store")

    page.get_by_role("link", name="Add a record").click()
    page.get_by_label("Your agency's reference").fill("HV-2231")
    page.get_by_label("Date of birth (optional)").fill("31/2/2015")
    page.get_by_role("button", name="Add the record").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a real date of birth")
    check_page(page, "agency records: add with errors")
    page.get_by_label("First name").fill("Wren")
    page.get_by_label("Last name").fill("Castellane")
    page.get_by_label("Date of birth (optional)").fill("21/6/2015")
    page.get_by_label("Type of record").fill("missed appointments")
    page.get_by_label("Date it happened").fill("15/9/2026")
    page.get_by_label("Summary").fill("Three missed health visitor appointments.")
    page.get_by_role("button", name="Add the record").click()
    expect(page.get_by_text("The record has been added to your store.")).to_be_visible()
    check_page(page, "agency records: record added")
    health_find_the_record(page, check_page)
    health_import_a_file_with_wrong_rows(page, live_hub, check_page)


def health_find_the_record(page: Page, check_page: CheckPage) -> None:
    page.get_by_label("Last name").fill("Castellane")
    page.get_by_label("Date of birth").fill("21/06/2015")
    page.get_by_role("button", name="Search").click()
    found = page.get_by_role("table", name="Records found (1)")
    expect(
        found.get_by_role("cell", name="Three missed health visitor appointments.")
    ).to_be_visible()
    # What was searched for went in the form's body, never the address.
    assert "Castellane" not in page.url
    check_page(page, "agency records: search results")


def health_import_a_file_with_wrong_rows(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    # A file with two wrong rows imports nothing, and says which lines, not what they hold.
    upload(page, HEADER + GOOD_ROWS + BAD_ROWS, skip_invalid=False)
    expect(page.get_by_text("Nothing was imported: 2 rows are wrong.")).to_be_visible()
    wrong = page.get_by_role("table", name="Wrong rows, by line of the file")
    expect(wrong.get_by_role("row")).to_have_count(3)
    expect(wrong.get_by_role("cell", name="9", exact=True)).to_be_visible()
    expect(wrong.get_by_role("cell", name="10", exact=True)).to_be_visible()
    expect(page.get_by_text("2016-02-31")).to_have_count(0)
    check_page(page, "agency records: import refused")

    # Import the good rows: the page follows the import to its end by itself.
    page.get_by_role("link", name="Back to your agency's records").first.click()
    upload(page, HEADER + GOOD_ROWS + BAD_ROWS, skip_invalid=True)
    expect(page.get_by_text("The import has finished.")).to_be_visible()
    progress = page.get_by_role("progressbar")
    expect(progress).to_have_attribute("value", "7")
    expect(progress).to_have_attribute("max", "7")
    expect(page.get_by_role("definition").filter(has_text="9")).to_have_count(1)  # rows checked
    check_page(page, "agency records: import finished")
    with live_hub.database.session() as session:
        records = session.scalars(select(AgencyRecord).where(AgencyRecord.agency == "health"))
        assert len(records.all()) == 8

    # The job is its owner's alone: police cannot see it.
    job_path = page.url.removeprefix(live_hub.url)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "Police representative")
    response = page.goto(job_path)
    assert response is not None
    assert response.status == 404


def test_hub_staff_have_no_records_pages(page: Page, check_page: CheckPage) -> None:
    sign_in(page, "Priya Shah, MASH manager")
    expect(page.get_by_role("link", name="Records", exact=True)).to_have_count(0)
    for path in ("/records", "/records/new", "/break-glass", f"/records/import/{uuid.uuid4().hex}"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404, path
    check_page(page, "agency records: hub staff", status=404)


def test_police_review_a_managers_break_glass_opening_of_their_record(
    page: Page, api: BrowserApi, auth: AuthHeaders, check_page: CheckPage
) -> None:
    record_id = add_record(
        api,
        auth,
        "police",
        {
            "source_ref": "NICHE-1",
            **CHILD,
            "record_type": "domestic_incident",
            "occurred_on": "2026-10-02",
            "summary": "Attended address.",
        },
    )
    status, _ = api.post(
        f"/api/v1/agencies/police/records/{record_id}/break-glass",
        auth("mash_manager", sub="mgr-1"),
        {"reason": "Child missing overnight; need the address history now."},
    )
    assert status == 200
    sign_in(page, "Police representative")
    page.get_by_role("link", name="Records", exact=True).click()
    page.get_by_role("link", name="Break-glass openings of your records").click()
    expect(
        page.get_by_text("Child missing overnight; need the address history now.")
    ).to_be_visible()
    expect(page.get_by_text("To review")).to_be_visible()
    check_page(page, "agency break-glass: to review")

    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("alert")).to_contain_text("Select whether the opening was justified")
    check_page(page, "agency break-glass: review with errors")
    page.get_by_label("Yes").check()
    page.get_by_label("Why (for the opening on").fill(
        "A missing child; the address history was needed."
    )
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_text("Reviewed", exact=True)).to_be_visible()
    expect(page.get_by_text("Justified, by demo-police-rep")).to_be_visible()
    check_page(page, "agency break-glass: reviewed")


def test_without_javascript_the_import_page_is_followed_with_its_refresh_link(
    browser: Browser, live_hub: LiveHub
) -> None:
    context = browser.new_context(base_url=live_hub.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "Health representative")
        page.goto("/records")
        upload(page, HEADER + GOOD_ROWS, skip_invalid=False)
        expect(page.get_by_role("heading", level=1)).to_have_text("Importing records")
        for _ in range(200):
            refresh = page.get_by_role("link", name="Refresh to see how far it has got")
            if refresh.count() == 0:
                break
            refresh.click()
        expect(page.get_by_text("The import has finished.")).to_be_visible()
        expect(page.get_by_role("progressbar")).to_have_attribute("value", "7")
    finally:
        context.close()


def test_a_break_glass_reason_destroyed_with_its_case_reads_so_on_the_agencys_list(
    page: Page, api: BrowserApi, auth: AuthHeaders, live_hub: LiveHub, check_page: CheckPage
) -> None:
    admin, social_worker = auth("mash_admin"), auth("mash_social_worker")
    status, receipt = api.post(
        "/api/v1/contacts",
        admin,
        {
            "children": [{"given_name": "Ottoline", "family_name": "Varga"}],
            "worries": ["neglect"],
            "concern": "Often hungry at school.",
            "consent": {"status": "obtained"},
        },
    )
    assert status == 201
    _, listed = api.get("/api/v1/contacts", admin)
    case = next(c["id"] for c in listed["items"] if c["reference"] == receipt["reference"])
    screening = {"threshold_level": 1, "threshold_reason": REASON, "rag": "green"}
    assert api.post(f"/api/v1/contacts/{case}/screening", social_worker, screening)[0] == 200
    closed = {"outcome": "nfa", "reason": REASON}
    assert api.post(f"/api/v1/contacts/{case}/outcome", social_worker, closed)[0] == 200
    record_id = add_record(
        api,
        auth,
        "police",
        {
            "source_ref": "NICHE-2",
            **CHILD,
            "record_type": "domestic_incident",
            "occurred_on": "2026-10-02",
            "summary": "Attended address.",
        },
    )
    status, _ = api.post(
        f"/api/v1/agencies/police/records/{record_id}/break-glass",
        auth("mash_manager", sub="mgr-1"),
        {"reason": "Child missing overnight; need the address history now.", "contact_id": case},
    )
    assert status == 200
    run(
        live_hub.database,
        SYSADMIN,
        SCHEDULE,
        keyring=live_hub.app.state.keyring,
        now=_past_every_date(),
    )

    sign_in(page, "Police representative")
    page.goto("/break-glass")
    expect(
        page.get_by_text("Destroyed with the case it was for, under the retention schedule")
    ).to_be_visible()
    expect(page.get_by_text("Child missing overnight")).to_have_count(0)
    # Its review would be sealed under the destroyed key: the page says so, with no form.
    expect(page.get_by_text("can no longer be reviewed")).to_be_visible()
    expect(page.get_by_text("Case destroyed")).to_be_visible()
    expect(page.get_by_role("button", name="Record the review")).to_have_count(0)
    check_page(page, "agency break-glass: its reason destroyed with the case")

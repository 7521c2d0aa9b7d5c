"""The agency representative answers the hub's check requests, in Chromium."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.db import utcnow
from hub.enquiries.models import CheckRequest, Disclosure
from tests.conftest import AuthHeaders
from tests.enquiries.cases import CHILD, add_record, open_case
from tests.web.agency_support import BrowserApi, arrow_to, send_product_to, sign_in, tab_to
from tests.web.conftest import CheckPage, LiveHub

pytestmark = pytest.mark.browser

CALL_OUT = {
    "source_ref": "NICHE-88121",
    **CHILD,
    "record_type": "domestic_incident",
    "occurred_on": "2026-10-02",
    "summary": "Attended address; child present during argument.",
}
INTELLIGENCE = {
    "source_ref": "INT-5530",
    **CHILD,
    "record_type": "intelligence",
    "occurred_on": "2026-10-20",
    "summary": "Source reports the partner keeps a firearm at the address.",
}
CALL_OUT_TITLE = "Domestic incident, 2 October 2026"
INTELLIGENCE_TITLE = "Intelligence, 20 October 2026"


@pytest.fixture
def api(page: Page) -> BrowserApi:
    return BrowserApi(page.request)


def test_police_share_parts_of_two_records_with_a_caveat_then_release_the_call_out_only(
    page: Page, api: BrowserApi, auth: AuthHeaders, live_hub: LiveHub, check_page: CheckPage
) -> None:
    add_record(api, auth, "police", CALL_OUT)
    add_record(api, auth, "police", INTELLIGENCE)
    case = open_case(api, auth, ["police", "health"])
    sign_in(page, "Police representative")
    police_find_the_request_in_their_inbox(page, check_page)
    police_choose_parts_of_both_records_with_a_caveat(page, check_page)
    disclosure_id = police_confirm_exactly_what_leaves(page, live_hub, check_page)
    police_release_the_call_out_and_keep_the_intelligence(page, check_page)
    the_team_reads_the_call_out_only_and_police_see_that_read(
        page, api, auth, case.enquiry_id, disclosure_id, check_page
    )


def police_find_the_request_in_their_inbox(page: Page, check_page: CheckPage) -> None:
    page.get_by_role("link", name="Check requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check requests")
    # Only police's own request is here, with who to check.
    expect(page.get_by_role("link", name="Answer")).to_have_count(1)
    expect(page.get_by_text("Wren Castellane, child")).to_be_visible()
    expect(page.get_by_text("Born 21 June 2015")).to_be_visible()
    # Red: due two hours after it was asked, said in words.
    expect(page.get_by_text(re.compile(r"^Due in (2 hours|1 hour \d+ minutes?)$"))).to_be_visible()
    # Who to check, and only that: not the worry the contact raised.
    expect(page.get_by_text("shouting every night")).to_have_count(0)
    check_page(page, "agency: inbox")


def police_choose_parts_of_both_records_with_a_caveat(page: Page, check_page: CheckPage) -> None:
    page.get_by_role("link", name="Answer the check on Wren Castellane, Ilse Castellane").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Answer a check request")
    expect(page.get_by_role("heading", name=CALL_OUT_TITLE)).to_be_visible()
    expect(page.get_by_role("heading", name=INTELLIGENCE_TITLE)).to_be_visible()
    check_page(page, "agency: check page")

    page.get_by_label("Share chosen parts of records").check()
    page.get_by_role("button", name="Continue").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Select at least one record to share")
    expect(summary).to_contain_text("Select the lawful basis for sharing")
    expect(page.get_by_label("Share chosen parts of records")).to_be_checked()
    check_page(page, "agency: check page with errors")

    for title in (CALL_OUT_TITLE, INTELLIGENCE_TITLE):
        page.get_by_label(f"Share this record: {title}").check()
        parts = page.get_by_role("group", name=f"which parts of {title}")
        for part in ("Type of record", "Date it happened", "Summary"):
            parts.get_by_label(part, exact=True).check()
    page.get_by_label("Purpose of sharing").fill("To judge the risk to Wren tonight")
    page.get_by_label("DPA 2018 s35 with Sch 8 para 4: law enforcement, safeguarding").check()
    page.get_by_label("Consent was not sought").check()
    page.get_by_label("Why sharing this is proportionate").fill(
        "A recent incident with the child present, and a weapon reported at the address."
    )
    page.get_by_label("Police intelligence: not to be passed on until police release it").check()
    page.get_by_label("What the caveat says (optional)").fill("Source protected.")
    page.get_by_role("button", name="Continue").click()


def police_confirm_exactly_what_leaves(page: Page, live_hub: LiveHub, check_page: CheckPage) -> str:
    """The confirmation shows exactly what will leave; nothing has left until it is sent.
    Returns the disclosure's id."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what you will send to the hub")
    expect(page.get_by_text("Attended address; child present during argument.")).to_be_visible()
    expect(page.get_by_text("keeps a firearm at the address")).to_be_visible()
    expect(page.get_by_text("Source protected.", exact=False)).to_be_visible()
    # Parts not chosen do not leave: no names or date of birth from the records.
    expect(page.get_by_text("21 June 2015")).to_have_count(0)
    with live_hub.database.session() as session:
        assert session.scalars(select(Disclosure)).all() == []
    check_page(page, "agency: confirm disclosure")

    page.get_by_role("button", name="Send to the hub").click()
    expect(page.get_by_text("Your answer has been sent to the hub.")).to_be_visible()
    expect(page.get_by_text("Kept back: the hub may not pass it on")).to_be_visible()
    expect(page.get_by_text("Nobody has read it yet.")).to_be_visible()
    check_page(page, "agency: disclosure sent")
    with live_hub.database.session() as session:
        [disclosure] = session.scalars(select(Disclosure)).all()
        assert (disclosure.kind, disclosure.caveat) == ("fields", "police_intelligence")
    return page.url.rsplit("/", 1)[1].split("?")[0]


def police_release_the_call_out_and_keep_the_intelligence(
    page: Page, check_page: CheckPage
) -> None:
    release = page.get_by_role("group", name="What may now be passed on")
    for part in ("Type of record", "Date it happened", "Summary"):
        release.get_by_label(f"{CALL_OUT_TITLE}: {part}").check()
    page.get_by_label("Why it may now be passed on").fill(
        "The call-out is known to the family; the intelligence is not."
    )
    page.get_by_role("button", name="Release what is chosen").click()
    expect(page.get_by_text("Released in part; the rest is kept back")).to_be_visible()
    released = f"{CALL_OUT_TITLE}: Type of record, Date it happened, Summary"
    expect(page.get_by_text(released)).to_be_visible()
    expect(page.get_by_role("heading", name=f"{CALL_OUT_TITLE}: released")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{INTELLIGENCE_TITLE}: kept back")).to_be_visible()
    # The intelligence can still be released later; the call-out is not offered again.
    expect(page.get_by_label(f"{INTELLIGENCE_TITLE}: Summary")).to_be_visible()
    expect(page.get_by_label(f"{CALL_OUT_TITLE}: Summary")).to_have_count(0)
    check_page(page, "agency: disclosure released in part")


def the_team_reads_the_call_out_only_and_police_see_that_read(
    page: Page,
    api: BrowserApi,
    auth: AuthHeaders,
    enquiry_id: str,
    disclosure_id: str,
    check_page: CheckPage,
) -> None:
    read = send_product_to(api, auth, enquiry_id, disclosure_id)
    assert "Attended address" in json.dumps(read)
    assert "firearm" not in json.dumps(read)

    page.get_by_role("link", name="Disclosures", exact=True).click()
    expect(page.get_by_role("cell", name="Released in part; the rest is kept back")).to_be_visible()
    check_page(page, "agency: disclosures list")
    page.get_by_role("link", name="and who has read it").click()
    expect(
        page.get_by_role("cell", name="In the information product sent to Duty and Assessment B")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="op-b (operational practitioner)")).to_be_visible()
    check_page(page, "agency: disclosure with later reads")


def test_health_record_a_decision_not_to_share_with_their_reasons(
    page: Page, api: BrowserApi, auth: AuthHeaders, live_hub: LiveHub, check_page: CheckPage
) -> None:
    add_record(
        api,
        auth,
        "health",
        {
            "source_ref": "GUM-7",
            **CHILD,
            "record_type": "sexual_health",
            "occurred_on": "2026-09-01",
            "summary": "Attended clinic.",
        },
    )
    open_case(api, auth, ["health"])
    sign_in(page, "Health representative")
    page.get_by_role("link", name="Check requests").click()
    page.get_by_role("link", name="Answer the check on Wren Castellane, Ilse Castellane").click()
    page.get_by_label("We hold information but will not share it").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Give your reasons for not sharing, in a sentence or more"
    )
    # Why it is shared is not asked of a decision not to share.
    expect(page.get_by_role("alert")).not_to_contain_text("lawful basis")
    check_page(page, "agency: decline with errors")
    page.get_by_label("If you will not share: your reasons").fill(
        "A confidential clinic attendance; it does not bear on the worry the hub raises."
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what you will send to the hub")
    expect(page.get_by_text("We hold information but will not share it")).to_be_visible()
    # The record itself does not leave.
    expect(page.get_by_text("Attended clinic.")).to_have_count(0)
    check_page(page, "agency: confirm decline")
    page.get_by_role("button", name="Send to the hub").click()
    expect(page.get_by_text("Your answer has been sent to the hub.")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="Decided not to share")).to_be_visible()
    expect(page.get_by_text("Nothing was shared")).to_be_visible()
    # Nothing to release on a decision not to share.
    expect(page.get_by_role("heading", name="Release it for passing on")).to_have_count(0)
    check_page(page, "agency: decline sent")

    page.get_by_role("link", name="Check requests").click()
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()
    expect(page.get_by_role("cell", name="Answered: decided not to share")).to_be_visible()
    with live_hub.database.session() as session:
        [disclosure] = session.scalars(select(Disclosure)).all()
        assert (disclosure.agency, disclosure.kind) == ("health", "decline")


def test_police_see_only_their_own_inbox_and_a_health_request_is_not_found(
    page: Page, api: BrowserApi, auth: AuthHeaders, live_hub: LiveHub, check_page: CheckPage
) -> None:
    case = open_case(api, auth, ["police", "health"])
    sign_in(page, "Police representative")
    page.goto("/checks")
    expect(page.get_by_role("link", name="Answer")).to_have_count(1)
    expect(page.get_by_role("link", name="Answer")).to_have_attribute(
        "href", f"/checks/{case.checks['police']}"
    )
    for path in (
        f"/checks/{case.checks['health']}",
        f"/checks/{uuid.uuid4()}",
    ):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, "agency: another agency's check request", status=404)
    # A form without the session's token is refused, even for police's own request.
    for path in (f"/checks/{case.checks['health']}", f"/checks/{case.checks['police']}"):
        response = page.request.post(
            f"{path}/disclose", form={"kind": "no_information", "content_hash": "x"}
        )
        assert response.status == 403
    with live_hub.database.session() as session:
        assert session.scalars(select(Disclosure)).all() == []


def test_hub_staff_have_no_agency_pages(page: Page, check_page: CheckPage) -> None:
    sign_in(page, "Sam Okafor, MASH social worker")
    expect(page.get_by_role("link", name="Check requests")).to_have_count(0)
    # The hub may know every agency's check requests exist, so it is told it cannot act
    # here (403) before anything is looked up: an unknown id answers the same.
    for path in ("/checks", "/disclosures", f"/checks/{uuid.uuid4()}"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 403
    check_page(page, "agency: hub staff on an agency page", status=403)


def test_a_representative_answers_a_check_with_the_keyboard_alone(
    page: Page, api: BrowserApi, auth: AuthHeaders, live_hub: LiveHub, check_page: CheckPage
) -> None:
    """Tab, the arrow keys, typing and Enter: no mouse from the inbox to the answer sent."""
    open_case(api, auth, ["police"])
    sign_in(page, "Police representative")
    page.goto("/checks")
    tab_to(page, "Answer the check on Wren Castellane, Ilse Castellane")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Answer a check request")
    expect(
        page.get_by_text("No records in your agency's store match these people.")
    ).to_be_visible()

    tab_to(page, "Share whole records")
    arrow_to(page, "Write a summary to share")
    tab_to(page, "If you write a summary: the summary to share")
    page.keyboard.type("Two call-outs to the address this year; no arrests.")
    tab_to(page, "Purpose of sharing")
    page.keyboard.type("To judge the risk to Wren")
    tab_to(page, "UK GDPR Art 6(1)(e): public task")
    arrow_to(page, "DPA 2018 s35 with Sch 8 para 4: law enforcement, safeguarding")
    tab_to(page, "Consent was given")
    arrow_to(page, "Consent was not sought")
    tab_to(page, "Why sharing this is proportionate")
    page.keyboard.type("The hub needs the police picture to judge risk tonight.")
    tab_to(page, "No caveat")
    arrow_to(page, "Not for onward sharing until we release it")
    tab_to(page, "Continue")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check what you will send to the hub")
    expect(page.get_by_text("Two call-outs to the address this year; no arrests.")).to_be_visible()
    check_page(page, "agency: confirm a summary, by keyboard")
    tab_to(page, "Send to the hub")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your answer has been sent to the hub.")).to_be_visible()
    expect(page.get_by_text("Kept back: the hub may not pass it on")).to_be_visible()

    # A summary is released whole.
    page.get_by_label("Why it may now be passed on").fill("The family already know of both.")
    page.get_by_role("button", name="Release it").click()
    expect(page.get_by_role("definition").filter(has_text="May be passed on")).to_be_visible()
    expect(page.get_by_role("heading", name="Release it for passing on")).to_have_count(0)
    check_page(page, "agency: summary released")
    with live_hub.database.session() as session:
        [disclosure] = session.scalars(select(Disclosure)).all()
        assert (disclosure.kind, disclosure.lawful_basis, disclosure.caveat) == (
            "summary",
            "dpa_2018_s35_sch8_para4",
            "not_for_onward_sharing",
        )
        assert disclosure.released_for_onward


def test_the_inbox_puts_what_is_overdue_first_and_says_how_late_it_is(
    page: Page, api: BrowserApi, auth: AuthHeaders, live_hub: LiveHub, check_page: CheckPage
) -> None:
    open_case(api, auth, ["police"])
    late = open_case(
        api,
        auth,
        ["police"],
        child={"given_name": "Amos", "family_name": "Quill", "date_of_birth": "2018-01-09"},
        adults=[],
        rag="amber",
    )
    # Amos's check fell due three hours ago.
    with live_hub.database.session() as session, session.begin():
        request = session.get(CheckRequest, uuid.UUID(late.checks["police"]))
        assert request is not None
        request.due_at = utcnow() - timedelta(hours=3, minutes=5)
    sign_in(page, "Police representative")
    page.goto("/checks")
    expect(page.get_by_text("1 is past the time they were due.")).to_be_visible()
    rows = page.get_by_role("table", name="Waiting for your answer (2)").get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Overdue by 3 hours")
    expect(rows.nth(1)).to_contain_text("Amos Quill, child")
    expect(rows.nth(2)).to_contain_text("Wren Castellane, child")
    check_page(page, "agency: inbox with an overdue request")


def test_a_record_that_changes_after_the_confirmation_is_shown_again_before_it_is_sent(
    page: Page, api: BrowserApi, auth: AuthHeaders, live_hub: LiveHub, check_page: CheckPage
) -> None:
    add_record(api, auth, "police", CALL_OUT)
    open_case(api, auth, ["police"])
    sign_in(page, "Police representative")
    page.goto("/checks")
    page.get_by_role("link", name="Answer the check on Wren Castellane, Ilse Castellane").click()
    page.get_by_label(f"Share this record: {CALL_OUT_TITLE}").check()
    page.get_by_label("Share whole records").check()
    page.get_by_label("Purpose of sharing").fill("To judge the risk to Wren tonight")
    page.get_by_label("DPA 2018 s35 with Sch 8 para 4: law enforcement, safeguarding").check()
    page.get_by_label("Consent was not sought").check()
    page.get_by_label("Why sharing this is proportionate").fill("Recent, and the child was there.")
    page.get_by_label("No caveat").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Attended address; child present during argument.")).to_be_visible()

    # Meanwhile police's own system updates the record.
    status, body = api.post(
        "/api/v1/agencies/police/records/import",
        auth("agency_rep", agency="police"),
        {"rows": [{**CALL_OUT, "summary": "Attended address; child injured, taken to A&E."}]},
    )
    assert (status, body["updated"]) == (200, 1)

    page.get_by_role("button", name="Send to the hub").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "A record changed after you checked this page"
    )
    expect(page.get_by_text("Attended address; child injured, taken to A&E.")).to_be_visible()
    with live_hub.database.session() as session:
        assert session.scalars(select(Disclosure)).all() == []
    check_page(page, "agency: confirm again after a record changed")
    page.get_by_role("button", name="Send to the hub").click()
    expect(page.get_by_text("Your answer has been sent to the hub.")).to_be_visible()
    expect(page.get_by_text("Attended address; child injured, taken to A&E.")).to_be_visible()

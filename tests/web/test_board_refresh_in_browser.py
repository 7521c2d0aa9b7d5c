"""The board left open on a screener's desk: filtered, refreshed with only what changed, and
written in the audit log once per refresh, never as a denial."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from hub.screening.models import ContactScreening
from tests.conftest import TokenFactory
from tests.web.board_support import (
    SOCIAL_WORKER,
    child,
    entries_by,
    rate,
    send_contact,
    sign_in,
)
from tests.web.conftest import CheckPage, LiveHub

pytestmark = pytest.mark.browser

AVA = child("Ava", "Brown", 7)


def board_reads(live_hub: LiveHub) -> list[str]:
    """The social worker's list entries: one each time the board is drawn or refreshed."""
    return [
        e.reason or ""
        for e in entries_by(live_hub, "demo-sw")
        if (e.action, e.resource_kind, e.outcome) == ("list", "contact", "allowed")
    ]


def screening_is(live_hub: LiveHub, contact_id: str, **values: object) -> None:
    """Set how a contact's screening stands, as time or the out-of-hours rota left it."""
    with live_hub.database.session() as session:
        session.execute(
            update(ContactScreening)
            .where(ContactScreening.contact_id == uuid.UUID(contact_id))
            .values(**values)
        )
        session.commit()


def refreshed(page: Page, times: int) -> None:
    expect(page.locator("#board")).to_have_attribute("data-refreshes", str(times))


def test_the_board_filters_and_keeps_itself_up_to_date_with_one_audit_entry_a_refresh(
    page: Page, live_hub: LiveHub, check_page: CheckPage, token_for: TokenFactory
) -> None:
    colleague = token_for("mash_social_worker", sub="sw-colleague")
    first = send_contact(live_hub, children=[AVA], worries=["neglect"])
    rate(live_hub, colleague, first["id"], "red")
    second = send_contact(live_hub, children=[AVA], worries=["neglect"], channel="email")
    screening_is(live_hub, second["id"], out_of_hours=True)
    leo = send_contact(live_hub, children=[{"given_name": "Leo"}], worries=["missing"])
    rate(live_hub, colleague, leo["id"], "green")
    screening_is(live_hub, leo["id"], out_of_hours=True)  # rated: out of hours no longer matters
    # Ava's first contact should have been screened by now.
    screening_is(live_hub, first["id"], rag_deadline=datetime.now(UTC) - timedelta(minutes=75))

    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/board/changes" in r.url else None)
    page.clock.install()
    sign_in(page, SOCIAL_WORKER)
    red = page.get_by_role("region", name=re.compile("^Red"))
    unrated = page.get_by_role("region", name=re.compile("^Not rated yet"))
    expect(red.get_by_role("link")).to_have_text(["Ava Brown, 7 years old"])
    expect(red.get_by_role("listitem").first).to_contain_text(
        re.compile(r"Red\s+Overdue\s+Overdue by 1 hour \d+ minutes")
    )
    expect(page.get_by_text("1 is past its deadline.")).to_be_visible()
    expect(unrated.get_by_role("listitem")).to_contain_text("Received out of hours")
    green = page.get_by_role("region", name=re.compile("^Green"))
    expect(green.get_by_role("listitem")).not_to_contain_text("out of hours")

    filters_the_board(page, check_page)
    before = len(board_reads(live_hub))

    # A third contact about Ava arrives: it appears, and the older two now carry the flag.
    send_contact(live_hub, children=[AVA], worries=["physical_abuse"])
    page.evaluate("document.querySelectorAll('[data-clock]').forEach(c => { c.textContent = '' })")
    page.get_by_role("link", name="Refresh the board").click()
    refreshed(page, 1)
    expect(unrated.get_by_role("link")).to_have_count(2)
    expect(unrated.get_by_role("heading", level=2)).to_contain_text("(2)")
    for card in page.locator(".hub-card").filter(has_text="Ava Brown").all():
        expect(card).to_contain_text("Repeat contacts")
    expect(page.get_by_role("status")).to_contain_text("3 contacts changed")
    # The script has told every card's clock again, in the same words as the server.
    expect(red.get_by_role("listitem").first).to_contain_text(
        re.compile(r"Overdue by 1 hour \d+ minutes")
    )
    for card in unrated.locator("[data-clock]").all():
        expect(card).to_have_text(re.compile(r"^Waiting (less than a minute|\d+ minutes?) for a"))
    check_page(page, "board after a refresh")

    # Leo's screening ends: the next refresh, from the board's own timer, takes his card away.
    ended = httpx.post(
        f"{live_hub.url}/api/v1/contacts/{leo['id']}/outcome",
        json={"outcome": "nfa", "reason": "Found at his gran's, safe and well."},
        headers={"Authorization": f"Bearer {colleague}"},
    )
    assert ended.status_code == 200, ended.text
    page.clock.run_for(61_000)
    refreshed(page, 2)
    expect(green.get_by_role("link")).to_have_count(0)
    expect(green.get_by_role("heading", level=2)).to_contain_text("(0)")
    expect(page.get_by_role("status")).to_have_text("1 contact changed.")

    page.get_by_role("link", name="Refresh the board").click()
    refreshed(page, 3)
    expect(page.get_by_role("status")).to_have_text("Nothing changed.")

    reads = board_reads(live_hub)
    assert reads[before:] == ["screening queue: changes"] * 3
    assert [e for e in entries_by(live_hub, "demo-sw") if e.outcome == "denied"] == []
    # Only the since token and the filters' codes ever travel in the address.
    assert len(asked) == 3
    for url in asked:
        assert re.fullmatch(r".*/board/changes\?since=\d+", url), url


def filters_the_board(page: Page, check_page: CheckPage) -> None:
    """Only the red ones; then a flag nobody has: an empty board that says why; then all."""
    page.get_by_text("Filter the board").click()
    page.get_by_role("checkbox", name="Red", exact=True).check()
    page.get_by_role("button", name="Show contacts").click()
    assert re.fullmatch(r".*/\?rag=red&whose=all", page.url), page.url
    expect(page.locator(".hub-card")).to_have_count(1)
    expect(page.get_by_role("checkbox", name="Red", exact=True)).to_be_checked()
    expect(page.get_by_role("link", name="Refresh the board")).to_have_attribute(
        "href", "/?rag=red"
    )
    check_page(page, "board with filters")

    page.get_by_role("checkbox", name="Red", exact=True).uncheck()
    page.get_by_label("Repeat missing").check()
    page.get_by_label("Screened by me").check()
    page.get_by_role("button", name="Show contacts").click()
    expect(page.get_by_text("No open contacts match these filters.")).to_be_visible()
    check_page(page, "board with filters: none match")

    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator(".hub-card")).to_have_count(3)


def test_an_empty_board_says_so(page: Page, check_page: CheckPage) -> None:
    sign_in(page, SOCIAL_WORKER)
    expect(page.get_by_text("No contacts are waiting for screening.")).to_be_visible()
    check_page(page, "empty board")


def test_without_javascript_the_refresh_link_draws_the_board_again(
    browser: Browser, live_hub: LiveHub
) -> None:
    context = browser.new_context(base_url=live_hub.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, SOCIAL_WORKER)
        send_contact(live_hub, children=[{"given_name": "Tyler"}], worries=["other"])
        expect(page.get_by_text("No contacts are waiting for screening.")).to_be_visible()
        page.get_by_role("link", name="Refresh the board").click()
        expect(page.get_by_role("link", name="Tyler, age not known")).to_be_visible()
        assert board_reads(live_hub) == ["screening queue", "screening queue"]
    finally:
        context.close()

"""What the whole-case browser test needs: a browser context per person (their own cookies),
the agencies' records put in their stores as their own systems import them, and a tally of
the page visits and form submissions one person makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect

from tests.web.conftest import LiveHub


def new_person(browser: Browser, live_hub: LiveHub) -> Page:
    """A fresh browser context (no cookies) and its page, whose console errors from the
    hub's own pages are collected for ``check_page`` as the ``page`` fixture's are."""
    context = browser.new_context(base_url=live_hub.url, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error" and message.location.get("url", "").startswith(live_hub.url):
            problems.append(message.text)

    page.on("console", collect)
    page.console_problems = problems  # type: ignore[attr-defined]
    return page


def sign_in(page: Page, who: str) -> None:
    """The dev sign-in page's one click, by the person's name on the button."""
    page.goto("/")
    page.get_by_role("button", name=f"Sign in as {who}").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def import_records(page: Page, token: str, agency: str, rows: list[dict[str, Any]]) -> None:
    """Rows sent to ``agency``'s store by its own system, as a nightly import does."""
    response = page.request.post(
        f"/api/v1/agencies/{agency}/records/import",
        data={"rows": rows},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.ok, f"{agency} import: {response.status} {response.text()}"
    assert response.json()["created"] == len(rows), response.json()


@dataclass
class Steps:
    """Every page the person's browser loads and every form it posts, from the main frame.
    The GET that follows a POST's redirect is part of the submission, not a visit."""

    visits: list[str] = field(default_factory=list)
    submissions: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if not request.is_navigation_request() or request.frame.parent_frame is not None:
            return
        if request.redirected_from is not None:
            return
        path = request.url.split("://", 1)[1].split("/", 1)[1]
        (self.submissions if request.method == "POST" else self.visits).append("/" + path)

    @property
    def count(self) -> int:
        return len(self.visits) + len(self.submissions)

"""What the desk's browser tests share: signing in as a demo person, and the API calls that
set the scene (a real signed token from the dev issuer, as a partner's system would send)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import APIResponse, Page, expect

from tests.conftest import TokenFactory

ADMIN = "Alex Morgan, MASH admin officer"
SOCIAL_WORKER = "Sam Okafor, MASH social worker"
POLICE_REP = "Police representative, agency representative, police"


def sign_in_as(page: Page, who: str) -> None:
    """The dev sign-in page's one click, as a newcomer uses it."""
    page.goto("/")
    page.get_by_role("button", name=f"Sign in as {who}").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def api_post(
    page: Page, token_for: TokenFactory, role: str, path: str, body: dict[str, Any]
) -> APIResponse:
    response = page.request.post(
        f"/api/v1{path}", data=body, headers={"Authorization": f"Bearer {token_for(role)}"}
    )
    assert response.ok, f"{path}: {response.status} {response.text()}"
    return response


def table_rows(page: Page, caption: str) -> list[str]:
    """The text of each body row of the table with this caption, in order."""
    table = page.get_by_role("table", name=caption)
    expect(table).to_be_visible()
    return [row.inner_text() for row in table.locator("tbody tr").all()]


def summary_value(page: Page, key: str) -> str:
    """What a GOV.UK summary list says against ``key``."""
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key", has_text=key)
    )
    return row.locator(".govuk-summary-list__value").inner_text().strip()

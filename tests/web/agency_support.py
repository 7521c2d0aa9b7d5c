"""Helpers for the agency pages' browser tests: the hub's side of a case made through the
API (as the hub's own pages would make it), signing in, and moving by keyboard alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import APIRequestContext, Page

from tests.conftest import AuthHeaders
from tests.enquiries.cases import REASON


@dataclass(frozen=True)
class BrowserApi:
    """The API of the hub under test, called with bearer tokens from the test's browser."""

    request: APIRequestContext

    def post(self, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]:
        response = self.request.post(path, headers=headers, data=body)
        return response.status, response.json()

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, Any]:
        response = self.request.get(path, headers=headers)
        return response.status, response.json()


def sign_in(page: Page, who: str) -> None:
    """Sign in as a demo person, by the button's name (``"Police representative"``)."""
    page.goto("/")
    page.get_by_role("button", name=f"Sign in as {who}").click()


def send_product_to(api: BrowserApi, auth: AuthHeaders, enquiry_id: str, disclosure_id: str) -> Any:
    """The hub passes the disclosure on in a product to Duty and Assessment B, which reads
    it; what the team read."""
    status, product = api.post(
        f"/api/v1/enquiries/{enquiry_id}/products",
        auth("mash_social_worker", sub="sw-1"),
        {
            "analysis": "Domestic abuse with the child present.",
            "proposed_outcome": "strategy_discussion",
            "disclosure_ids": [disclosure_id],
            "receiving_team": "duty_b",
            # Whatever the rota suggests at the time of the test, this case goes to Duty B.
            "team_reason": "Duty B already holds an open assessment of this family.",
        },
    )
    assert status == 201, product
    manager = auth("mash_manager", sub="mgr-1")
    path = f"/api/v1/products/{product['id']}"
    assert (
        api.post(f"{path}/authorisation", manager, {"decision": "authorise", "reason": REASON})[0]
        == 200
    )
    assert api.post(f"{path}/dissemination", manager)[0] == 200
    status, read = api.get(path, auth("operational", sub="op-b", team="duty_b"))
    assert status == 200
    return read


_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e) return "";
  const text = e.labels && e.labels.length ? e.labels[0].textContent : e.textContent;
  return (text || "").replace(/\\s+/g, " ").trim();
}"""


def focused(page: Page) -> str:
    """The accessible text of what has the keyboard's focus: its label, or its own text."""
    return str(page.evaluate(_FOCUSED))


def tab_to(page: Page, name: str, *, most: int = 400) -> None:
    """Press Tab until ``name`` has the focus, as a keyboard user moves through a page."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if focused(page) == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def arrow_to(page: Page, name: str, *, most: int = 20) -> None:
    """Within a group of radios, press the down arrow until ``name`` is chosen."""
    for _ in range(most):
        if focused(page) == name:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reached {name!r}")

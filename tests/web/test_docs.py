"""/docs works with no network: Swagger UI comes from the hub, and "Authorize" takes a token."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, Route, expect

from tests.web.conftest import LiveHub


def test_the_openapi_document_declares_the_bearer_scheme(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert document["security"] == [{"bearer": []}]
    assert not any(path.startswith(("/refer", "/sign-in", "/dev")) for path in document["paths"])


@pytest.mark.browser
def test_swagger_ui_loads_from_the_hub_alone(page: Page, live_hub: LiveHub) -> None:
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    # Anything not from the hub itself fails, as it would on a machine with no network.
    page.route(lambda url: not url.startswith(live_hub.url), refuse)
    page.goto("/docs")
    expect(page.get_by_role("heading", name="MASH Hub")).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    assert elsewhere == []

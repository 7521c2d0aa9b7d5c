"""What the management information browser tests share: the known fortnight of contacts,
sent through the running hub's API with a real signed token."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.conftest import TokenFactory
from tests.reporting.known_data import KnownData, load_known_data_with
from tests.web.conftest import LiveHub

MANAGER = "Priya Shah, MASH manager"


def load_known_data_into(page: Page, token_for: TokenFactory, live_hub: LiveHub) -> KnownData:
    def send(body: dict[str, Any]) -> str:
        response = page.request.post(
            "/api/v1/contacts",
            data=body,
            headers={"Authorization": f"Bearer {token_for('mash_admin')}"},
        )
        assert response.ok, response.text()
        return str(response.json()["reference"])

    return load_known_data_with(send, live_hub.database)

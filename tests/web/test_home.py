"""Where each person starts: hub staff on the screening board, everyone else on the first
page the firewall offers them, so nobody signs in to a page with nothing to do."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.test_sessions import sign_in_as


@pytest.mark.parametrize(
    ("person", "start"),
    [
        ("sw", "/"),
        ("manager", "/"),
        ("admin", "/"),
        ("rep-police", "/checks"),
        ("team-duty_a", "/team/products"),
        ("referrer", "/my/referrals"),
        ("ig", "/governance"),
        ("sysadmin", "/admin"),
    ],
)
def test_each_person_starts_on_their_own_work(client: TestClient, person: str, start: str) -> None:
    sign_in_as(client, person)
    home = client.get("/", follow_redirects=False)
    if start == "/":
        assert home.status_code == 200
        assert "Screening board" in home.text
    else:
        assert home.status_code == 303
        assert home.headers["location"] == start
        assert client.get(start).status_code in (200, 303)

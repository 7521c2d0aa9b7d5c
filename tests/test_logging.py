"""Logs carry ids, never personal data, tokens or key material."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders, TokenFactory

DISTINCTIVE = {
    "given_name": "Perpetua",
    "family_name": "Vandersloot",
    "date_of_birth": "2015-02-27",
    "nhs_number": "943 476 5919",
    "address": "17 Quillington Mews, Riverton",
    "postcode": "RT4 7QX",
}
CONCERN = "Bruising noticed on forearms during swimming lesson"


def test_no_personal_data_or_tokens_reach_the_logs(
    client: TestClient,
    auth: AuthHeaders,
    token_for: TokenFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    body = {
        "children": [DISTINCTIVE],
        "adults": [{"given_name": "Ozymandias", "family_name": "Vandersloot"}],
        "worries": ["physical_abuse"],
        "concern": CONCERN,
        "consent": {
            "status": "not_sought",
            "reason": "Mother's partner Ozymandias is the alleged abuser",
        },
        "referrer": {
            "name": "Hermione Applethwaite",
            "email": "h.applethwaite@school.example",
            "phone": "07700 900123",
        },
    }
    manager_token = token_for("mash_manager")
    headers = {"Authorization": f"Bearer {manager_token}"}
    assert client.post("/api/v1/contacts", json=body, headers=headers).status_code == 201
    contact_id = client.get("/api/v1/contacts", headers=headers).json()["items"][0]["id"]
    assert client.get(f"/api/v1/contacts/{contact_id}", headers=headers).status_code == 200
    assert (
        client.get(
            f"/api/v1/contacts/{contact_id}", headers=auth("operational", team="ooh")
        ).status_code
        == 404
    )
    bad = dict(body, children=[dict(DISTINCTIVE, date_of_birth="2999-01-01")])
    assert client.post("/api/v1/contacts", json=bad).status_code == 422
    assert (
        client.get(
            "/api/v1/me", headers={"Authorization": "Bearer " + manager_token[:-4] + "AAAA"}
        ).status_code
        == 401
    )

    captured = capsys.readouterr()
    logs = captured.out + captured.err
    assert "request.done" in logs, "nothing was logged at all"
    assert "contact.received" in logs
    secrets = [
        *DISTINCTIVE.values(),
        "9434765919",
        "Ozymandias",
        CONCERN,
        "Hermione",
        "applethwaite",
        "07700",
        manager_token,
        manager_token.split(".")[1],
        "2999-01-01",
    ]
    for secret in secrets:
        assert secret.lower() not in logs.lower(), f"{secret!r} reached the logs"
    assert contact_id in logs  # ids are what the logs carry instead

"""Every value triage and missing episodes seal can be found and re-sealed by a key rewrap."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.db import Database
from hub.keys.hub_store import hub_sealed_columns
from hub.keys.service import HUB_KEY_ID, Keyring
from hub.kit.crypto.envelope import sealed_key_ref
from tests.conftest import AuthHeaders
from tests.triage.conftest import a_notification


def test_sealed_values_can_be_rewrapped_under_a_new_hub_key_version(
    triage_client: TestClient, auth: AuthHeaders, app: FastAPI, database: Database
) -> None:
    response = triage_client.post(
        "/api/v1/da-notifications",
        json={"notifications": [a_notification()]},
        headers=auth("mash_admin"),
    )
    assert response.status_code == 201
    keyring: Keyring = app.state.keyring
    with database.session() as session, session.begin():
        new_version = keyring.rotate(session, HUB_KEY_ID).version
        rewrapped = 0
        for column in hub_sealed_columns():
            for row_id, sealed in column.page(session, after=None, limit=100):
                plaintext = keyring.open(session, sealed, column.context(row_id))
                column.replace(
                    session,
                    row_id,
                    keyring.seal(session, HUB_KEY_ID, plaintext, column.context(row_id)),
                )
                rewrapped += 1
        assert rewrapped == 1  # the notification's details; nothing else is sealed yet
        for column in hub_sealed_columns():
            for _, sealed in column.page(session, after=None, limit=100):
                assert sealed_key_ref(sealed)[1] == new_version
    detail = triage_client.get(
        f"/api/v1/da-notifications/{response.json()['items'][0]['id']}",
        headers=auth("mash_admin"),
    )
    assert detail.json()["child_people"][0]["given_name"] == "Wenna"

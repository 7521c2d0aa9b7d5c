"""Nothing personal in clear in the database; the counts screening asks for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from hub.agencies.indexing import Indexer
from hub.db import Database
from hub.keys.service import Keyring
from hub.people.normalise import PersonIdentifiers
from hub.triage.signals import address_blind, da_notifications_for_person, repeat_da_at_address
from tests.conftest import AuthHeaders
from tests.triage.conftest import a_notification


def raw_dump(database: Database, tables: list[str]) -> str:
    """Every column of every row, as text and as decoded bytes, for searching."""
    parts: list[str] = []
    with database.session() as session:
        for table in tables:
            for row in session.execute(text(f"SELECT * FROM {table}")).mappings():
                for value in row.values():
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    parts.append(str(value))
    return "\n".join(parts)


def test_nothing_personal_is_stored_in_clear(
    triage_client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    admin = auth("mash_admin")
    body = a_notification("RT/ZX9981/24", risk_level="high")
    received = triage_client.post(
        "/api/v1/da-notifications", json={"notifications": [body]}, headers=admin
    )
    notification_id = received.json()["items"][0]["id"]
    meeting_id = triage_client.post("/api/v1/triage/meetings", headers=admin).json()["id"]
    triage_client.put(
        f"/api/v1/triage/meetings/{meeting_id}/items/{notification_id}/outcome",
        json={"outcome": "referred_to_marac", "reason": "Strangulation disclosed by Orlaith."},
        headers=admin,
    )
    triage_client.app.state.audit_log.sequence()  # type: ignore[attr-defined]  # writes terms
    dump = raw_dump(
        database,
        [
            "da_notifications",
            "da_notification_people",
            "triage_meetings",
            "person_index",
            "audit_entries",
            "audit_terms",
        ],
    ).casefold()
    for secret in [
        "RT/ZX9981/24",
        "ZX9981",
        "Orlaith",
        "Penhallow",
        "Gideon",
        "Trevaskis",
        "Wenna",
        "2017-06-03",
        "1988-02-11",
        "Quarrendon",
        "S60 1AE",
        "S601AE",
        "shouting",
        "Strangulation",
    ]:
        assert secret.casefold() not in dump, secret
    # ... and yet it all reads back for the hub.
    detail = triage_client.get(f"/api/v1/da-notifications/{notification_id}", headers=admin)
    assert detail.json()["outcome_reason"] == "Strangulation disclosed by Orlaith."


def test_repeat_incidents_at_an_address_and_for_a_person(
    triage_client: TestClient, auth: AuthHeaders, app: FastAPI, database: Database
) -> None:
    now = datetime.now(UTC)

    def at(days: float) -> str:
        return (now - timedelta(days=days)).isoformat()

    notifications: list[dict[str, Any]] = [
        a_notification("E/1", incident_at=at(10), address="12 Quarrendon Walk, Rotherham"),
        # The same home written differently.
        a_notification("E/2", incident_at=at(40), address="12 QUARRENDON WALK", postcode="S601AE"),
        # Outside the 90 days.
        a_notification("E/3", incident_at=at(120), address="12 Quarrendon Walk"),
        # Next door: another household.
        a_notification("E/4", incident_at=at(5), address="14 Quarrendon Walk"),
    ]
    response = triage_client.post(
        "/api/v1/da-notifications",
        json={"notifications": notifications},
        headers=auth("mash_admin"),
    )
    assert response.status_code == 201, response.text
    keyring: Keyring = app.state.keyring
    with database.session() as session:
        linkage = keyring.linkage_key(session)
        home = address_blind(linkage, "12 Quarrendon Walk, Rotherham", "s60 1ae")
        next_door = address_blind(linkage, "14 Quarrendon Walk", "S60 1AE")
        assert repeat_da_at_address(session, home, now=now) == 2
        assert repeat_da_at_address(session, home, now=now, window_days=365) == 3
        assert repeat_da_at_address(session, next_door, now=now) == 1
        assert repeat_da_at_address(session, None, now=now) == 0

        wenna = Indexer(linkage).person(
            PersonIdentifiers(
                given_name="Wenna", family_name="Penhallow", date_of_birth="2017-06-03"
            )
        )
        blinds = [i.blind for i in wenna if i.pass_name == "given_family_dob"]
        assert da_notifications_for_person(session, blinds) == 4
        assert da_notifications_for_person(session, blinds, now=now, window_days=30) == 2
        stranger = Indexer(linkage).person(
            PersonIdentifiers(
                given_name="Wenna", family_name="Polglase", date_of_birth="2017-06-03"
            )
        )
        assert da_notifications_for_person(session, [i.blind for i in stranger[:1]]) == 0

"""Bad input at every endpoint gets a clear 4xx in the one error shape, and changes nothing.

Every route that takes a body is sent malformed JSON, a JSON array, and an object with an
unknown field, by a MASH manager (the widest hub role) and by an agency representative.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hub.audit.models import AuditEntry
from hub.db import Database
from tests.conftest import AuthHeaders


def body_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) that takes a request body, from the app's own OpenAPI."""
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]


def concrete(path: str) -> str:
    return (
        path.replace("{agency}", "police")
        .replace("{mid}", str(uuid.uuid4()))
        .replace("{nid}", str(uuid.uuid4()))
        .replace("{", "")
        .replace("}", "")
        .replace("contact_id", str(uuid.uuid4()))
        .replace("enquiry_id", str(uuid.uuid4()))
        .replace("request_id", str(uuid.uuid4()))
        .replace("disclosure_id", str(uuid.uuid4()))
        .replace("product_id", str(uuid.uuid4()))
        .replace("record_id", str(uuid.uuid4()))
        .replace("episode_id", str(uuid.uuid4()))
        .replace("notification_id", str(uuid.uuid4()))
        .replace("meeting_id", str(uuid.uuid4()))
    )


def audit_count(database: Database) -> int:
    with database.session() as session:
        return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


BAD_BODIES: list[tuple[str, bytes]] = [
    ("malformed", b'{"unfinished": '),
    ("array", b"[1, 2, 3]"),
    ("unknown field", b'{"definitely_not_a_field": true}'),
]


@pytest.mark.parametrize(("label", "body"), BAD_BODIES)
def test_every_body_route_refuses_bad_input_cleanly(
    client: TestClient, app: FastAPI, auth: AuthHeaders, database: Database, label: str, body: bytes
) -> None:
    routes = body_routes(app)
    assert len(routes) > 20, "the sweep found too few routes to mean anything"
    before = audit_count(database)
    for who in (auth("mash_manager"), auth("agency_rep", agency="police")):
        for method, path in routes:
            response = client.request(
                method,
                concrete(path),
                content=body,
                headers=who | {"content-type": "application/json"},
            )
            assert 400 <= response.status_code < 500, (label, method, path, response.status_code)
            payload: dict[str, Any] = response.json()
            assert set(payload) == {"error", "detail"}, (method, path)
    # Nothing was done; at most, refused attempts were recorded.
    with database.session() as session:
        allowed_since = session.execute(
            select(func.count()).where(AuditEntry.outcome == "allowed", AuditEntry.id > before)
        ).scalar_one()
    assert allowed_since == 0

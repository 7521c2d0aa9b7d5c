"""The missing episode routes, as the app mounts them (under /api/v1, authenticated)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.fixture
def missing_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def an_episode(started_at: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "episode_type": "from_care",
        "started_at": started_at,
        "child": {
            "given_name": "Zoë",
            "family_name": "Ashdown-Pryce",
            "date_of_birth": "2010-11-23",
            "postcode": "S65 1AA",
        },
        "reported_by": {"kind": "care_provider", "name": "Bryony Halse", "phone": "01709 000000"},
        "circumstances": "Did not come back to the home after school.",
    }
    body.update(overrides)
    return body

"""Fixtures for the agency stores: the hub app, whose API already holds the agency routes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.db import Database
from hub.settings import Settings


@pytest.fixture
def agency_app(settings: Settings, database: Database) -> FastAPI:
    # create_app mounts the agency routes under /api/v1, authenticated by default; a
    # second mount would answer nothing more and give each operation a duplicate id.
    return create_app(settings, database=database)


@pytest.fixture
def agency_client(agency_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(agency_app) as test_client:
        yield test_client


RecordFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def a_record() -> RecordFactory:
    counter = iter(range(1, 10_000))

    def make(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "source_ref": f"REF-{next(counter):05d}",
            "given_name": "Tamsin",
            "family_name": "Quorley",
            "date_of_birth": "2016-05-04",
            "nhs_number": "943 476 5919",
            "postcode": "rt4 7xq",
            "address_line": "12 Larch Row, Riverton",
            "record_type": "incident",
            "occurred_on": "2024-02-11",
            "summary": "Officers attended a disturbance at the home.",
        }
        body.update(overrides)
        return body

    return make

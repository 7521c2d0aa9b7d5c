"""The triage routes, as the app mounts them (under /api/v1, authenticated)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.db import Database


@pytest.fixture
def triage_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def hours_ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


def a_notification(reference: str = "RT/1001/24", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "police_reference": reference,
        "incident_at": hours_ago(10),
        "address": "12 Quarrendon Walk, Rotherham",
        "postcode": "s60 1ae",
        "risk_level": "medium",
        "adults": [
            {"role": "victim", "given_name": "Orlaith", "family_name": "Penhallow"},
            {
                "role": "alleged_perpetrator",
                "given_name": "Gideon",
                "family_name": "Trevaskis",
                "date_of_birth": "1988-02-11",
            },
        ],
        "children": [
            {"given_name": "Wenna", "family_name": "Penhallow", "date_of_birth": "2017-06-03"},
        ],
        "circumstances": "Neighbours heard shouting; the victim had a facial injury.",
    }
    body.update(overrides)
    return body


def audit_rows(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())


CSV_COLUMNS = [
    "police_reference",
    "incident_at",
    "address",
    "postcode",
    "risk_level",
    "circumstances",
    "victim_given_name",
    "victim_family_name",
    "perpetrator_given_name",
    "perpetrator_family_name",
    "child1_given_name",
    "child1_family_name",
    "child1_date_of_birth",
    "child2_given_name",
    "child2_family_name",
    "child2_date_of_birth",
]


def csv_row(i: int, **changes: str) -> dict[str, str]:
    values = {
        "police_reference": f"RT/{2000 + i}/24",
        "incident_at": "03/02/2024 23:40",
        "address": f"{i} Ebberston Row",
        "postcode": "S60 2BQ",
        "risk_level": ["standard", "medium", "high"][i % 3],
        "circumstances": "Verbal argument reported by a neighbour.",
        "victim_given_name": "Morwenna",
        "victim_family_name": "Kellow",
        "perpetrator_given_name": "Jory",
        "perpetrator_family_name": "Kellow",
        "child1_given_name": "Tamsyn",
        "child1_family_name": "Kellow",
        "child1_date_of_birth": "14/09/2015",
        "child2_given_name": "",
        "child2_family_name": "",
        "child2_date_of_birth": "",
    }
    values.update(changes)
    return values


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = CSV_COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path

"""Who may use an agency's own pages is the firewall's answer, asked at the decision point:
only an agency's representatives are offered them or let in; anyone else is refused there,
and the refusal is in the audit log like any other."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.db import Database
from tests.web.test_sessions import service_links, sign_in_as

AGENCY_PAGES = ("/checks", "/disclosures")


def _refusals(database: Database, sub: str) -> list[tuple[str, str]]:
    with database.session() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.actor_sub == sub, AuditEntry.outcome == "denied")
            .order_by(AuditEntry.recorded_at)
        ).all()
    return [(e.action, e.resource_kind) for e in entries]


def test_an_agencys_representative_is_offered_and_let_into_its_pages(
    client: TestClient, database: Database
) -> None:
    sign_in_as(client, "rep-police")
    assert {"Check requests", "Disclosures", "Records"} <= service_links(client)
    for path in AGENCY_PAGES:
        assert client.get(path).status_code == 200, path
    assert _refusals(database, "demo-police-rep") == []


@pytest.mark.parametrize(
    ("person", "sub", "status"),
    [
        # Hub staff may see every agency's check requests, so a refusal may say so: 403.
        ("sw", "demo-sw", 403),
        # A referrer may see none at all: 404.
        ("referrer", "demo-teacher", 404),
    ],
)
def test_anyone_else_is_refused_at_the_decision_point_and_it_is_recorded(
    client: TestClient, database: Database, person: str, sub: str, status: int
) -> None:
    sign_in_as(client, person)
    links = service_links(client)
    assert "Check requests" not in links
    assert "Disclosures" not in links
    for path in AGENCY_PAGES:
        assert client.get(path).status_code == status, path
    assert _refusals(database, sub) == [("respond", "check_request")] * len(AGENCY_PAGES)

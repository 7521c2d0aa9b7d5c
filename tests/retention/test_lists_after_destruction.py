"""Once a case is destroyed, the lists and figures that counted it carry on without it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.db import Database, utcnow
from hub.retention.service import add_years, run
from tests.enquiries.test_end_to_end import Hub
from tests.products.test_product_content import compile_authorise_and_send, disclosed_case
from tests.retention.test_retention import SCHEDULE, SYSADMIN
from tests.web.test_sessions import sign_in_as


@pytest.fixture
def hub(client: TestClient, auth: Any) -> Hub:
    return Hub(client, auth)


def test_lists_reports_and_list_1_leave_a_destroyed_case_out(
    hub: Hub, client: TestClient, app: FastAPI, database: Database
) -> None:
    # Sent to the team and not answered yet: the case waits on the hub's enquiries list.
    case = disclosed_case(hub)
    product_id, team = compile_authorise_and_send(hub, case)
    done = run(database, SYSADMIN, SCHEDULE, keyring=app.state.keyring, now=add_years(utcnow(), 26))
    assert [str(d.id) for d in done.destroyed] == [case.contact_id]

    contacts = hub.get("/api/v1/contacts", hub.social_worker)
    assert contacts.status_code == 200
    [listed] = [c for c in contacts.json()["items"] if c["id"] == case.contact_id]
    assert listed["status"] == "destroyed"
    # The agencies' inboxes and their own disclosures carry on without it.
    for agency, who in (("police", hub.police), ("health", hub.health)):
        inbox = hub.get(f"/api/v1/agencies/{agency}/checks", who)
        assert inbox.status_code == 200, inbox.text
        assert all(r["enquiry_id"] != case.enquiry_id for r in inbox.json())
        shared = hub.get(f"/api/v1/agencies/{agency}/disclosures", who)
        assert shared.status_code == 200, shared.text
        assert case.police_disclosure not in shared.text
    assert hub.get("/api/v1/checks/overdue", hub.social_worker).status_code == 200
    products = hub.get("/api/v1/products", hub.duty[team])
    assert products.status_code == 200
    assert hub.get(f"/api/v1/products/{product_id}", hub.duty[team]).status_code == 410
    today = utcnow().date().isoformat()
    window = {"from": today, "to": today}
    figures = hub.client.get("/api/v1/reports/dashboard", params=window, headers=hub.manager)
    assert figures.status_code == 200, figures.text
    list_1 = hub.client.get(
        "/api/v1/reports/annex-a/list-1.csv", params=window, headers=hub.manager
    )
    assert list_1.status_code == 200, list_1.text
    assert "Wren" not in list_1.text
    assert len(list_1.text.strip().splitlines()) == 1  # the header row alone

    sign_in_as(client, "manager")
    for page in ("/", "/enquiries", "/reports"):
        answered = client.get(page)
        assert answered.status_code == 200, (page, answered.status_code)
        assert "Wren" not in answered.text
    assert client.get(f"/enquiries/{case.enquiry_id}").status_code == 410

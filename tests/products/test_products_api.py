"""An information product from compiling to sending, and the way back when a manager
returns it: the receiving team sees nothing until it is sent."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders
from tests.enquiries.test_end_to_end import REASON, Hub, check_request_for

ANALYSIS = "Neglect indicators from two sources; no agency holds a current plan."


@pytest.fixture
def hub(client: TestClient, auth: AuthHeaders) -> Hub:
    return Hub(client, auth)


def test_a_returned_product_is_compiled_again_and_the_team_sees_nothing_until_it_is_sent(
    hub: Hub,
) -> None:
    enquiry_id = check_request_for(hub, rag="amber", agency="health")["enquiry_id"]
    body = {
        "analysis": ANALYSIS,
        "proposed_outcome": "early_help",
        "receiving_team": "duty_a",
        "team_reason": "Duty A already holds an open assessment of this family.",
    }
    first = hub.post(f"/api/v1/enquiries/{enquiry_id}/products", hub.social_worker, body)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "awaiting_authorisation"
    again = hub.post(f"/api/v1/enquiries/{enquiry_id}/products", hub.social_worker, body)
    assert (again.status_code, again.json()["error"]) == (409, "product_exists")

    returned = hub.post(
        f"/api/v1/products/{first.json()['id']}/authorisation",
        hub.manager,
        {"decision": "return", "reason": REASON},
    )
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"
    second = hub.post(f"/api/v1/enquiries/{enquiry_id}/products", hub.social_worker, body)
    assert second.status_code == 201

    team = hub.duty["duty_a"]
    for product in (first, second):
        assert hub.get(f"/api/v1/products/{product.json()['id']}", team).status_code == 404
    assert hub.get("/api/v1/products", team).json() == []
    listed = {p["id"]: p["status"] for p in hub.get("/api/v1/products", hub.manager).json()}
    assert listed == {
        first.json()["id"]: "returned",
        second.json()["id"]: "awaiting_authorisation",
    }

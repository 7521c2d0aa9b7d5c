"""The receiving team acknowledges a product sent to it: it accepts it, so the hub knows it
landed, or declines it with a reason, and the product goes back to the hub. Only the team it
was sent to may answer, and only once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders
from tests.enquiries.test_end_to_end import REASON, Hub, check_request_for

ANALYSIS = "Neglect indicators from two sources; no agency holds a current plan."
DECLINE = "Wren's family moved to another council's area last week; we cannot visit."


@pytest.fixture
def hub(client: TestClient, auth: AuthHeaders) -> Hub:
    return Hub(client, auth)


def sent_product(hub: Hub, *, team: str = "duty_b", rag: str = "red") -> tuple[str, str]:
    """A product compiled, authorised and sent to ``team``: (enquiry id, product id)."""
    enquiry_id = check_request_for(hub, rag=rag, agency="health")["enquiry_id"]
    compiled = hub.post(
        f"/api/v1/enquiries/{enquiry_id}/products",
        hub.social_worker,
        {
            "analysis": ANALYSIS,
            "proposed_outcome": "child_in_need_assessment",
            "receiving_team": team,
            "team_reason": "This team already knows the family from last year.",
        },
    )
    assert compiled.status_code == 201, compiled.text
    product_id = compiled.json()["id"]
    authorised = hub.post(
        f"/api/v1/products/{product_id}/authorisation",
        hub.manager,
        {"decision": "authorise", "reason": REASON},
    )
    assert authorised.status_code == 200
    assert hub.post(f"/api/v1/products/{product_id}/dissemination", hub.manager).status_code == 200
    return enquiry_id, product_id


def acknowledge(hub: Hub, product_id: str, who: dict[str, str], body: dict[str, Any]) -> Any:
    return hub.post(f"/api/v1/products/{product_id}/acknowledgement", who, body)


def test_the_team_accepts_a_product_and_the_hub_sees_who_and_when(hub: Hub) -> None:
    enquiry_id, product_id = sent_product(hub)
    team = hub.duty["duty_b"]

    accepted = acknowledge(hub, product_id, team, {"decision": "accept"})

    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "accepted"
    assert body["acknowledged_by"] == "op-duty_b"
    assert body["acknowledged_at"] >= body["disseminated_at"]
    # The hub sees it landed; the team still has its product.
    [listed] = [p for p in hub.get("/api/v1/products", hub.manager).json() if p["id"] == product_id]
    assert (listed["status"], listed["acknowledged_by"]) == ("accepted", "op-duty_b")
    assert hub.get(f"/api/v1/products/{product_id}", team).json()["status"] == "accepted"
    assert [p["id"] for p in hub.get("/api/v1/products", team).json()] == [product_id]
    assert hub.get(f"/api/v1/enquiries/{enquiry_id}", hub.manager).json()["status"] == "closed"
    [entry] = hub.audit(action="acknowledge")
    assert (entry["actor_sub"], entry["outcome"], entry["resource_id"]) == (
        "op-duty_b",
        "allowed",
        product_id,
    )
    assert entry["reason"] == "accepted by duty_b"


def test_a_declined_product_goes_back_to_the_hub_with_the_teams_reason(hub: Hub) -> None:
    enquiry_id, product_id = sent_product(hub)
    team = hub.duty["duty_b"]

    without_reason = acknowledge(hub, product_id, team, {"decision": "decline"})
    assert (without_reason.status_code, without_reason.json()["error"]) == (422, "reason_required")
    declined = acknowledge(hub, product_id, team, {"decision": "decline", "reason": DECLINE})

    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["acknowledged_by"]) == (
        "declined",
        "op-duty_b",
    )
    # The hub reads the reason with the product, and its enquiry is open again.
    assert hub.get(f"/api/v1/products/{product_id}", hub.manager).json()["decline_reason"] == (
        DECLINE
    )
    assert hub.get(f"/api/v1/enquiries/{enquiry_id}", hub.manager).json()["status"] == "open"
    [entry] = hub.audit(action="acknowledge")
    # The log says who declined in its own words; what the team wrote is sealed beside it.
    assert entry["reason"] == "declined by duty_b"
    assert entry["text_sealed"] is True
    assert DECLINE not in str(entry)
    # The hub compiles a new product for another team; the declined one stays declined.
    again = hub.post(
        f"/api/v1/enquiries/{enquiry_id}/products",
        hub.social_worker,
        {
            "analysis": ANALYSIS,
            "proposed_outcome": "child_in_need_assessment",
            "receiving_team": "duty_c",
            "team_reason": "Duty B declined: the family now lives in Duty C's patch.",
        },
    )
    assert again.status_code == 201, again.text
    assert hub.get(f"/api/v1/products/{product_id}", team).json()["status"] == "declined"


def test_another_team_gets_404_and_the_hub_cannot_acknowledge_for_the_team(hub: Hub) -> None:
    _, product_id = sent_product(hub)

    for team in ("duty_a", "early_help", "ooh"):
        refused = acknowledge(hub, product_id, hub.duty[team], {"decision": "accept"})
        assert refused.status_code == 404
    assert acknowledge(hub, product_id, hub.manager, {"decision": "accept"}).status_code == 403
    assert acknowledge(hub, product_id, hub.referrer, {"decision": "accept"}).status_code == 404
    # Nothing changed, and every refusal is on the record.
    assert hub.get(f"/api/v1/products/{product_id}", hub.manager).json()["status"] == (
        "disseminated"
    )
    denied = hub.audit(action="acknowledge", outcome="denied")
    assert {e["actor_sub"] for e in denied} == {"op-duty_a", "op-early_help", "op-ooh", "mgr-1"} | {
        "teacher-17"
    }


def test_a_product_not_sent_yet_cannot_be_acknowledged(hub: Hub) -> None:
    enquiry_id = check_request_for(hub, rag="amber", agency="health")["enquiry_id"]
    compiled = hub.post(
        f"/api/v1/enquiries/{enquiry_id}/products",
        hub.social_worker,
        {
            "analysis": ANALYSIS,
            "proposed_outcome": "child_in_need_assessment",
            "receiving_team": "duty_b",
            "team_reason": "This team already knows the family from last year.",
        },
    ).json()
    refused = acknowledge(hub, compiled["id"], hub.duty["duty_b"], {"decision": "accept"})
    assert refused.status_code == 404


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"decision": "accept"}, {"decision": "accept"}),
        ({"decision": "accept"}, {"decision": "decline", "reason": DECLINE}),
        ({"decision": "decline", "reason": DECLINE}, {"decision": "accept"}),
    ],
)
def test_a_product_is_answered_once_and_a_second_answer_is_a_clear_409(
    hub: Hub, first: dict[str, str], second: dict[str, str]
) -> None:
    _, product_id = sent_product(hub)
    team = hub.duty["duty_b"]
    assert acknowledge(hub, product_id, team, first).status_code == 200

    again = acknowledge(hub, product_id, team, second)

    assert again.status_code == 409
    assert again.json()["error"] == "already_acknowledged"
    done = "accepted" if first["decision"] == "accept" else "declined"
    assert again.json()["detail"] == f"Your team already {done} this product."
    assert hub.get(f"/api/v1/products/{product_id}", team).json()["status"] == done
    assert len(hub.audit(action="acknowledge", outcome="allowed")) == 1

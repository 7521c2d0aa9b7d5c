"""The agency check of an enquiry matches everyone who can be matched: a household member
known only by a first name is said to be skipped, and does not stop the child's check."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders
from tests.enquiries.test_end_to_end import CHILD, MOTHER, REASON, Hub


@pytest.fixture
def hub(client: TestClient, auth: AuthHeaders) -> Hub:
    return Hub(client, auth)


def enquiry_about(hub: Hub, *, adults: list[dict[str, str]]) -> str:
    contact = hub.post(
        "/api/v1/contacts",
        hub.admin,
        {
            "children": [CHILD],
            "adults": adults,
            "worries": ["domestic_abuse"],
            "concern": "Shouting most nights.",
            "consent": {"status": "obtained"},
        },
    )
    contact_id = next(
        c["id"]
        for c in hub.get("/api/v1/contacts", hub.admin).json()["items"]
        if c["reference"] == contact.json()["reference"]
    )
    screening = {"threshold_level": 4, "threshold_reason": REASON, "rag": "red"}
    hub.post(f"/api/v1/contacts/{contact_id}/screening", hub.social_worker, screening)
    outcome = {"outcome": "mash_enquiry", "reason": REASON}
    hub.post(f"/api/v1/contacts/{contact_id}/outcome", hub.social_worker, outcome)
    enquiry = hub.post("/api/v1/enquiries", hub.social_worker, {"contact_id": contact_id})
    assert enquiry.status_code == 201, enquiry.text
    return str(enquiry.json()["id"])


def test_an_adult_known_only_by_first_name_is_skipped_and_everyone_else_is_matched(
    hub: Hub,
) -> None:
    for agency, who in (("police", hub.police), ("health", hub.health)):
        created = hub.post(
            f"/api/v1/agencies/{agency}/records",
            who,
            {
                "source_ref": f"{agency}-1",
                **CHILD,
                "record_type": "note",
                "occurred_on": "2026-10-02",
                "summary": "Known to us.",
            },
        )
        assert created.status_code == 201
    hub.post(
        "/api/v1/agencies/police/records",
        hub.police,
        {
            "source_ref": "police-2",
            **MOTHER,
            "record_type": "victim",
            "occurred_on": "2026-10-02",
            "summary": "Reported an assault.",
        },
    )
    enquiry_id = enquiry_about(hub, adults=[{"given_name": "Dean"}, MOTHER])

    response = hub.post(f"/api/v1/enquiries/{enquiry_id}/agency-check", hub.social_worker)

    assert response.status_code == 200, response.text
    people = {p["person"]: p for p in response.json()}
    assert list(people) == ["child 1", "adult 1", "adult 2"]
    assert people["child 1"]["checked"] is True
    assert {a["agency"] for a in people["child 1"]["agencies"]} == {"police", "health"}
    assert people["adult 1"]["checked"] is False
    assert people["adult 1"]["agencies"] == []
    assert "not enough identifiers" in people["adult 1"]["not_checked_because"]
    assert people["adult 2"]["checked"] is True
    assert [a["agency"] for a in people["adult 2"]["agencies"]] == ["police"]
    # Who was skipped is said by role and position, never by name.
    assert "Dean" not in response.text
    # Two matches ran, and each is on the record; the skipped adult's is not.
    runs = hub.audit(action="run")
    assert len([e for e in runs if e["resource_kind"] == "agency_match"]) == 2


def test_when_nobody_can_be_matched_the_answer_says_so_for_each_person(hub: Hub) -> None:
    contact = hub.post(
        "/api/v1/contacts",
        hub.admin,
        {
            "children": [{"given_name": "Wren"}],
            "worries": ["neglect"],
            "concern": "Hungry at school.",
            "consent": {"status": "obtained"},
        },
    )
    contact_id = next(
        c["id"]
        for c in hub.get("/api/v1/contacts", hub.admin).json()["items"]
        if c["reference"] == contact.json()["reference"]
    )
    screening = {"threshold_level": 4, "threshold_reason": REASON, "rag": "amber"}
    hub.post(f"/api/v1/contacts/{contact_id}/screening", hub.social_worker, screening)
    outcome = {"outcome": "mash_enquiry", "reason": REASON}
    hub.post(f"/api/v1/contacts/{contact_id}/outcome", hub.social_worker, outcome)
    enquiry_id = hub.post(
        "/api/v1/enquiries", hub.social_worker, {"contact_id": contact_id}
    ).json()["id"]

    response = hub.post(f"/api/v1/enquiries/{enquiry_id}/agency-check", hub.social_worker)

    assert response.status_code == 200
    assert [(p["person"], p["checked"]) for p in response.json()] == [("child 1", False)]

"""Screening as a MASH social worker and manager use it: rate, clock, consent, outcome."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.kit.working_time import WorkingHours
from tests.conftest import AuthHeaders
from tests.contacts.test_contacts_api import a_contact

REASON = "Two prior police callouts and school attendance falling."


def submit(client: TestClient, auth: AuthHeaders, **overrides: Any) -> str:
    created = client.post(
        "/api/v1/contacts", json=a_contact(**overrides), headers=auth("mash_admin")
    )
    assert created.status_code == 201
    listing = client.get("/api/v1/contacts", headers=auth("mash_admin")).json()["items"]
    return str(next(c["id"] for c in listing if c["reference"] == created.json()["reference"]))


def rate(client: TestClient, auth: AuthHeaders, contact_id: str, rag: str = "red") -> Any:
    return client.post(
        f"/api/v1/contacts/{contact_id}/screening",
        json={"threshold_level": 4, "threshold_reason": REASON, "rag": rag},
        headers=auth("mash_social_worker"),
    )


def test_a_red_rating_starts_a_four_hour_clock_from_receipt(
    client: TestClient, auth: AuthHeaders
) -> None:
    contact_id = submit(client, auth)
    response = rate(client, auth, contact_id, "red")
    assert response.status_code == 200, response.text
    body = response.json()
    received = datetime.fromisoformat(body["received_at"])
    assert datetime.fromisoformat(body["rag_deadline"]) == received + timedelta(hours=4)
    assert 230 <= body["minutes_left"] <= 240
    assert body["breached"] is False
    assert body["threshold_level"] == 4
    again = rate(client, auth, contact_id, "green")
    assert again.status_code == 409
    assert again.json()["error"] == "already_rated"


def test_only_a_manager_changes_a_rating_and_must_say_why(
    client: TestClient, auth: AuthHeaders
) -> None:
    contact_id = submit(client, auth)
    assert rate(client, auth, contact_id, "green").status_code == 200
    url = f"/api/v1/contacts/{contact_id}/rating"
    by_social_worker = client.post(
        url, json={"rag": "red", "reason": REASON}, headers=auth("mash_social_worker")
    )
    assert by_social_worker.status_code == 403  # they can see the contact, so 403 reveals nothing
    no_reason = client.post(
        url, json={"rag": "red", "reason": "because"}, headers=auth("mash_manager")
    )
    assert no_reason.status_code == 422
    changed = client.post(url, json={"rag": "red", "reason": REASON}, headers=auth("mash_manager"))
    assert changed.status_code == 200
    body = changed.json()
    assert body["rag"] == "red"
    received = datetime.fromisoformat(body["received_at"])
    assert datetime.fromisoformat(body["rag_deadline"]) == received + timedelta(hours=4)


def test_proceeding_without_consent_needs_a_managers_authorisation(
    client: TestClient, auth: AuthHeaders
) -> None:
    contact_id = submit(
        client,
        auth,
        consent={"status": "not_sought", "reason": "Asking would alert the alleged abuser."},
    )
    assert rate(client, auth, contact_id).status_code == 200
    outcome = {"outcome": "mash_enquiry", "reason": REASON}
    refused = client.post(
        f"/api/v1/contacts/{contact_id}/outcome", json=outcome, headers=auth("mash_social_worker")
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "consent_override_required"
    override_url = f"/api/v1/contacts/{contact_id}/consent-override"
    assert (
        client.post(
            override_url, json={"reason": REASON}, headers=auth("mash_social_worker")
        ).status_code
        == 403
    )
    assert (
        client.post(override_url, json={"reason": REASON}, headers=auth("mash_manager")).status_code
        == 200
    )
    decided = client.post(
        f"/api/v1/contacts/{contact_id}/outcome", json=outcome, headers=auth("mash_social_worker")
    )
    assert decided.status_code == 200
    assert decided.json()["outcome"] == "mash_enquiry"
    assert decided.json()["consent_overridden"] is True


def test_early_help_outcome_goes_to_early_help_and_ends_screening(
    client: TestClient, auth: AuthHeaders
) -> None:
    contact_id = submit(client, auth)
    assert rate(client, auth, contact_id, "green").status_code == 200
    url = f"/api/v1/contacts/{contact_id}/outcome"
    decided = client.post(
        url, json={"outcome": "early_help", "reason": REASON}, headers=auth("mash_social_worker")
    )
    assert decided.status_code == 200
    assert decided.json()["outcome_team"] == "early_help"
    assert (
        client.post(
            url, json={"outcome": "nfa", "reason": REASON}, headers=auth("mash_social_worker")
        ).status_code
        == 409
    )
    queue = client.get("/api/v1/screening/queue", headers=auth("mash_social_worker")).json()
    assert all(item["contact_id"] != contact_id for item in queue["green"])


def test_an_outcome_needs_a_rating_first(client: TestClient, auth: AuthHeaders) -> None:
    contact_id = submit(client, auth)
    response = client.post(
        f"/api/v1/contacts/{contact_id}/outcome",
        json={"outcome": "nfa", "reason": REASON},
        headers=auth("mash_social_worker"),
    )
    assert response.status_code == 409
    assert response.json()["error"] == "not_rated"


def test_earlier_contacts_about_the_same_child_are_found_without_names_in_clear(
    client: TestClient, auth: AuthHeaders
) -> None:
    child = {"given_name": "Elowen", "family_name": "Tregarthen", "date_of_birth": "2017-09-12"}
    first = submit(client, auth, children=[child])
    second = submit(client, auth, children=[dict(child, family_name="TREGARTHEN ")])
    unrelated = submit(
        client,
        auth,
        children=[{"given_name": "Bram", "family_name": "Oakes", "date_of_birth": "2012-01-01"}],
    )
    view = client.get(
        f"/api/v1/contacts/{second}/screening", headers=auth("mash_social_worker")
    ).json()
    assert [e["contact_id"] for e in view["earlier_contacts"]] == [first]
    assert "family_dob" in view["earlier_contacts"][0]["matched_on"]
    assert view["earlier_contacts"][0]["strength"] == "strong"
    assert view["flags"] == []
    assert (
        client.get(
            f"/api/v1/contacts/{unrelated}/screening", headers=auth("mash_social_worker")
        ).json()["earlier_contacts"]
        == []
    )

    third = submit(client, auth, children=[child])
    flags = client.get(
        f"/api/v1/contacts/{third}/screening", headers=auth("mash_social_worker")
    ).json()["flags"]
    assert [f["code"] for f in flags] == ["repeat_contacts"]
    assert "3 contacts" in flags[0]["detail"]


def test_the_queue_orders_by_urgency(client: TestClient, auth: AuthHeaders) -> None:
    green = submit(client, auth)
    red = submit(client, auth)
    unrated = submit(client, auth)
    rate(client, auth, green, "green")
    rate(client, auth, red, "red")
    queue = client.get("/api/v1/screening/queue", headers=auth("mash_manager")).json()
    assert [i["contact_id"] for i in queue["red"]] == [red]
    assert [i["contact_id"] for i in queue["green"]] == [green]
    assert [i["contact_id"] for i in queue["unrated"]] == [unrated]
    assert queue["breached"] == 0
    assert queue["totals"] == {"unrated": 1, "red": 1, "amber": 0, "green": 1}
    assert queue["red"][0]["minutes_left"] <= 240


def test_the_queue_lists_the_most_urgent_of_each_rating_and_counts_them_all(
    client: TestClient, auth: AuthHeaders
) -> None:
    unrated = [submit(client, auth) for _ in range(3)]
    red = [submit(client, auth) for _ in range(3)]
    for contact_id in red:
        rate(client, auth, contact_id, "red")
    headers = auth("mash_social_worker")
    queue = client.get("/api/v1/screening/queue?limit=2", headers=headers).json()
    # The two oldest not rated yet, and the two red with the nearest deadlines.
    assert [i["contact_id"] for i in queue["unrated"]] == unrated[:2]
    assert [i["contact_id"] for i in queue["red"]] == red[:2]
    assert queue["totals"] == {"unrated": 3, "red": 3, "amber": 0, "green": 0}
    whole = client.get("/api/v1/screening/queue", headers=headers).json()
    assert [i["contact_id"] for i in whole["red"]] == red
    for limit in ("0", "501", "many"):
        refused = client.get(f"/api/v1/screening/queue?limit={limit}", headers=headers)
        assert refused.status_code == 422


def test_contacts_out_of_hours_are_flagged_for_the_out_of_hours_team(
    client: TestClient, auth: AuthHeaders, app: FastAPI
) -> None:
    today = datetime.now().astimezone().weekday()
    # A calendar whose only working day is not today: whatever the time, it is out of hours.
    app.state.calendar = WorkingHours(working_days=frozenset({(today + 3) % 7}))
    contact_id = submit(client, auth)
    view = client.get(f"/api/v1/contacts/{contact_id}/screening", headers=auth("mash_admin")).json()
    assert view["out_of_hours"] is True


@pytest.mark.parametrize(
    ("role", "claims"),
    [
        ("operational", {"team": "duty_a"}),
        ("agency_rep", {"agency": "health"}),
        ("ig_officer", {}),
        ("referrer", {}),
    ],
)
def test_screening_is_hub_work_and_invisible_outside_it(
    client: TestClient, auth: AuthHeaders, role: str, claims: dict[str, str]
) -> None:
    contact_id = submit(client, auth)
    headers = auth(role, **claims)
    assert (
        client.get(f"/api/v1/contacts/{contact_id}/screening", headers=headers).status_code == 404
    )
    assert rate(client, lambda *_a, **_k: headers, contact_id).status_code == 404
    assert client.get("/api/v1/screening/queue", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"threshold_level": 5, "threshold_reason": REASON, "rag": "red"},
        {"threshold_level": 3, "threshold_reason": REASON, "rag": "purple"},
        {"threshold_level": 3, "rag": "red"},
        {"threshold_level": 3, "threshold_reason": REASON, "rag": "red", "extra": 1},
    ],
)
def test_bad_screening_input_is_422_and_changes_nothing(
    client: TestClient, auth: AuthHeaders, body: dict[str, Any]
) -> None:
    contact_id = submit(client, auth)
    response = client.post(
        f"/api/v1/contacts/{contact_id}/screening", json=body, headers=auth("mash_social_worker")
    )
    assert response.status_code == 422
    view = client.get(
        f"/api/v1/contacts/{contact_id}/screening", headers=auth("mash_social_worker")
    ).json()
    assert view["rag"] is None


def test_emerging_harm_at_the_same_address_and_repeat_missing(
    client: TestClient, auth: AuthHeaders, app: FastAPI
) -> None:
    address = {"address": "14 Kiln Lane, Riverton", "postcode": "RT2 5QB"}
    sibling = {
        "given_name": "Tamsin",
        "family_name": "Oduya",
        "date_of_birth": "2013-03-03",
        **address,
    }
    child = {"given_name": "Femi", "family_name": "Oduya", "date_of_birth": "2016-08-08", **address}
    submit(client, auth, children=[sibling])
    # Two police notifications of domestic abuse at the address in the last weeks.
    admin = auth("mash_admin")
    for number in (1, 2):
        sent = client.post(
            "/api/v1/da-notifications",
            headers=admin,
            json={
                "notifications": [
                    {
                        "police_reference": f"DA-77{number}",
                        "incident_at": (
                            datetime.now().astimezone() - timedelta(days=10 * number)
                        ).isoformat(),
                        "address": "14 Kiln Lane",
                        "postcode": "RT2 5QB",
                        "risk_level": "medium",
                        "circumstances": "Verbal argument, neighbours called police.",
                        "adults": [{"role": "victim", "given_name": "Ada", "family_name": "Oduya"}],
                        "children": [
                            {
                                "given_name": "Femi",
                                "family_name": "Oduya",
                                "date_of_birth": "2016-08-08",
                            }
                        ],
                    }
                ]
            },
        )
        assert sent.status_code in (200, 201), sent.text
    contact_id = submit(client, auth, children=[child])
    flags = {
        f["code"]: f["detail"]
        for f in client.get(
            f"/api/v1/contacts/{contact_id}/screening", headers=auth("mash_social_worker")
        ).json()["flags"]
    }
    assert "repeat_domestic_abuse_at_address" in flags
    assert flags["other_children_at_address"].startswith("1 other")


def test_a_child_missing_three_times_this_month_is_flagged_at_screening(
    client: TestClient, auth: AuthHeaders
) -> None:
    child = {"given_name": "Kit", "family_name": "Marchbank", "date_of_birth": "2011-04-04"}
    for days_ago in (20, 12, 3):
        started = datetime.now().astimezone() - timedelta(days=days_ago)
        episode = client.post(
            "/api/v1/missing-episodes",
            headers=auth("mash_admin"),
            json={
                "episode_type": "from_home",
                "started_at": started.isoformat(),
                "returned_at": (started + timedelta(hours=20)).isoformat(),
                "child": child,
                "reported_by": {"kind": "parent_or_carer"},
            },
        )
        assert episode.status_code == 201, episode.text
    contact_id = submit(client, auth, children=[child])
    flags = client.get(
        f"/api/v1/contacts/{contact_id}/screening", headers=auth("mash_social_worker")
    ).json()["flags"]
    assert [f["code"] for f in flags] == ["repeat_missing"]
    assert flags[0]["detail"].startswith("3 missing episodes")


def test_a_child_already_in_an_open_enquiry_is_flagged(
    client: TestClient, auth: AuthHeaders
) -> None:
    child = {"given_name": "Orla", "family_name": "Pentreath", "date_of_birth": "2014-12-01"}
    first = submit(client, auth, children=[child])
    rate(client, auth, first, "amber")
    sw = auth("mash_social_worker")
    client.post(
        f"/api/v1/contacts/{first}/outcome",
        json={"outcome": "mash_enquiry", "reason": REASON},
        headers=sw,
    )
    assert (
        client.post("/api/v1/enquiries", json={"contact_id": first}, headers=sw).status_code == 201
    )
    second = submit(client, auth, children=[child])
    flags = client.get(f"/api/v1/contacts/{second}/screening", headers=sw).json()["flags"]
    [flag] = [f for f in flags if f["code"] == "open_enquiry"]
    assert flag["detail"].startswith("Already in an open MASH enquiry: MH-")


def test_a_council_sets_its_own_screening_hours(
    client: TestClient, auth: AuthHeaders, app: FastAPI
) -> None:
    from hub.bootstrap import rag_policy_from

    app.state.screening_policy = rag_policy_from((2.0, 24.0, 72.0))
    contact_id = submit(client, auth)
    body = rate(client, auth, contact_id, "red").json()
    received = datetime.fromisoformat(body["received_at"])
    assert datetime.fromisoformat(body["rag_deadline"]) == received + timedelta(hours=2)

"""An agency releases part of a caveated disclosure: the call-out facts go on to the team
that acts, the intelligence stays with the hub, and nothing of it reaches the product."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders
from tests.enquiries.cases import CHILD, REASON, ClientApi, add_record, open_case

CALL_OUT = {
    "source_ref": "NICHE-88121",
    **CHILD,
    "record_type": "domestic_incident",
    "occurred_on": "2026-10-02",
    "summary": "Attended address; child present during argument.",
}
INTELLIGENCE = {
    "source_ref": "INT-5530",
    **CHILD,
    "record_type": "intelligence",
    "occurred_on": "2026-10-20",
    "summary": "Source reports the partner keeps a firearm at the address.",
}
FIELDS = ["record_type", "occurred_on", "summary"]


@pytest.fixture
def api(client: TestClient) -> ClientApi:
    return ClientApi(client)


def _police_disclose(api: ClientApi, auth: AuthHeaders) -> tuple[str, str, str, str]:
    """Police disclose a call-out and an intelligence record under a police caveat.
    Returns the enquiry id, the disclosure id and the two record ids."""
    call_out = add_record(api, auth, "police", CALL_OUT)
    intelligence = add_record(api, auth, "police", INTELLIGENCE)
    case = open_case(api, auth, ["police"])
    status, body = api.post(
        f"/api/v1/checks/{case.checks['police']}/disclosure",
        auth("agency_rep", sub="pc-1", agency="police"),
        {
            "kind": "fields",
            "records": [
                {"record_id": call_out, "fields": FIELDS},
                {"record_id": intelligence, "fields": FIELDS},
            ],
            "purpose": "safeguarding enquiry",
            "lawful_basis": "dpa_2018_s35_sch8_para4",
            "consent": "not_sought",
            "proportionality": "Recent incident with the child present; relevant to risk tonight.",
            "caveat": {"code": "police_intelligence", "text": "Intelligence: police only."},
        },
    )
    assert status == 201, body
    assert body["released_for_onward"] is False
    return case.enquiry_id, body["id"], call_out, intelligence


def _send_product(
    api: ClientApi, auth: AuthHeaders, enquiry_id: str, disclosure_id: str
) -> tuple[int, Any]:
    """The hub compiles, authorises and sends a product with the disclosure; the duty team
    reads it. Returns the compile status and, when it worked, what the team read."""
    status, product = api.post(
        f"/api/v1/enquiries/{enquiry_id}/products",
        auth("mash_social_worker", sub="sw-1"),
        {
            "analysis": "Domestic abuse with the child present.",
            "proposed_outcome": "strategy_discussion",
            "disclosure_ids": [disclosure_id],
            "receiving_team": "duty_b",
            # Whatever the rota suggests at the time of the test, this case goes to Duty B.
            "team_reason": "Duty B already holds an open assessment of this family.",
        },
    )
    if status != 201:
        return status, product
    manager = auth("mash_manager", sub="mgr-1")
    assert (
        api.post(
            f"/api/v1/products/{product['id']}/authorisation",
            manager,
            {"decision": "authorise", "reason": REASON},
        )[0]
        == 200
    )
    assert api.post(f"/api/v1/products/{product['id']}/dissemination", manager)[0] == 200
    status, read = api.get(
        f"/api/v1/products/{product['id']}", auth("operational", sub="op-b", team="duty_b")
    )
    assert status == 200
    return 201, read


def test_police_release_the_call_out_and_keep_the_intelligence_back(
    api: ClientApi, auth: AuthHeaders
) -> None:
    enquiry_id, disclosure_id, call_out, intelligence = _police_disclose(api, auth)
    police = auth("agency_rep", sub="pc-1", agency="police")

    # Nothing is released yet: no product may carry it.
    status, refused = _send_product(api, auth, enquiry_id, disclosure_id)
    assert (status, refused["error"]) == (422, "caveat_not_released")

    status, released = api.post(
        f"/api/v1/disclosures/{disclosure_id}/release",
        police,
        {
            "reason": "The call-out can go to the team; the intelligence cannot.",
            "items": [{"record_id": call_out}],
        },
    )
    assert status == 200, released
    assert released["released_for_onward"] is False
    assert released["released_items"] == [{"record_id": call_out, "fields": FIELDS}]

    # The team reads the call-out facts, and nothing of the intelligence.
    status, read = _send_product(api, auth, enquiry_id, disclosure_id)
    assert status == 201, read
    [item] = read["items"]
    # A product carries the content, never the agency's record ids.
    assert item["records"] == [
        {
            "record_type": "domestic_incident",
            "occurred_on": "2026-10-02",
            "summary": "Attended address; child present during argument.",
        }
    ]
    # Nor does it say that anything was kept back.
    assert "released_for_onward" not in item
    assert "released_items" not in item
    text = json.dumps(read)
    assert call_out not in text
    assert intelligence not in text
    assert "firearm" not in text
    assert "2026-10-20" not in text

    # Police see that read: who, when, and through which product.
    status, register = api.get("/api/v1/agencies/police/disclosures", police)
    assert status == 200
    [team_read] = [r for r in register[0]["later_reads"] if r["reader_role"] == "operational"]
    assert (team_read["reader"], team_read["reader_team"]) == ("op-b", "duty_b")
    assert team_read["through_product"] == read["id"]

    # The hub itself still reads everything police disclosed.
    status, hub_view = api.get(
        f"/api/v1/enquiries/{enquiry_id}/disclosures", auth("mash_social_worker", sub="sw-1")
    )
    assert status == 200
    assert "firearm" in json.dumps(hub_view)


def test_chosen_fields_of_a_record_are_released_and_the_rest_kept_back(
    api: ClientApi, auth: AuthHeaders
) -> None:
    enquiry_id, disclosure_id, call_out, intelligence = _police_disclose(api, auth)
    police = auth("agency_rep", sub="pc-1", agency="police")
    status, body = api.post(
        f"/api/v1/disclosures/{disclosure_id}/release",
        police,
        {
            "reason": "That there was an incident, and when; not what was said.",
            "items": [{"record_id": intelligence, "fields": ["record_type", "occurred_on"]}],
        },
    )
    assert status == 200, body
    status, read = _send_product(api, auth, enquiry_id, disclosure_id)
    assert status == 201, read
    assert read["items"][0]["records"] == [
        {"record_type": "intelligence", "occurred_on": "2026-10-20"}
    ]
    assert "firearm" not in json.dumps(read)
    assert call_out not in json.dumps(read)


def test_releases_add_up_until_the_whole_disclosure_is_released(
    api: ClientApi, auth: AuthHeaders
) -> None:
    _, disclosure_id, call_out, intelligence = _police_disclose(api, auth)
    police = auth("agency_rep", sub="pc-1", agency="police")
    path = f"/api/v1/disclosures/{disclosure_id}/release"
    first = {"reason": "The call-out facts may go on.", "items": [{"record_id": call_out}]}
    assert api.post(path, police, first)[0] == 200
    # The same items again release nothing new.
    status, again = api.post(path, police, first)
    assert (status, again["error"]) == (409, "already_released")
    status, body = api.post(
        path,
        police,
        {"reason": "The source agreed it may be shared.", "items": [{"record_id": intelligence}]},
    )
    assert status == 200
    assert body["released_for_onward"] is True
    assert body["released_items"] == []


def test_releasing_without_items_releases_all_as_before(api: ClientApi, auth: AuthHeaders) -> None:
    enquiry_id, disclosure_id, _, _ = _police_disclose(api, auth)
    police = auth("agency_rep", sub="pc-1", agency="police")
    path = f"/api/v1/disclosures/{disclosure_id}/release"
    status, body = api.post(path, police, {"reason": REASON})
    assert status == 200
    assert body["released_for_onward"] is True
    status, read = _send_product(api, auth, enquiry_id, disclosure_id)
    assert status == 201
    # The intelligence goes on with the call-out.
    assert "firearm" in json.dumps(read)
    assert len(read["items"][0]["records"]) == 2
    status, again = api.post(path, police, {"reason": REASON})
    assert (status, again["error"]) == (409, "already_released")


def test_a_release_naming_what_was_not_disclosed_or_by_another_agency_is_refused(
    api: ClientApi, auth: AuthHeaders
) -> None:
    _, disclosure_id, call_out, _ = _police_disclose(api, auth)
    police = auth("agency_rep", sub="pc-1", agency="police")
    path = f"/api/v1/disclosures/{disclosure_id}/release"
    other = add_record(api, auth, "police", {**CALL_OUT, "source_ref": "NICHE-1"})
    status, body = api.post(path, police, {"reason": REASON, "items": [{"record_id": other}]})
    assert (status, body["error"]) == (422, "unknown_item")
    status, body = api.post(
        path,
        police,
        {"reason": REASON, "items": [{"record_id": call_out, "fields": ["nhs_number"]}]},
    )
    assert (status, body["error"]) == (422, "unknown_item")
    status, body = api.post(
        path, police, {"reason": REASON, "items": [{"record_id": call_out, "fields": ["x"]}]}
    )
    assert status == 422
    assert api.post(path, police, {"reason": REASON, "items": []})[0] == 422
    health = auth("agency_rep", sub="hv-1", agency="health")
    assert api.post(path, health, {"reason": REASON, "items": [{"record_id": call_out}]})[0] == 404


def test_a_summary_is_released_whole(api: ClientApi, auth: AuthHeaders) -> None:
    case = open_case(api, auth, ["police"])
    police = auth("agency_rep", sub="pc-1", agency="police")
    status, body = api.post(
        f"/api/v1/checks/{case.checks['police']}/disclosure",
        police,
        {
            "kind": "summary",
            "summary": "Two call-outs this year; intelligence held.",
            "purpose": "safeguarding enquiry",
            "lawful_basis": "dpa_2018_s35_sch8_para4",
            "consent": "not_sought",
            "proportionality": "Needed to judge risk to the child tonight.",
            "caveat": {"code": "not_for_onward_sharing"},
        },
    )
    assert status == 201
    path = f"/api/v1/disclosures/{body['id']}/release"
    status, refused = api.post(
        path, police, {"reason": REASON, "items": [{"record_id": case.enquiry_id}]}
    )
    assert (status, refused["error"]) == (422, "release_items_not_allowed")
    assert api.post(path, police, {"reason": REASON})[0] == 200


def test_a_partial_release_is_in_the_audit_log_with_the_hash_of_what_may_go_on(
    api: ClientApi, auth: AuthHeaders
) -> None:
    _, disclosure_id, call_out, _ = _police_disclose(api, auth)
    police = auth("agency_rep", sub="pc-1", agency="police")
    api.post(
        f"/api/v1/disclosures/{disclosure_id}/release",
        police,
        {"reason": "The call-out facts may go on.", "items": [{"record_id": call_out}]},
    )
    ig = auth("ig_officer", sub="ig-1") | {"X-Audit-Purpose": "case review CR-19"}
    status, entries = api.get(f"/api/v1/audit/entries?resource_id={disclosure_id}&limit=50", ig)
    assert status == 200
    [release] = [e for e in entries["items"] if e["action"] == "release"]
    assert release["reason"] == "released in part"
    # What the representative wrote is sealed beside the log, never in the entry.
    assert release["text_sealed"] is True
    assert "call-out facts" not in str(release)
    assert release["actor_sub"] == "pc-1"
    assert len(release["content_hash"]) == 64

"""A person's record of access through the API: an IG officer finds one person by what they
know and sees what the hub holds about them, every disclosure about them and every read of
those, by reference; opens one item at a time with a purpose; and exports it all for a
subject access request with what is about other people, or under a caveat, marked."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders
from tests.enquiries.cases import CHILD, MOTHER, ClientApi, add_record, open_case
from tests.missing.conftest import an_episode
from tests.triage.conftest import a_notification

PURPOSE = "SAR-2026-0417 from Wren's mother"
WREN = {"given_name": "Wren", "family_name": "Castellane", "date_of_birth": "2015-06-21"}
WREN_NHS = "943 476 5919"
OTHER_CHILD = {"given_name": "Tobias", "family_name": "Marr", "date_of_birth": "2014-03-02"}
RECORD = "/api/v1/audit/people/record"
EXPORT = "/api/v1/audit/people/record/export"


@dataclass(frozen=True)
class Scene:
    disclosure_id: str
    other_disclosure_id: str
    references: dict[str, str]  # which -> contact reference
    episode_reference: str


def _contact(client: TestClient, who: dict[str, str], body: dict[str, Any]) -> str:
    response = client.post("/api/v1/contacts", json=body, headers=who)
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def _disclose(client: TestClient, auth: AuthHeaders, check_id: str, record_id: str) -> str:
    police = auth("agency_rep", sub="pc-1", agency="police")
    response = client.post(
        f"/api/v1/checks/{check_id}/disclosure",
        headers=police,
        json={
            "kind": "fields",
            "records": [{"record_id": record_id, "fields": ["record_type", "summary"]}],
            "purpose": "safeguarding enquiry",
            "lawful_basis": "dpa_2018_s35_sch8_para4",
            "consent": "not_sought",
            "proportionality": "A recent incident with the child present.",
            "caveat": {
                "code": "police_intelligence",
                "text": "Not for onward sharing without police release.",
            },
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
def scene(client: TestClient, auth: AuthHeaders) -> Scene:
    """Wren is a child in two contacts and a household member in a third; police disclosed
    about her once, read twice since. Tobias, another child, has a case of his own."""
    api = ClientApi(client)
    admin = auth("mash_admin", sub="admin-1")
    wren = WREN | {"nhs_number": WREN_NHS, "postcode": "RT3 4PX"}
    record_id = add_record(
        api,
        auth,
        "police",
        {
            "source_ref": "NICHE-88121",
            **CHILD,
            "record_type": "domestic_incident",
            "occurred_on": "2026-10-02",
            "summary": "Attended address; child present during argument.",
        },
    )
    case = open_case(api, auth, ["police"], child=wren, adults=[MOTHER])
    disclosure_id = _disclose(client, auth, case.checks["police"], record_id)
    for reader in (
        auth("mash_social_worker", sub="sw-1"),
        auth("mash_manager", sub="mgr-1"),
    ):
        assert client.get(f"/api/v1/disclosures/{disclosure_id}", headers=reader).status_code == 200
    second = _contact(
        client,
        admin,
        {
            "children": [wren, {"given_name": "Ash", "family_name": "Castellane"}],
            "adults": [MOTHER | {"relationship": "mother"}],
            "worries": ["neglect"],
            "concern": "The school saw bruising on Ash and Wren.",
            "consent": {"status": "obtained"},
            "referrer": {"name": "Dana Oyelaran", "organisation": "Hill Primary"},
        },
    )
    household = _contact(
        client,
        admin,
        {
            "children": [{"given_name": "Kit", "family_name": "Castellane"}],
            "adults": [WREN | {"relationship": "older sister"}],
            "worries": ["neglect"],
            "concern": "Kit is left with his older sister overnight.",
            "consent": {"status": "obtained"},
        },
    )
    # Police notify the hub of an incident at Wren's home; later she goes missing from home.
    notified = client.post(
        "/api/v1/da-notifications",
        json={"notifications": [a_notification("RT/5521/26", children=[WREN])]},
        headers=admin,
    )
    assert notified.status_code == 201, notified.text
    episode = client.post(
        "/api/v1/missing-episodes",
        json=an_episode(
            (datetime.now(UTC) - timedelta(days=2)).isoformat(),
            episode_type="from_home",
            child=wren,
        ),
        headers=admin,
    )
    assert episode.status_code == 201, episode.text
    other_record = add_record(
        api,
        auth,
        "police",
        {
            "source_ref": "NICHE-90001",
            **OTHER_CHILD,
            "record_type": "missing_episode",
            "occurred_on": "2026-09-01",
            "summary": "Found at the bus station.",
        },
    )
    other = open_case(api, auth, ["police"], child=OTHER_CHILD, adults=[])
    other_disclosure = _disclose(client, auth, other.checks["police"], other_record)
    return Scene(
        disclosure_id=disclosure_id,
        other_disclosure_id=other_disclosure,
        references={"second": second, "household": household},
        episode_reference=str(episode.json()["reference"]),
    )


def ig(auth: AuthHeaders, purpose: str = PURPOSE) -> dict[str, str]:
    return auth("ig_officer", sub="ig-1") | {"X-Audit-Purpose": purpose}


def _entries(client: TestClient, auth: AuthHeaders, **params: str) -> list[dict[str, Any]]:
    response = client.get(
        "/api/v1/audit/entries",
        params=params | {"limit": "200"},
        headers=ig(auth, "checking the record of access"),
    )
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_ig_finds_one_person_and_every_read_of_what_was_shared_about_them(
    client: TestClient, auth: AuthHeaders, scene: Scene, app: FastAPI
) -> None:
    found = client.post(RECORD, json=WREN, headers=ig(auth))
    assert found.status_code == 200, found.text
    record = found.json()
    assert record["found"] is True
    roles = sorted(c["role"] for c in record["contacts"])
    assert roles == ["child", "child", "other household member"]
    by_role = {c["role"]: c for c in record["contacts"]}
    assert by_role["other household member"]["status"] == "received"
    [in_enquiry] = [c for c in record["contacts"] if c["enquiry_id"]]
    assert (in_enquiry["rag"], in_enquiry["enquiry_status"]) == ("red", "open")

    [disclosure] = record["disclosures"]
    assert disclosure["id"] == scene.disclosure_id
    assert disclosure["agency"] == "police"
    assert disclosure["lawful_basis"] == "dpa_2018_s35_sch8_para4"
    assert disclosure["caveat"] == "police_intelligence"
    assert disclosure["fields"] == ["record_type", "summary"]
    readers = [(r["reader"], r["reader_role"], r["action"]) for r in disclosure["reads"]]
    assert readers == [("sw-1", "mash_social_worker", "read"), ("mgr-1", "mash_manager", "read")]
    assert {r["purpose"] for r in disclosure["reads"]} == {"none"}

    # The police notification and the missing episode, by role and state only.
    others = {r["kind"]: r for r in record["other_records"]}
    assert set(others) == {"police_notification", "missing_episode"}
    assert others["police_notification"]["role"] == "child"
    assert others["police_notification"]["state"] == "waiting for triage, medium risk"
    assert others["missing_episode"]["reference"] == scene.episode_reference
    assert others["missing_episode"]["state"].startswith("still missing")

    # No content, and nothing of the other child's case.
    text = found.text
    for never in (
        "Attended address",
        "bruising",
        "Dana",
        "Tobias",
        "NICHE",
        "shouting",
        "Orlaith",
        "RT/5521",
        "Quarrendon",
        "Bryony",
    ):
        assert never not in text
    assert scene.other_disclosure_id not in text

    # The NHS number finds the same person (the contacts that carry it).
    by_nhs = client.post(RECORD, json={"nhs_number": WREN_NHS}, headers=ig(auth)).json()
    as_child = {c["reference"] for c in record["contacts"] if c["role"] == "child"}
    assert {c["reference"] for c in by_nhs["contacts"]} == as_child
    assert scene.references["second"] in as_child

    # The look-up is one entry: its purpose sealed, counts in clear, no identifier.
    look_ups = [
        e for e in _entries(client, auth, kind="person_record") if e["outcome"] == "allowed"
    ]
    assert len(look_ups) == 2
    [look_up] = [e for e in look_ups if e["reason"].startswith("record of access: 3")]
    assert look_up["action"] == "read"
    assert look_up["purpose"] is None
    assert look_up["text_sealed"] is True
    assert (
        look_up["reason"] == "record of access: 3 contacts, 1 disclosures, 2 reads, 2 other records"
    )
    for value in ("Wren", "Castellane", "2015-06-21", "9434765919", WREN_NHS):
        assert value not in json.dumps(look_up)
    opened = client.post(
        f"/api/v1/audit/entries/{look_up['id']}/text", headers=ig(auth, "checking a look-up")
    )
    assert opened.json()["text"]["purpose"] == PURPOSE


def test_a_person_the_hub_does_not_hold_is_not_found(
    client: TestClient, auth: AuthHeaders, scene: Scene
) -> None:
    nobody = {"given_name": "Wren", "family_name": "Castellane", "date_of_birth": "2016-06-21"}
    record = client.post(RECORD, json=nobody, headers=ig(auth)).json()
    assert record == {"found": False, "contacts": [], "disclosures": [], "other_records": []}


def test_the_look_up_needs_a_purpose_and_enough_to_name_one_person(
    client: TestClient, auth: AuthHeaders
) -> None:
    no_purpose = auth("ig_officer", sub="ig-1")
    assert client.post(RECORD, json=WREN, headers=no_purpose).status_code == 400
    family_only = {"family_name": "Castellane", "date_of_birth": "2015-06-21"}
    refused = client.post(RECORD, json=family_only, headers=ig(auth))
    assert refused.status_code == 400
    assert refused.json()["error"] == "identifiers_required"
    assert "Castellane" not in refused.text
    bad_date = client.post(RECORD, json=WREN | {"date_of_birth": "Castellane"}, headers=ig(auth))
    assert bad_date.status_code == 422
    assert "Castellane" not in bad_date.text


def test_no_one_else_may_look_a_person_up_and_each_attempt_is_logged(
    client: TestClient, auth: AuthHeaders, scene: Scene
) -> None:
    others = (
        auth("mash_social_worker", sub="sw-1"),
        auth("agency_rep", sub="pc-1", agency="police"),
        auth("operational", sub="op-1", team="duty_a"),
        auth("sysadmin", sub="it-1"),
    )
    for who in others:
        headers = who | {"X-Audit-Purpose": "curious"}
        for path in (RECORD, EXPORT):
            refused = client.post(path, json=WREN, headers=headers)
            assert refused.status_code == 404, (path, refused.text)
            assert "Castellane" not in refused.text
        opening = client.post(
            f"/api/v1/audit/contacts/{scene.disclosure_id}/opening", headers=headers
        )
        assert opening.status_code in (403, 404)
    denied = list(_entries(client, auth, outcome="denied", kind="person_record"))
    assert sorted({e["actor_sub"] for e in denied}) == ["it-1", "op-1", "pc-1", "sw-1"]
    assert {e["action"] for e in denied} == {"read", "export"}
    assert "Castellane" not in json.dumps(denied)


def _zip(content: bytes) -> tuple[str, dict[str, Any]]:
    with zipfile.ZipFile(io.BytesIO(content)) as zipped:
        assert sorted(zipped.namelist()) == ["record-of-access.html", "record-of-access.json"]
        html = zipped.read("record-of-access.html").decode()
        doc = json.loads(zipped.read("record-of-access.json"))
    return html, doc


def test_the_export_holds_only_what_was_opened_with_the_others_and_caveats_marked(
    client: TestClient, auth: AuthHeaders, scene: Scene
) -> None:
    # Before anything is opened, the export is the record only.
    client.post(RECORD, json=WREN, headers=ig(auth))
    first = client.post(EXPORT, json=WREN, headers=ig(auth))
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/zip"
    html, doc = _zip(first.content)
    assert doc["opened_contacts"] == []
    assert doc["opened_disclosures"] == []
    assert "AGENCY CAVEAT" in html  # the disclosure on the record carries police's caveat
    assert "bruising" not in html
    assert "Attended address" not in html

    # The officer opens the second contact, then exports: its content only, marked.
    record = client.post(RECORD, json=WREN, headers=ig(auth)).json()
    second = next(c for c in record["contacts"] if c["reference"] == scene.references["second"])
    opened = client.post(
        f"/api/v1/audit/contacts/{second['contact_id']}/opening",
        params={"subject": second["person_id"]},
        headers=ig(auth),
    )
    assert opened.status_code == 200, opened.text
    people = {p["details"]["given_name"]: p["about"] for p in opened.json()["people"]}
    assert people == {"Wren": "the subject", "Ash": "another person", "Ilse": "another person"}
    assert opened.json()["referrer"]["name"] == "Dana Oyelaran"

    exported = client.post(EXPORT, json=WREN, headers=ig(auth))
    html, doc = _zip(exported.content)
    [contact] = doc["opened_contacts"]
    assert contact["reference"] == scene.references["second"]
    marks = {p["details"]["given_name"]: p["mark"] for p in contact["people"]}
    assert marks == {"Wren": None, "Ash": "another_person", "Ilse": "another_person"}
    assert contact["referrer"]["mark"] == "another_person"
    assert contact["concern"] == {
        "mark": "free_text",
        "text": "The school saw bruising on Ash and Wren.",
    }
    assert "ABOUT ANOTHER PERSON" in html
    assert "bruising on Ash" in html
    assert "Attended address" not in html  # the disclosure was not opened
    assert "Tobias" not in html
    assert "Found at the bus station" not in html

    # Opening the disclosure brings it in, with its caveat marked.
    assert (
        client.post(
            f"/api/v1/disclosures/{scene.disclosure_id}/opening", headers=ig(auth)
        ).status_code
        == 200
    )
    _, doc = _zip(client.post(EXPORT, json=WREN, headers=ig(auth)).content)
    [disclosure] = doc["opened_disclosures"]
    assert len(doc["opened_contacts"]) == 1
    assert disclosure["mark"] == "caveat"
    assert disclosure["content"]["records"][0]["summary"].startswith("Attended address")

    # Under another purpose, what was opened for this one stays out.
    other_request = ig(auth, "complaint CMP-2026-009")
    _, doc = _zip(client.post(EXPORT, json=WREN, headers=other_request).content)
    assert doc["opened_contacts"] == []
    assert doc["opened_disclosures"] == []

    # Each export is one entry: the purpose sealed, the counts, no content or identifier.
    exports = [
        e
        for e in _entries(client, auth, kind="person_record", action="export")
        if e["outcome"] == "allowed"
    ]
    assert len(exports) == 4
    held = "subject access export: 3 contacts, 1 disclosures"
    assert {e["reason"] for e in exports} == {
        f"{held}, 2 reads, 2 other records, 0 opened items",
        f"{held}, 2 reads, 2 other records, 1 opened items",
        f"{held}, 3 reads, 2 other records, 2 opened items",
        f"{held}, 3 reads, 2 other records, 0 opened items",
    }
    assert all(e["text_sealed"] and e["purpose"] is None for e in exports)
    assert "Castellane" not in json.dumps(exports)
    assert "bruising" not in json.dumps(exports)


def test_each_contact_shows_who_read_it_and_whether_they_said_why(
    client: TestClient, auth: AuthHeaders, scene: Scene
) -> None:
    record = client.post(RECORD, json=WREN, headers=ig(auth)).json()
    second = next(c for c in record["contacts"] if c["reference"] == scene.references["second"])
    assert second["reads"] == []
    opening = f"/api/v1/audit/contacts/{second['contact_id']}/opening"
    assert client.post(opening, headers=ig(auth)).status_code == 200
    social_worker = auth("mash_social_worker", sub="sw-2")
    contact_page = f"/api/v1/contacts/{second['contact_id']}"
    assert client.get(contact_page, headers=social_worker).status_code == 200

    again = client.post(RECORD, json=WREN, headers=ig(auth)).json()
    reads = next(c for c in again["contacts"] if c["contact_id"] == second["contact_id"])["reads"]
    assert [(r["reader"], r["action"], r["purpose"]) for r in reads] == [
        ("ig-1", "open", "sealed"),
        ("sw-2", "read", "none"),
    ]
    others = [c for c in again["contacts"] if c["contact_id"] != second["contact_id"]]
    assert all(c["reads"] == [] for c in others)

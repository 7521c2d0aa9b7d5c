"""What an information product carries to the receiving team, which team it goes to, and
that every way of seeing disclosed content leaves the read on the agency's record."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from hub.contacts.models import Contact
from hub.db import Database
from hub.kit.working_time import WorkingHours
from hub.screening.rota import duty_team_on
from tests.conftest import AuthHeaders
from tests.enquiries.test_end_to_end import CHILD, MOTHER, REASON, Hub

ANALYSIS = "Domestic abuse with Wren present, and missed health appointments: significant harm."
PROPORTIONALITY = "Recent incident with the child present; relevant to risk tonight."


@pytest.fixture
def hub(client: TestClient, auth: AuthHeaders) -> Hub:
    return Hub(client, auth)


@dataclass
class Case:
    contact_id: str
    reference: str
    enquiry_id: str
    request_ids: list[str]
    record_id: str
    police_disclosure: str
    health_disclosure: str


def disclosed_case(hub: Hub) -> Case:
    """A red contact about Wren and her mother, in an enquiry; police share a caveated
    incident (then release it), health share a summary."""
    record = hub.post(
        "/api/v1/agencies/police/records",
        hub.police,
        {
            "source_ref": "NICHE-1",
            **CHILD,
            "record_type": "domestic_incident",
            "occurred_on": "2026-10-02",
            "summary": "Attended address; child present during argument.",
        },
    ).json()
    contact = hub.post(
        "/api/v1/contacts",
        hub.admin,
        {
            "children": [CHILD | {"school": "Riverton Primary"}],
            "adults": [MOTHER | {"relationship": "mother"}],
            "worries": ["domestic_abuse"],
            "concern": "Shouting most nights.",
            "consent": {"status": "obtained"},
        },
    ).json()
    contact_id = next(
        c["id"]
        for c in hub.get("/api/v1/contacts", hub.admin).json()["items"]
        if c["reference"] == contact["reference"]
    )
    screening = {"threshold_level": 4, "threshold_reason": REASON, "rag": "red"}
    hub.post(f"/api/v1/contacts/{contact_id}/screening", hub.social_worker, screening)
    outcome = {"outcome": "mash_enquiry", "reason": REASON}
    hub.post(f"/api/v1/contacts/{contact_id}/outcome", hub.social_worker, outcome)
    enquiry_id = hub.post(
        "/api/v1/enquiries", hub.social_worker, {"contact_id": contact_id}
    ).json()["id"]
    asked = hub.post(
        f"/api/v1/enquiries/{enquiry_id}/checks",
        hub.social_worker,
        {"agencies": ["police", "health"], "question": "Any involvement?"},
    ).json()
    by_agency = {r["agency"]: r["id"] for r in asked}
    police = hub.post(
        f"/api/v1/checks/{by_agency['police']}/disclosure",
        hub.police,
        {
            "kind": "fields",
            "records": [
                {"record_id": record["id"], "fields": ["record_type", "occurred_on", "summary"]}
            ],
            "purpose": "safeguarding enquiry",
            "lawful_basis": "dpa_2018_s35_sch8_para4",
            "consent": "not_sought",
            "proportionality": PROPORTIONALITY,
            "caveat": {"code": "police_intelligence", "text": "Do not tell the father."},
        },
    ).json()
    hub.post(f"/api/v1/disclosures/{police['id']}/release", hub.police, {"reason": REASON})
    health = hub.post(
        f"/api/v1/checks/{by_agency['health']}/disclosure",
        hub.health,
        {
            "kind": "summary",
            "summary": "Three missed appointments since September.",
            "purpose": "safeguarding enquiry",
            "lawful_basis": "uk_gdpr_9_2_h_dpa_sch1_para2",
            "consent": "not_sought",
            "proportionality": "Health picture needed to judge neglect.",
        },
    ).json()
    return Case(
        contact_id,
        contact["reference"],
        enquiry_id,
        list(by_agency.values()),
        record["id"],
        police["id"],
        health["id"],
    )


def compile_authorise_and_send(hub: Hub, case: Case, **extra: Any) -> tuple[str, str]:
    """The product through every step; its id and the team it went to."""
    compiled = hub.post(
        f"/api/v1/enquiries/{case.enquiry_id}/products",
        hub.social_worker,
        {
            "analysis": ANALYSIS,
            "proposed_outcome": "strategy_discussion",
            "disclosure_ids": [case.police_disclosure, case.health_disclosure],
        }
        | extra,
    )
    assert compiled.status_code == 201, compiled.text
    product_id = compiled.json()["id"]
    authorised = hub.post(
        f"/api/v1/products/{product_id}/authorisation",
        hub.manager,
        {"decision": "authorise", "reason": REASON},
    )
    sent = hub.post(f"/api/v1/products/{product_id}/dissemination", hub.manager)
    assert sent.status_code == 200
    # No step answers with what an agency disclosed: no read was recorded for them.
    for response in (compiled, authorised, sent):
        assert "Attended address" not in response.text
        assert "missed appointments" not in response.text
        assert ANALYSIS not in response.text
    return product_id, str(sent.json()["receiving_team"])


def reads_of(hub: Hub, disclosure_id: str) -> list[dict[str, Any]]:
    return [
        e
        for e in hub.audit(action="read")
        if e["resource_kind"] == "disclosure" and e["resource_id"] == disclosure_id
    ]


def test_the_team_gets_the_child_the_household_and_the_disclosures_and_nothing_of_the_hub(
    hub: Hub,
) -> None:
    case = disclosed_case(hub)
    product_id, team = compile_authorise_and_send(hub, case)

    received = hub.get(f"/api/v1/products/{product_id}", hub.duty[team])

    assert received.status_code == 200
    product = received.json()
    assert product["reference"] == case.reference
    assert product["urgency"] == "red"
    assert product["analysis"] == ANALYSIS
    [child] = product["children"]
    assert (child["given_name"], child["family_name"]) == ("Wren", "Castellane")
    assert child["date_of_birth"] == "2015-06-21"
    assert child["school"] == "Riverton Primary"
    [mother] = product["household"]
    assert (mother["given_name"], mother["relationship"]) == ("Ilse", "mother")
    police, health = product["items"]
    assert police["records"] == [
        {
            "record_type": "domestic_incident",
            "occurred_on": "2026-10-02",
            "summary": "Attended address; child present during argument.",
        }
    ]
    assert (police["caveat"], police["caveat_text"]) == (
        "police_intelligence",
        "Do not tell the father.",
    )
    assert police["lawful_basis_text"]
    assert health["summary"] == "Three missed appointments since September."
    # Nothing of the hub's workings, nor the agencies' reasons to the hub.
    text = json.dumps(product)
    for hidden in (case.enquiry_id, case.record_id, *case.request_ids, PROPORTIONALITY):
        assert hidden not in text
    assert "enquiry_id" not in product
    assert "proportionality" not in text


def test_a_list_shows_summaries_and_every_read_of_content_is_on_the_agencys_record(
    hub: Hub,
) -> None:
    case = disclosed_case(hub)
    product_id, team = compile_authorise_and_send(hub, case)
    before = len(reads_of(hub, case.police_disclosure))

    for who in (hub.manager, hub.duty[team]):
        listed = hub.get("/api/v1/products", who)
        assert listed.status_code == 200
        [summary] = listed.json()
        assert summary["id"] == product_id
        assert summary["items"] == 2
        assert "Attended address" not in listed.text
        assert ANALYSIS not in listed.text
        assert "Wren" not in listed.text
    assert len(reads_of(hub, case.police_disclosure)) == before

    hub.get(f"/api/v1/products/{product_id}", hub.duty[team])

    reads = reads_of(hub, case.police_disclosure)
    assert len(reads) == before + 1
    assert reads[-1]["actor_sub"] == f"op-{team}"
    later = hub.get("/api/v1/agencies/police/disclosures", hub.police).json()[0]["later_reads"]
    assert (f"op-{team}", "operational") in {(r["reader"], r["reader_role"]) for r in later}


def test_the_rota_at_the_time_of_the_decision_suggests_the_team(
    hub: Hub, app: FastAPI, database: Database
) -> None:
    case = disclosed_case(hub)
    # The contact came in on a bank holiday night: out of hours. Today is a working day
    # all day long in this calendar, so the decision is made in office hours.
    holiday = date(2026, 1, 12)
    app.state.calendar = WorkingHours(
        working_days=frozenset(range(7)),
        day_start=time(0, 0),
        day_end=time(23, 59, 59, 999999),
        bank_holidays=frozenset({holiday}),
    )
    with database.engine.begin() as connection:
        connection.execute(
            update(Contact)
            .where(Contact.id == uuid.UUID(case.contact_id))
            .values(received_at=datetime(2026, 1, 12, 2, 0, tzinfo=UTC))
        )
    rota_start = app.state.settings.rota_start
    on_duty_before = duty_team_on(datetime.now(UTC), rota_start)

    _, team = compile_authorise_and_send(hub, case)

    on_duty_after = duty_team_on(datetime.now(UTC), rota_start)
    assert team != "ooh"
    assert team in {on_duty_before, on_duty_after}


def test_another_team_than_the_rotas_needs_a_reason(hub: Hub) -> None:
    case = disclosed_case(hub)
    body = {
        "analysis": ANALYSIS,
        "proposed_outcome": "strategy_discussion",
        "disclosure_ids": [case.health_disclosure],
        "receiving_team": "police_operational",
    }
    url = f"/api/v1/enquiries/{case.enquiry_id}/products"

    refused = hub.post(url, hub.social_worker, body)

    assert refused.status_code == 422
    assert refused.json()["error"] == "team_reason_required"
    reason = "Police are already investigating the father tonight."
    chosen = hub.post(url, hub.social_worker, body | {"team_reason": reason})
    assert chosen.status_code == 201, chosen.text
    assert chosen.json()["receiving_team"] == "police_operational"
    [entry] = [e for e in hub.audit(action="create") if e["resource_kind"] == "information_product"]
    # The log says the rota was overruled; the reason the social worker wrote is sealed.
    assert "(the rota suggested" in entry["reason"]
    assert entry["text_sealed"] is True
    assert reason not in str(entry)

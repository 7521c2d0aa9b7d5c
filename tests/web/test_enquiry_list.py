"""The enquiries list as the hub's staff read it: red first, the clock, each agency's check
(waiting or overdue) and counts of the answers, never their content; a breached red case
stays on it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from hub.db import Database
from hub.enquiries.models import CheckRequest
from hub.screening.models import ContactScreening
from tests.conftest import AuthHeaders
from tests.web.test_enquiry_forms import screened_contact
from tests.web.test_sessions import sign_in_as


def open_enquiry(client: TestClient, auth: AuthHeaders, *, rag: str) -> tuple[str, str]:
    contact_id = screened_contact(client, auth, outcome="mash_enquiry", rag=rag)
    opened = client.post(
        "/api/v1/enquiries", headers=auth("mash_social_worker"), json={"contact_id": contact_id}
    ).json()
    return contact_id, str(opened["id"])


def test_a_breached_red_enquiry_comes_first_with_its_overdue_check_and_answer_counts(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    _, amber = open_enquiry(client, auth, rag="amber")
    red_contact, red = open_enquiry(client, auth, rag="red")
    sw = auth("mash_social_worker")
    client.post(
        f"/api/v1/enquiries/{red}/checks",
        headers=sw,
        json={"agencies": ["police", "health"], "question": "Anything known?"},
    )
    [health] = [
        r
        for r in client.get(
            "/api/v1/agencies/health/checks", headers=auth("agency_rep", agency="health")
        ).json()
        if r["enquiry_id"] == red
    ]
    client.post(
        f"/api/v1/checks/{health['id']}/disclosure",
        headers=auth("agency_rep", agency="health"),
        json={
            "kind": "summary",
            "summary": "Seen at the walk-in centre with a burn.",
            "purpose": "safeguarding enquiry",
            "lawful_basis": "uk_gdpr_9_2_h_dpa_sch1_para2",
            "consent": "not_sought",
            "proportionality": "An injury is relevant to the risk to the child.",
        },
    )
    # The police check and the red clock have both run out.
    past = datetime.now(UTC) - timedelta(hours=3)
    with database.engine.begin() as connection:
        connection.execute(
            update(CheckRequest)
            .where(CheckRequest.enquiry_id == uuid.UUID(red), CheckRequest.agency == "police")
            .values(due_at=past)
        )
        connection.execute(
            update(ContactScreening)
            .where(ContactScreening.contact_id == uuid.UUID(red_contact))
            .values(rag_deadline=past)
        )
    sign_in_as(client, "sw")

    page = client.get("/enquiries")

    assert page.status_code == 200
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page.text, re.DOTALL)[1:]
    assert [re.findall(r"/enquiries/([0-9a-f-]+)", r) for r in rows] == [[red], [amber]]
    red_row = " ".join(rows[0].split())
    assert "Overdue by 3 hours" in red_row
    assert "Overdue" in red_row.split("Police:")[1].split("</li>")[0]
    assert "Shared" in red_row.split("Health:")[1].split("</li>")[0]
    assert "1 shared, 0 holding nothing, 0 declined" in red_row
    assert "walk-in centre" not in page.text
    assert "Wren" not in page.text

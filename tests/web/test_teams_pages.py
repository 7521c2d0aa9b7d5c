"""The team's pages as the server answers them: the answer to a product needs a genuine form;
the inbox puts what waits for the team first, most urgent then newest; the hub's enquiries
list flags a product the team has not acknowledged in time; each person's navigation offers
only their own pages."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hub.audit.models import AuditEntry
from hub.db import Database
from hub.products.models import InformationProduct
from tests.conftest import AuthHeaders
from tests.enquiries.test_end_to_end import Hub
from tests.products.test_product_acknowledgement import sent_product
from tests.web.test_sessions import _csrf, service_links, sign_in_as


def _reference(client: TestClient, auth: AuthHeaders, product_id: str) -> str:
    products = client.get("/api/v1/products", headers=auth("mash_manager")).json()
    return str(next(p["reference"] for p in products if p["id"] == product_id))


def test_accepting_needs_the_sessions_token_and_the_hubs_origin(
    client: TestClient, auth: AuthHeaders
) -> None:
    _, product_id = sent_product(Hub(client, auth), team="duty_b")
    sign_in_as(client, "team-duty_b")
    page = client.get(f"/team/products/{product_id}")
    assert page.status_code == 200
    csrf = _csrf(page.text)
    path = f"/team/products/{product_id}/acknowledgement"
    origin = {"Origin": str(client.base_url)}

    forged = client.post(path, data={"decision": "accept"}, headers=origin)
    elsewhere = client.post(
        path,
        data={"decision": "accept", "csrf_token": csrf},
        headers={"Origin": "https://evil.example"},
    )
    assert (forged.status_code, elsewhere.status_code) == (403, 403)
    status = client.get(f"/api/v1/products/{product_id}", headers=auth("mash_manager"))
    assert status.json()["status"] == "disseminated"

    genuine = {"decision": "accept", "csrf_token": csrf}
    accepted = client.post(path, data=genuine, headers=origin, follow_redirects=False)
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/team/products/{product_id}/answered"
    again = client.post(path, data={"decision": "accept", "csrf_token": csrf}, headers=origin)
    assert again.status_code == 200
    assert "Your team already accepted this product." in again.text
    assert '<a href="#decision">' in again.text
    assert 'id="decision"' in again.text


def test_the_inbox_puts_what_waits_first_then_the_most_urgent_then_the_newest(
    client: TestClient, auth: AuthHeaders
) -> None:
    hub = Hub(client, auth)
    _, answered = sent_product(hub, team="duty_b", rag="red")
    _, older_red = sent_product(hub, team="duty_b", rag="red")
    _, amber = sent_product(hub, team="duty_b", rag="amber")
    _, newer_red = sent_product(hub, team="duty_b", rag="red")
    client.post(
        f"/api/v1/products/{answered}/acknowledgement",
        headers=hub.duty["duty_b"],
        json={"decision": "accept"},
    )
    sign_in_as(client, "team-duty_b")

    inbox = client.get("/team/products")

    assert inbox.status_code == 200
    waiting, done = inbox.text.split("Accepted or declined")
    assert re.findall(r"/team/products/([0-9a-f-]+)", waiting) == [newer_red, older_red, amber]
    assert re.findall(r"/team/products/([0-9a-f-]+)", done) == [answered]
    assert "Wren" not in inbox.text


def test_the_hubs_list_flags_a_product_not_acknowledged_within_the_hours_set(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    hub = Hub(client, auth)
    late_enquiry, late = sent_product(hub, team="duty_b", rag="amber")
    _, recent = sent_product(hub, team="duty_c", rag="red")
    with database.engine.begin() as connection:
        connection.execute(
            update(InformationProduct)
            .where(InformationProduct.id == uuid.UUID(late))
            .values(disseminated_at=datetime.now(UTC) - timedelta(hours=5, minutes=2))
        )
    sign_in_as(client, "sw")

    listing = client.get("/enquiries")

    sent = listing.text.split("Sent, waiting for the team to acknowledge (2)")[1]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', sent, re.DOTALL)[1:]
    # The late one first, whatever its rating.
    assert re.findall(r"/enquiries/([0-9a-f-]+)", rows[0]) == [late_enquiry]
    late_row, recent_row = (" ".join(r.split()) for r in rows)
    assert "Duty and Assessment B" in late_row
    assert "Not acknowledged after 5 hours 2 minutes" in late_row
    assert "(expected within 4 hours)" in late_row
    assert _reference(client, auth, recent) in recent_row
    assert "Waiting" in recent_row
    assert "Not acknowledged" not in recent_row


def test_each_person_is_offered_only_their_own_pages(
    client: TestClient, database: Database
) -> None:
    def links() -> set[str]:
        return service_links(client)

    sign_in_as(client, "team-duty_a")
    assert links() == {"Products for my team"}
    client.cookies.clear()
    sign_in_as(client, "referrer")
    assert links() == {"My referrals"}
    # A referrer may see no product at all: the firewall refuses, and the refusal is recorded.
    assert client.get("/team/products").status_code == 404
    with database.session() as session:
        refused = session.scalars(
            select(AuditEntry).where(
                AuditEntry.actor_sub == "demo-teacher", AuditEntry.outcome == "denied"
            )
        ).all()
    assert [(e.action, e.resource_kind) for e in refused] == [
        ("acknowledge", "information_product")
    ]
    client.cookies.clear()
    sign_in_as(client, "sw")
    assert "Products for my team" not in links()
    assert "My referrals" not in links()
    # A team's inbox is a team's: the hub, which may list every product, is refused there
    # (403, since it may know products exist), the refusal is recorded, and no product is
    # listed on the way.
    assert client.get("/team/products").status_code == 403
    with database.session() as session:
        hub_entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.actor_sub == "demo-sw", AuditEntry.resource_kind == "information_product"
            )
        ).all()
    assert [(e.action, e.outcome) for e in hub_entries] == [("acknowledge", "denied")]

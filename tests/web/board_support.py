"""What the board's browser tests share: contacts sent in through the API, people signed in
through the dev sign-in page, and the audit entries a page wrote."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.contacts.models import Contact
from hub.kit.working_time import LONDON
from tests.web.conftest import LiveHub

SOCIAL_WORKER = "Sam Okafor, MASH social worker"
MANAGER = "Priya Shah, MASH manager"


def born_years_ago(years: int) -> str:
    """A date of birth ``years`` ago, on the first of this month (a birthday already had)."""
    today = datetime.now(UTC).astimezone(LONDON).date()
    return today.replace(year=today.year - years, day=1).isoformat()


def child(given: str, family: str, years: int) -> dict[str, str]:
    return {"given_name": given, "family_name": family, "date_of_birth": born_years_ago(years)}


def send_contact(
    live_hub: LiveHub,
    *,
    children: list[dict[str, Any]],
    worries: list[str],
    concern: str = "Seen outside late at night without a coat, crying.",
    consent: dict[str, Any] | None = None,
    adults: list[dict[str, Any]] | None = None,
    channel: str = "web_form",
    token: str | None = None,
) -> dict[str, Any]:
    """A contact through the front door (the public API), and its id."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {
        "channel": channel,
        "children": children,
        "adults": adults or [],
        "worries": worries,
        "concern": concern,
        "consent": consent or {"status": "obtained"},
    }
    sent = httpx.post(f"{live_hub.url}/api/v1/contacts", json=body, headers=headers)
    assert sent.status_code == 201, sent.text
    reference = sent.json()["reference"]
    with live_hub.database.session() as session:
        contact = session.scalars(select(Contact).where(Contact.reference == reference)).one()
        return {"id": str(contact.id), "reference": reference}


def rate(live_hub: LiveHub, token: str, contact_id: str, rag: str, level: int = 3) -> None:
    answered = httpx.post(
        f"{live_hub.url}/api/v1/contacts/{contact_id}/screening",
        json={
            "threshold_level": level,
            "threshold_reason": "Rated for the test board.",
            "rag": rag,
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answered.status_code == 200, answered.text


def sign_in(page: Page, who: str) -> None:
    page.goto("/")
    page.get_by_role("button", name=f"Sign in as {who}").click()
    expect(page.locator(".hub-person__who")).to_contain_text(f"Signed in as {who}")


def entries_by(live_hub: LiveHub, sub: str) -> list[AuditEntry]:
    with live_hub.database.session() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.actor_sub == sub).order_by(AuditEntry.id)
            )
        )

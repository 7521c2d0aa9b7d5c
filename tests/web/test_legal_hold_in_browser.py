"""A manager puts a case on legal hold from its page, and lifts it; a social worker, who
may not, is offered no form; a case destroyed under the retention schedule says so."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.auth.principal import Principal, Role
from hub.contacts.models import Contact
from hub.db import transaction, utcnow
from hub.retention.service import Destroyable, Due, destroy
from tests.conftest import TokenFactory
from tests.web.board_support import MANAGER, SOCIAL_WORKER, child, rate, send_contact, sign_in
from tests.web.conftest import CheckPage, LiveHub

pytestmark = pytest.mark.browser
REASON = "Care proceedings: the court has asked for the hub's record."


def test_a_manager_puts_a_case_on_legal_hold_and_lifts_it(
    page: Page, live_hub: LiveHub, check_page: CheckPage, token_for: TokenFactory
) -> None:
    ivy = send_contact(live_hub, children=[child("Ivy", "Marsh", 6)], worries=["neglect"])
    rate(live_hub, token_for("mash_social_worker", sub="sw-colleague"), ivy["id"], "amber")
    sign_in(page, MANAGER)
    page.get_by_role("link", name="Ivy Marsh, 6 years old").click()
    expect(page.get_by_role("heading", name="Legal hold")).to_be_visible()
    expect(page.get_by_text("This case is not on legal hold.")).to_be_visible()

    page.get_by_role("button", name="Put on legal hold").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the reason for the legal hold")
    check_page(page, "contact page: legal hold with errors")
    page.get_by_label("Why the case must be kept").fill(REASON)
    page.get_by_role("button", name="Put on legal hold").click()

    expect(page.get_by_text("You changed the case's legal hold.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"This case is on legal hold since"))).to_be_visible()
    check_page(page, "contact page: on legal hold")
    expect(page.locator("#record + ol")).to_contain_text("Legal hold placed")
    expect(page.locator("#record + ol")).not_to_contain_text("Care proceedings")
    with live_hub.database.session() as session:
        held = session.get(Contact, uuid.UUID(ivy["id"]))
        assert held is not None
        assert held.held_since is not None
        assert REASON.encode() not in (held.sealed_hold_reason or b"")
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "hold", AuditEntry.resource_id == ivy["id"]
            )
        ).one()
        assert entry.reason == "legal hold placed"
        assert entry.text_commitment is not None

    page.get_by_label("Why the hold is lifted").fill("The proceedings have ended.")
    page.get_by_role("button", name="Lift the legal hold").click()
    expect(page.get_by_text("This case is not on legal hold.")).to_be_visible()


def test_a_social_worker_is_offered_no_hold_and_a_destroyed_case_says_so(
    page: Page, live_hub: LiveHub, check_page: CheckPage, token_for: TokenFactory
) -> None:
    finn = send_contact(live_hub, children=[child("Finn", "Hale", 9)], worries=["neglect"])
    rate(live_hub, token_for("mash_social_worker", sub="sw-colleague"), finn["id"], "green")
    sign_in(page, SOCIAL_WORKER)
    page.get_by_role("link", name="Finn Hale, 9 years old").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Finn Hale")
    expect(page.get_by_role("heading", name="Legal hold")).to_have_count(0)
    expect(page.get_by_role("button", name="Put on legal hold")).to_have_count(0)

    now = utcnow()
    with transaction(live_hub.database) as session:
        due = Due(Destroyable.case, uuid.UUID(finn["id"]), "nfa", now.date(), now.date())
        assert destroy(
            session,
            Principal("it-1", Role.sysadmin),
            due,
            keyring=live_hub.app.state.keyring,
            now=now,
        )
    response = page.goto(f"/contacts/{finn['id']}")
    assert response is not None
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This case's content was destroyed")
    expect(page.get_by_text("Finn")).to_have_count(0)
    check_page(page, "contact page: destroyed", status=410)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Screening board")
    expect(page.get_by_text("Finn Hale")).to_have_count(0)

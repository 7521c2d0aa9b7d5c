"""A whole case, closed and past its date, is destroyed by destroying its key; a held one is
kept; the audit log still verifies, online and from an export, with no key at all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from typer.testing import CliRunner

from hub.audit.evidence import export_log
from hub.auth.principal import Principal, Role
from hub.cli import app as cli
from hub.contacts.models import Contact
from hub.contacts.service import open_details
from hub.db import Database, transaction, utcnow
from hub.keys.models import DataKeyRow
from hub.keys.service import HUB_KEY_ID, CaseDestroyed, Keyring, case_key_id, hub_context
from hub.kit.crypto.envelope import sealed_key_ref
from hub.people.models import PersonIndex
from hub.retention.service import Destroyable, RetentionSchedule, add_years, run
from tests.enquiries.test_end_to_end import CHILD, REASON, Hub
from tests.products.test_product_content import Case, compile_authorise_and_send, disclosed_case

SYSADMIN = Principal("it-retention", Role.sysadmin)
SCHEDULE = RetentionSchedule(
    nfa_years=2,
    early_help_years=6,
    statutory_years=25,
    da_notification_years=6,
    missing_episode_years=6,
)
HOLD_REASON = "Disclosure sought in care proceedings; keep until the court decides."


@pytest.fixture
def hub(client: Any, auth: Any) -> Hub:
    return Hub(client, auth)


def _nfa_contact(hub: Hub) -> str:
    """A contact screening closed with no further action."""
    receipt = hub.post(
        "/api/v1/contacts",
        hub.admin,
        {
            "children": [CHILD | {"given_name": "Ottoline"}],
            "worries": ["neglect"],
            "concern": "Often hungry at school.",
            "consent": {"status": "obtained"},
        },
    ).json()
    contact_id: str = next(
        c["id"]
        for c in hub.get("/api/v1/contacts", hub.admin).json()["items"]
        if c["reference"] == receipt["reference"]
    )
    screening = {"threshold_level": 1, "threshold_reason": REASON, "rag": "green"}
    assert hub.post(f"/api/v1/contacts/{contact_id}/screening", hub.social_worker, screening)
    outcome = {"outcome": "nfa", "reason": REASON}
    decided = hub.post(f"/api/v1/contacts/{contact_id}/outcome", hub.social_worker, outcome)
    assert decided.status_code == 200, decided.text
    return contact_id


def _sealed_entry_of(hub: Hub, resource_id: str) -> int:
    """An audit entry about part of the case whose text is sealed beside the log."""
    for entry in hub.audit(resource=resource_id):
        if entry.get("text_sealed"):
            return int(entry["id"])
    raise AssertionError("no entry with a sealed text for it")


def _index_entries(database: Database, contact_id: str) -> int:
    with database.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(PersonIndex)
                .where(PersonIndex.parent_id == uuid.UUID(contact_id))
            )
            or 0
        )


@dataclass
class Closed:
    case: Case
    product_id: str
    team: str
    held: str
    entry: int


def _closed_cases(hub: Hub) -> Closed:
    """A whole case sent to a strategy discussion and accepted by the team, with a reason
    sealed for its audit entries; and a contact closed with no further action, on hold."""
    case = disclosed_case(hub)
    product_id, team = compile_authorise_and_send(hub, case)
    accepted = hub.post(
        f"/api/v1/products/{product_id}/acknowledgement", hub.duty[team], {"decision": "accept"}
    )
    assert accepted.status_code == 200, accepted.text
    held = _nfa_contact(hub)
    placed = hub.post(
        f"/api/v1/contacts/{held}/legal-hold",
        hub.manager,
        {"decision": "place", "reason": HOLD_REASON},
    )
    assert placed.status_code == 200, placed.text
    assert placed.json()["held"] is True
    return Closed(case, product_id, team, held, _sealed_entry_of(hub, case.police_disclosure))


def _past_every_date() -> datetime:
    return add_years(utcnow(), 25) + timedelta(days=2)


def test_a_whole_case_past_its_date_is_destroyed_with_its_key(
    hub: Hub, app: FastAPI, database: Database
) -> None:
    keyring: Keyring = app.state.keyring
    closed = _closed_cases(hub)
    case = closed.case
    assert hub.post(f"/api/v1/audit/entries/{closed.entry}/text", hub.ig).status_code == 200
    assert _index_entries(database, case.contact_id) > 0
    key_id = case_key_id(case.contact_id)
    # Not yet: 24 years on, a case that went to a strategy discussion is kept.
    soon = add_years(utcnow(), 24)
    assert run(database, SYSADMIN, SCHEDULE, keyring=keyring, now=soon).destroyed == []

    done = run(database, SYSADMIN, SCHEDULE, keyring=keyring, now=_past_every_date())

    assert [str(d.id) for d in done.destroyed] == [case.contact_id]
    # The case key is gone, every version of it.
    with database.session() as session:
        versions = session.scalars(select(DataKeyRow).where(DataKeyRow.key_id == key_id)).all()
    assert versions
    assert all(v.state == "shredded" and v.wrapped is None for v in versions)
    # Its content opens for no one, even with the keyring in hand.
    keyring.forget(key_id)
    with transaction(database) as session:
        contact = session.get(Contact, uuid.UUID(case.contact_id))
        assert contact is not None
        assert contact.destroyed_at is not None
        with pytest.raises(CaseDestroyed):
            open_details(session, contact, keyring=keyring)
    # Every route that touches it says so, plainly.
    for path, who in (
        (f"/api/v1/contacts/{case.contact_id}", hub.social_worker),
        (f"/api/v1/contacts/{case.contact_id}/screening", hub.social_worker),
        (f"/api/v1/disclosures/{case.police_disclosure}", hub.social_worker),
        (f"/api/v1/products/{closed.product_id}", hub.duty[closed.team]),
    ):
        answer = hub.get(path, who)
        assert answer.status_code == 410, (path, answer.text)
        assert answer.json()["error"] == "destroyed"
        assert "Wren" not in answer.text
    # What was written for its audit entries is destroyed with it: screening's reasons,
    # the police's purpose and release, the manager's authorisation.
    sealed_entries = [
        int(e["id"])
        for resource_id in (case.contact_id, case.police_disclosure, closed.product_id)
        for e in hub.audit(resource=resource_id)
        if e.get("text_sealed")
    ]
    assert len(sealed_entries) >= 3
    for entry_id in sealed_entries:
        refused = hub.post(f"/api/v1/audit/entries/{entry_id}/text", hub.ig)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "text_destroyed"
    # The person index no longer knows the child was referred.
    assert _index_entries(database, case.contact_id) == 0
    # Exactly one entry for the destruction, naming no one.
    destroyed_entries = [e for e in hub.audit(action="shred") if e["resource_id"] == key_id]
    assert len(destroyed_entries) == 1
    assert "strategy_discussion" in destroyed_entries[0]["reason"]
    assert "Wren" not in str(destroyed_entries[0])
    # A second run (another process, or the next day) destroys nothing twice.
    again = run(database, SYSADMIN, SCHEDULE, keyring=keyring, now=_past_every_date())
    assert again.destroyed == []
    assert len([e for e in hub.audit(action="shred") if e["resource_id"] == key_id]) == 1


def test_the_log_verifies_online_and_from_an_export_after_a_case_is_destroyed(
    hub: Hub,
    app: FastAPI,
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    key_dir: Path,
) -> None:
    closed = _closed_cases(hub)
    done = run(database, SYSADMIN, SCHEDULE, keyring=app.state.keyring, now=_past_every_date())
    assert [str(d.id) for d in done.destroyed] == [closed.case.contact_id]

    app.state.audit_log.sequence()
    verified = hub.post("/api/v1/audit/verify", hub.ig)
    assert verified.status_code == 200, verified.text
    assert verified.json()["intact"] is True
    with database.session() as session:
        export_log(session, tmp_path / "export", app.state.audit_log.signer.public_key_pem())
    monkeypatch.setenv("HUB_KEY_DIR", str(key_dir))
    offline = CliRunner().invoke(cli, ["audit", "verify", "--export", str(tmp_path / "export")])
    assert offline.exit_code == 0, offline.output


def test_a_held_case_is_kept_until_its_hold_is_lifted(
    hub: Hub, app: FastAPI, database: Database
) -> None:
    keyring: Keyring = app.state.keyring
    closed = _closed_cases(hub)
    held = closed.held
    later = _past_every_date()

    planned = run(database, SYSADMIN, SCHEDULE, keyring=keyring, now=later, dry_run=True)

    by_id = {str(d.id): d for d in planned.due}
    assert by_id[closed.case.contact_id].outcome == "strategy_discussion"
    assert by_id[closed.case.contact_id].kind is Destroyable.case
    assert by_id[held].outcome == "nfa"
    assert by_id[held].held is True
    assert planned.destroyed == []
    assert hub.get(f"/api/v1/contacts/{held}", hub.social_worker).status_code == 200

    done = run(database, SYSADMIN, SCHEDULE, keyring=keyring, now=later)

    assert held not in {str(d.id) for d in done.destroyed}
    assert hub.get(f"/api/v1/contacts/{held}", hub.social_worker).status_code == 200
    assert _index_entries(database, held) > 0
    lifted = hub.post(
        f"/api/v1/contacts/{held}/legal-hold",
        hub.manager,
        {"decision": "lift", "reason": "The court has decided; the hold is no longer needed."},
    )
    assert lifted.status_code == 200
    assert lifted.json()["held"] is False
    after = run(database, SYSADMIN, SCHEDULE, keyring=keyring, now=later)
    assert [str(d.id) for d in after.destroyed] == [held]
    assert hub.get(f"/api/v1/contacts/{held}", hub.social_worker).status_code == 410


def test_what_a_case_kept_under_the_hub_key_from_before_is_destroyed_with_it(
    hub: Hub, app: FastAPI, database: Database
) -> None:
    """A contact recorded before cases had keys of their own keeps its details under the hub
    key; screened since, its reasons are under its case key. Both go with the case."""
    keyring: Keyring = app.state.keyring
    contact_id = _nfa_contact(hub)
    where = hub_context("contacts", "sealed_details", contact_id)
    with transaction(database) as session:
        contact = session.get(Contact, uuid.UUID(contact_id))
        assert contact is not None
        details = keyring.open(session, contact.sealed_details, where)
        contact.sealed_details = keyring.seal(session, HUB_KEY_ID, details, where)
    assert hub.get(f"/api/v1/contacts/{contact_id}", hub.social_worker).status_code == 200

    done = run(database, SYSADMIN, SCHEDULE, keyring=keyring, now=_past_every_date())

    assert [str(d.id) for d in done.destroyed] == [contact_id]
    with transaction(database) as session:
        contact = session.get(Contact, uuid.UUID(contact_id))
        assert contact is not None
        assert sealed_key_ref(contact.sealed_details) == (case_key_id(contact_id), 1)
        with pytest.raises(CaseDestroyed):
            keyring.open(session, contact.sealed_details, where)
    assert hub.get(f"/api/v1/contacts/{contact_id}", hub.social_worker).status_code == 410

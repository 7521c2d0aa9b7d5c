"""What a person writes is never in an audit entry in clear: it is sealed beside the log,
and the entry's leaf covers a keyed commitment to it.

An IG officer opens it one entry at a time, with a purpose that is logged (and sealed) in
turn. The tree verifies with the text and its key destroyed; rotating the hub key re-seals
it; entries written before sealing are left as they were and counted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

import hub.models  # noqa: F401 (every table on the metadata)
from hub.agencies import keys
from hub.audit import repository
from hub.audit.canonical import canonical_bytes, canonical_bytes_from_raw, canonical_document
from hub.audit.evidence import database_checkpoints, export_log
from hub.audit.fastverify import verify_database_in_parallel
from hub.audit.models import AuditEntry, AuditText
from hub.audit.repository import tree_size
from hub.auth.principal import Principal, Role
from hub.db import Database, transaction
from hub.db_roles import grant_app_role
from hub.keys.models import DataKeyRow
from hub.keys.service import HUB_KEY_ID, Keyring
from hub.migrations import alembic_config, upgrade
from tests.conftest import PG_APP_ROLE, AuthHeaders, DatabaseUrls
from tests.contacts.test_contacts_api import a_contact

REASON = "Ottoline Brabazon's uncle would move the child if the family were asked."
PURPOSE = {"X-Audit-Purpose": "SAR-2026-0114 for Ottoline Brabazon"}
SYSADMIN = Principal("it-1", Role.sysadmin)


def overridden(client: TestClient, auth: AuthHeaders) -> str:
    """A contact without consent whose manager authorises going on, with :data:`REASON`."""
    admin = auth("mash_admin")
    consent = {"status": "not_sought", "reason": "Asking could alert the family."}
    assert client.post("/api/v1/contacts", json=a_contact(consent=consent), headers=admin)
    contact_id = str(client.get("/api/v1/contacts", headers=admin).json()["items"][0]["id"])
    screening = {
        "threshold_level": 4,
        "threshold_reason": "Serious worries together.",
        "rag": "red",
    }
    worker = auth("mash_social_worker")
    screened = client.post(
        f"/api/v1/contacts/{contact_id}/screening", json=screening, headers=worker
    )
    assert screened.status_code == 200, screened.text
    response = client.post(
        f"/api/v1/contacts/{contact_id}/consent-override",
        json={"reason": REASON},
        headers=auth("mash_manager"),
    )
    assert response.status_code == 200, response.text
    return contact_id


def override_entry(database: Database) -> AuditEntry:
    with database.session() as session:
        return session.execute(
            select(AuditEntry).where(AuditEntry.action == "override_consent")
        ).scalar_one()


def ig(auth: AuthHeaders) -> dict[str, str]:
    return auth("ig_officer", sub="ig-1") | PURPOSE


def test_a_reason_is_sealed_with_a_keyed_commitment_and_opened_one_at_a_time(
    client: TestClient, auth: AuthHeaders, app: FastAPI, database: Database, tmp_path: Path
) -> None:
    overridden(client, auth)
    entry = override_entry(database)
    row = {c.name: getattr(entry, c.name) for c in AuditEntry.__table__.columns}
    assert "Brabazon" not in json.dumps(row, default=str)
    assert entry.reason is None
    assert entry.text_commitment is not None
    assert len(entry.text_commitment) == 64
    # Keyed: not the plain hash of the text, which anyone could test a guess against.
    plain = hashlib.sha256(json.dumps({"reason": REASON}).encode()).hexdigest()
    assert entry.text_commitment != plain
    with database.session() as session:
        sealed = session.get(AuditText, entry.text_commitment)
    assert sealed is not None
    assert b"Brabazon" not in sealed.sealed_text
    # The leaf covers the commitment, so the text cannot be swapped afterwards.
    assert entry.text_commitment in canonical_bytes(canonical_document(row)).decode()

    # Listing shows that there is sealed text, never the text.
    app.state.audit_log.sequence(force_checkpoint=True)
    listed = client.get("/api/v1/audit/entries", params={"limit": 200}, headers=ig(auth))
    assert "Brabazon" not in listed.text
    [shown] = [e for e in listed.json()["items"] if e["id"] == entry.id]
    assert shown["text_sealed"] is True

    # Only an IG officer opens it, one entry, with a purpose; the opening is logged.
    path = f"/api/v1/audit/entries/{entry.id}/text"
    for who in (auth("mash_manager"), auth("sysadmin"), auth("agency_rep", agency="police")):
        assert client.post(path, headers=who | PURPOSE).status_code == 404
    assert client.post(path, headers=auth("ig_officer")).status_code == 400  # no purpose
    opened = client.post(path, headers=ig(auth))
    assert opened.status_code == 200, opened.text
    assert opened.json() == {"entry_id": entry.id, "text": {"reason": REASON}}
    with database.session() as session:
        opening = session.execute(
            select(AuditEntry).where(AuditEntry.action == "open", AuditEntry.outcome == "allowed")
        ).scalar_one()
    assert (opening.actor_sub, opening.resource_id) == ("ig-1", str(entry.id))
    assert opening.purpose is None
    assert opening.text_commitment is not None

    # The export carries the commitment and no text; it verifies offline.
    app.state.audit_log.sequence(force_checkpoint=True)
    with database.session() as session:
        export_log(session, tmp_path, app.state.audit_log.signer.public_key_pem())
    exported = (tmp_path / "entries.jsonl").read_text(encoding="utf-8")
    assert "Brabazon" not in exported
    assert entry.text_commitment in exported


def test_the_fast_verifier_hashes_committed_entries_as_the_sequencer_did(
    client: TestClient, auth: AuthHeaders, app: FastAPI, database: Database
) -> None:
    overridden(client, auth)
    app.state.audit_log.sequence(force_checkpoint=True)
    with database.session() as session:
        checkpoints = database_checkpoints(session)
        size = tree_size(session)
        rows = [r._mapping for r in repository.raw_leaves_with_entries(session, start=0, limit=99)]
    committed = [row for row in rows if row["text_commitment"] is not None]
    assert committed
    for row in committed:
        assert canonical_bytes_from_raw(row) == canonical_bytes(canonical_document(row))
    report = verify_database_in_parallel(
        str(database.engine.url.render_as_string(hide_password=False)),
        size,
        checkpoints,
        app.state.audit_log.signer.public_key_pem(),
        workers=2,
    )
    assert report is not None
    assert report.intact


def test_the_tree_verifies_after_the_text_and_its_key_are_destroyed(
    client: TestClient,
    auth: AuthHeaders,
    app: FastAPI,
    database: Database,
    database_urls: DatabaseUrls,
) -> None:
    overridden(client, auth)
    entry = override_entry(database)
    app.state.audit_log.sequence(force_checkpoint=True)
    owner = create_engine(database_urls.owner)
    with owner.begin() as connection:
        # Every version of the hub key destroyed, and the sealed text deleted.
        connection.execute(
            text("UPDATE data_keys SET wrapped = NULL, state = 'shredded' WHERE key_id = 'hub'")
        )
        connection.execute(text("DELETE FROM audit_texts"))
    owner.dispose()
    app.state.keyring.forget(HUB_KEY_ID)
    verified = client.post("/api/v1/audit/verify", headers=ig(auth))
    assert verified.status_code == 200, verified.text
    assert verified.json()["intact"] is True
    gone = client.post(f"/api/v1/audit/entries/{entry.id}/text", headers=ig(auth))
    assert gone.status_code == 409
    assert gone.json()["error"] == "text_destroyed"


def test_sealed_text_moved_to_another_entry_does_not_open(
    client: TestClient, auth: AuthHeaders, database: Database, database_urls: DatabaseUrls
) -> None:
    contact_id = overridden(client, auth)
    rated = client.post(
        f"/api/v1/contacts/{contact_id}/rating",
        json={"rag": "amber", "reason": "A different reason."},
        headers=auth("mash_manager"),
    )
    assert rated.status_code == 200, rated.text
    with database.session() as session:
        first, second = session.execute(
            select(AuditEntry.id, AuditEntry.text_commitment)
            .where(AuditEntry.text_commitment.is_not(None))
            .order_by(AuditEntry.id)
        ).all()
    owner = create_engine(database_urls.owner)
    with owner.begin() as connection:
        blob = connection.execute(
            text("SELECT sealed_text FROM audit_texts WHERE commitment = :c"), {"c": second[1]}
        ).scalar_one()
        connection.execute(
            text("UPDATE audit_texts SET sealed_text = :b WHERE commitment = :c"),
            {"b": blob, "c": first[1]},
        )
    owner.dispose()
    moved = client.post(f"/api/v1/audit/entries/{first[0]}/text", headers=ig(auth))
    assert moved.status_code == 409
    assert moved.json()["error"] == "text_unavailable"
    kept = client.post(f"/api/v1/audit/entries/{second[0]}/text", headers=ig(auth))
    assert kept.json()["text"] == {"reason": "A different reason."}


def test_a_reads_sealed_purpose_is_counted_against_the_hub_key(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    def hub_seals() -> int:
        with database.session() as session:
            return sum(
                session.execute(
                    select(DataKeyRow.seal_count).where(DataKeyRow.key_id == HUB_KEY_ID)
                ).scalars()
            )

    before = hub_seals()
    assert client.get("/api/v1/audit/entries", headers=ig(auth)).status_code == 200
    assert hub_seals() == before + 1
    with database.session() as session:
        [entry] = session.execute(select(AuditEntry).where(AuditEntry.action == "list")).scalars()
        assert session.get(AuditText, entry.text_commitment) is not None


def test_rotating_the_hub_key_reseals_the_logs_text(
    client: TestClient, auth: AuthHeaders, app: FastAPI, database: Database
) -> None:
    overridden(client, auth)
    entry = override_entry(database)
    keyring: Keyring = app.state.keyring
    with transaction(database) as session:
        old = keyring.primary(session, HUB_KEY_ID).version
        keys.rotate(session, SYSADMIN, HUB_KEY_ID, keyring=keyring)
    cursor = keys.RewrapCursor()
    while not cursor.done:
        with transaction(database) as session:
            keys.rewrap_batch(session, SYSADMIN, HUB_KEY_ID, cursor, keyring=keyring)
    with transaction(database) as session:
        assert keys.retire_unused(session, SYSADMIN, HUB_KEY_ID, keyring=keyring) == [old]
    opened = client.post(f"/api/v1/audit/entries/{entry.id}/text", headers=ig(auth))
    assert opened.status_code == 200, opened.text
    assert opened.json()["text"] == {"reason": REASON}


def test_entries_written_before_sealing_are_kept_as_written_and_counted(
    client: TestClient,
    auth: AuthHeaders,
    app: FastAPI,
    database: Database,
    database_urls: DatabaseUrls,
) -> None:
    for _ in range(2):
        assert client.post("/api/v1/contacts", json=a_contact(), headers=auth("mash_admin"))
    app.state.audit_log.sequence(force_checkpoint=True)
    config = alembic_config(database_urls.owner)
    command.downgrade(config, "0012")
    owner = create_engine(database_urls.owner)
    legacy: dict[str, Any] = {
        "recorded_at": "2026-01-01 10:00:00.000000",
        "actor_sub": "mgr-1",
        "actor_role": "mash_manager",
        "action": "override_consent",
        "resource_kind": "contact",
        "outcome": "allowed",
        "rule": "p, mash_manager, contact, override_consent, any",
        "reason": REASON,
        "subject_ids": "[]",
    }
    with owner.begin() as connection:
        for _ in range(3):
            connection.execute(
                text(
                    "INSERT INTO audit_entries (recorded_at, actor_sub, actor_role, action, "
                    "resource_kind, outcome, rule, reason, subject_ids) VALUES (:recorded_at, "
                    ":actor_sub, :actor_role, :action, :resource_kind, :outcome, :rule, "
                    ":reason, :subject_ids)"
                ),
                legacy | {"recorded_at": _timestamp(owner.dialect.name)},
            )
    upgrade(database_urls.owner)
    if owner.dialect.name == "postgresql":
        with owner.begin() as connection:
            grant_app_role(connection, PG_APP_ROLE)
    owner.dispose()

    # Written after: sealed, and not counted.
    overridden(client, auth)
    app.state.audit_log.sequence(force_checkpoint=True)
    verified = client.post("/api/v1/audit/verify", headers=ig(auth)).json()
    assert verified["intact"] is True
    assert verified["clear_text_entries"] == 3
    with database.session() as session:
        clear = session.execute(
            select(AuditEntry.reason).where(AuditEntry.reason == REASON)
        ).scalars()
        assert len(list(clear)) == 3  # the old entries are not rewritten


def _timestamp(dialect: str) -> str:
    return "2026-01-01 10:00:00.000000" if dialect == "sqlite" else "2026-01-01 10:00:00+00"

"""The audit log: append-only in the database, tamper-evident, verifiable offline."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from hub.audit import canonical, sequencer, terms
from hub.audit import service as audit
from hub.audit.checkpoints import signature_valid
from hub.audit.evidence import database_checkpoints, database_leaves, export_log, load_export
from hub.audit.models import AuditCheckpoint, AuditEntry, AuditLeaf
from hub.audit.sequencer import AuditLog
from hub.audit.service import AuditEvent, Outcome
from hub.audit.verify import VerifyReport, verify_log
from hub.auth.principal import Principal, Role
from hub.db import Database, transaction
from hub.settings import Settings
from tests.conftest import DatabaseUrls

AUDIT_TABLES = ("audit_entries", "audit_terms", "audit_leaves", "audit_checkpoints")
SW = Principal("sw-1", Role.mash_social_worker)


def event(number: int, *, subject: str = "child-1") -> AuditEvent:
    return AuditEvent(
        action="read",
        resource_kind="contact",
        outcome=Outcome.allowed,
        rule="p, mash_social_worker, contact, read, any",
        resource_id=f"contact-{number}",
        subject_ids=(subject,),
        purpose="screening",
    )


def append(database: Database, count: int, *, start: int = 0) -> None:
    for number in range(start, start + count):
        with transaction(database) as session:
            audit.record(session, SW, event(number))


@pytest.fixture
def audit_log(app: object) -> AuditLog:
    log: AuditLog = app.state.audit_log  # type: ignore[attr-defined]
    return log


def verify_database(database: Database, audit_log: AuditLog) -> VerifyReport:
    with transaction(database) as session:
        return verify_log(
            database_leaves(session),
            database_checkpoints(session),
            audit_log.signer.public_key_pem(),
        )


@pytest.mark.parametrize("table", AUDIT_TABLES)
@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET {c} = {c}", "DELETE FROM {t}", "TRUNCATE {t}"]
)
def test_the_apps_connection_cannot_change_the_log(
    database: Database, audit_log: AuditLog, table: str, statement: str
) -> None:
    append(database, 3)
    audit_log.sequence(force_checkpoint=True)
    if statement.startswith("TRUNCATE") and database.engine.dialect.name == "sqlite":
        statement = "DELETE FROM {t}"  # SQLite's TRUNCATE is an unqualified DELETE
    column = {
        "audit_entries": "action",
        "audit_terms": "term",
        "audit_leaves": "leaf_hash",
        "audit_checkpoints": "signature",
    }[table]
    with pytest.raises(DBAPIError) as refused, database.engine.begin() as connection:
        connection.execute(text(statement.format(t=table, c=column)))
    message = str(refused.value.orig).lower()
    assert "append-only" in message or "permission denied" in message
    assert verify_database(database, audit_log).intact


def test_on_postgresql_the_owner_meets_the_trigger_too(
    database_urls: DatabaseUrls, database: Database, audit_log: AuditLog
) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("the owner/app role split is PostgreSQL's")
    append(database, 2)
    owner = create_engine(database_urls.owner)
    for statement in (
        "UPDATE audit_entries SET action = 'x'",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries CASCADE",
    ):
        with pytest.raises(DBAPIError, match="append-only"), owner.begin() as connection:
            connection.execute(text(statement))
    owner.dispose()


def test_concurrent_writers_make_one_line_with_no_gaps(
    database: Database, audit_log: AuditLog
) -> None:
    writers, per_writer = 8, 40
    errors: list[BaseException] = []
    done = threading.Event()

    def write(worker: int) -> None:
        try:
            append(database, per_writer, start=worker * 1000)
        except BaseException as error:
            errors.append(error)

    def sequence_continuously() -> None:
        while not done.is_set():
            audit_log.sequence()

    sequencer = threading.Thread(target=sequence_continuously)
    sequencer.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    sequencer.join()
    assert errors == []
    audit_log.sequence(full_sweep=True, force_checkpoint=True)

    with transaction(database) as session:
        indexes = (
            session.execute(select(AuditLeaf.leaf_index).order_by(AuditLeaf.leaf_index))
            .scalars()
            .all()
        )
        entries = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        leafed = session.execute(select(func.count(func.distinct(AuditLeaf.entry_id)))).scalar_one()
    assert entries == writers * per_writer
    assert list(indexes) == list(range(entries)), "leaf indexes must be 0..n-1 exactly"
    assert leafed == entries, "every entry has exactly one leaf"
    report = verify_database(database, audit_log)
    assert report.intact, report.summary()
    assert report.tree_size == entries


def test_checkpoints_are_signed_every_n_entries_and_verify_with_the_public_key(
    settings: Settings, database: Database
) -> None:
    from hub.app import audit_log_for

    audit_log = audit_log_for(
        settings.model_copy(update={"audit_checkpoint_every_entries": 10}), database
    )
    for _ in range(3):
        append(database, 10)
        audit_log.sequence()
    with transaction(database) as session:
        checkpoints = database_checkpoints(session)
    assert [c.tree_size for c in checkpoints] == [10, 20, 30]
    public_key = audit_log.signer.public_key_pem()
    assert all(signature_valid(c, public_key) for c in checkpoints)
    forged = checkpoints[-1].__class__(**{**checkpoints[-1].as_json(), "tree_size": 31})  # type: ignore[arg-type]
    assert not signature_valid(forged, public_key)


def _tamper(database_urls: DatabaseUrls, database: Database, *statements: str) -> None:
    """Change the log as someone with the owner's or the file's access would: walls down."""
    engine = create_engine(database_urls.owner)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            for table in AUDIT_TABLES:
                for operation in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{operation}"))
        else:
            for table in AUDIT_TABLES:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def test_an_edited_entry_is_named_by_verify(
    database_urls: DatabaseUrls, database: Database, audit_log: AuditLog
) -> None:
    append(database, 12)
    audit_log.sequence(force_checkpoint=True)
    assert verify_database(database, audit_log).intact
    _tamper(database_urls, database, "UPDATE audit_entries SET outcome = 'denied' WHERE id = 7")
    report = verify_database(database, audit_log)
    assert not report.intact
    assert report.first_bad_entry == 7
    assert report.first_bad_leaf == 6
    assert "changed" in (report.problem or "")


def test_an_edit_with_a_recomputed_leaf_hash_is_caught_by_the_signed_checkpoint(
    database_urls: DatabaseUrls, database: Database, audit_log: AuditLog
) -> None:
    append(database, 12)
    audit_log.sequence(force_checkpoint=True)
    with transaction(database) as session:
        row = session.execute(select(*AuditEntry.__table__.columns).where(AuditEntry.id == 5)).one()
    document = canonical.canonical_document(row._mapping)
    document["reason"] = "nothing to see"
    from hub.audit.merkle import leaf_hash

    forged_hash = leaf_hash(canonical.canonical_bytes(document)).hex()
    _tamper(
        database_urls,
        database,
        "UPDATE audit_entries SET reason = 'nothing to see' WHERE id = 5",
        f"UPDATE audit_leaves SET leaf_hash = '{forged_hash}' WHERE entry_id = 5",
    )
    report = verify_database(database, audit_log)
    assert not report.intact
    assert "no longer matches the checkpoint signed at size 12" in (report.problem or "")


def test_a_deleted_tail_is_caught_against_the_last_checkpoint(
    database_urls: DatabaseUrls, database: Database, audit_log: AuditLog
) -> None:
    append(database, 10)
    audit_log.sequence(force_checkpoint=True)
    _tamper(
        database_urls,
        database,
        "DELETE FROM audit_leaves WHERE leaf_index >= 7",
        "DELETE FROM audit_terms WHERE entry_id >= 8",
        "DELETE FROM audit_entries WHERE id >= 8",
    )
    report = verify_database(database, audit_log)
    assert not report.intact
    assert report.first_bad_leaf == 7
    assert "removed" in (report.problem or "")


def test_a_deleted_entry_in_the_middle_is_named(
    database_urls: DatabaseUrls, database: Database, audit_log: AuditLog
) -> None:
    append(database, 6)
    audit_log.sequence(force_checkpoint=True)
    _tamper(
        database_urls,
        database,
        "DELETE FROM audit_terms WHERE entry_id = 3",
        "DELETE FROM audit_leaves WHERE entry_id = 3",
        "DELETE FROM audit_entries WHERE id = 3",
    )
    report = verify_database(database, audit_log)
    assert not report.intact
    assert report.first_bad_leaf == 2
    assert "missing" in (report.problem or "")


@pytest.fixture
def exported(tmp_path: Path, database: Database, audit_log: AuditLog) -> Path:
    append(database, 25)
    audit_log.sequence(force_checkpoint=True)
    out = tmp_path / "export"
    with transaction(database) as session:
        summary = export_log(session, out, audit_log.signer.public_key_pem())
    assert summary.entries == 25
    return out


def test_an_export_verifies_without_the_database_or_any_private_key(exported: Path) -> None:
    assert sorted(p.name for p in exported.iterdir()) == [
        "MANIFEST.json",
        "audit-public-key.pem",
        "checkpoints.json",
        "entries.jsonl",
    ]
    assert "PRIVATE" not in "".join(p.read_text() for p in exported.iterdir())
    leaves, checkpoints, public_key = load_export(exported)
    report = verify_log(leaves, checkpoints, public_key)
    assert report.intact, report.summary()
    assert report.tree_size == 25


def test_an_edited_export_line_is_named(exported: Path) -> None:
    lines = (exported / "entries.jsonl").read_text().splitlines()
    item = json.loads(lines[9])
    item["entry"]["actor_sub"] = "someone-else"
    lines[9] = json.dumps(item)
    (exported / "entries.jsonl").write_text("\n".join(lines) + "\n")
    report = verify_log(*load_export(exported))
    assert not report.intact
    assert report.first_bad_leaf == 9


def test_an_export_with_its_tail_cut_fails_against_its_checkpoint(exported: Path) -> None:
    lines = (exported / "entries.jsonl").read_text().splitlines()
    (exported / "entries.jsonl").write_text("\n".join(lines[:20]) + "\n")
    report = verify_log(*load_export(exported))
    assert not report.intact
    assert "removed" in (report.problem or "")


def test_an_export_signed_by_another_key_fails(exported: Path) -> None:
    from hub.kit.crypto.signing import CheckpointSigner

    (exported / "audit-public-key.pem").write_bytes(CheckpointSigner.generate().public_key_pem())
    report = verify_log(*load_export(exported))
    assert not report.intact
    assert "invalid signature" in (report.problem or "")


def test_entries_say_what_ig_needs(database: Database, audit_log: AuditLog) -> None:
    rep = Principal("rep-3", Role.agency_rep, agency="police")
    with transaction(database) as session:
        entry_id = audit.record(
            session,
            rep,
            AuditEvent(
                action="create",
                resource_kind="disclosure",
                outcome=Outcome.allowed,
                rule="p, agency_rep, disclosure, create, own",
                resource_id="d-1",
                resource_owner="police",
                purpose="safeguarding enquiry",
                lawful_basis="dpa2018_s35_sch8_para4",
                consent="not_sought",
                reason="proportionate: recent DA callouts",
                subject_ids=("child-9", "adult-2"),
                content_hash="ab" * 32,
            ),
        )
    with transaction(database) as session:
        entry = session.get(AuditEntry, entry_id)
        assert entry is not None
        assert (entry.actor_sub, entry.actor_role, entry.actor_agency) == (
            "rep-3",
            "agency_rep",
            "police",
        )
        assert (entry.lawful_basis, entry.consent, entry.content_hash) == (
            "dpa2018_s35_sch8_para4",
            "not_sought",
            "ab" * 32,
        )
        assert json.loads(entry.subject_ids) == ["adult-2", "child-9"]
    checkpoint_count = audit_log.sequence(force_checkpoint=True)
    assert checkpoint_count.checkpoint is not None
    with transaction(database) as session:
        assert session.execute(select(func.count()).select_from(AuditCheckpoint)).scalar_one() == 1


def test_a_backlog_is_sequenced_batch_by_batch_and_a_failed_batch_keeps_those_before(
    database: Database, audit_log: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch of the sequencer commits on its own (on SQLite it holds the write lock
    for one batch, not a whole backlog). A batch that fails leaves the batches before it
    in the log and nothing of its own, and the next run carries on with no gap."""
    backlog = 2 * sequencer.BATCH + 10
    audit.GroupCommit(database).commit(
        [audit._entry_values(SW, event(number)) for number in range(backlog)]
    )
    real_rows_for = terms.rows_for
    batches: list[int] = []

    def second_batch_fails(rows: Any) -> Any:
        batches.append(len(batches))
        if len(batches) == 2:
            raise RuntimeError("the disk filled")
        return real_rows_for(rows)

    monkeypatch.setattr(terms, "rows_for", second_batch_fails)
    with pytest.raises(RuntimeError):
        audit_log.sequence(full_sweep=True)
    with database.session() as session:
        leaves = session.scalar(select(func.count()).select_from(AuditLeaf))
    assert leaves == sequencer.BATCH  # the first batch, committed before the second failed

    monkeypatch.setattr(terms, "rows_for", real_rows_for)
    result = audit_log.sequence(force_checkpoint=True)
    assert result.sequenced == backlog - sequencer.BATCH
    assert result.tree_size == backlog
    report = verify_database(database, audit_log)
    assert report.intact
    assert report.tree_size == backlog

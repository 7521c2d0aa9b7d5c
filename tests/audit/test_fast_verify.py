"""The parallel verifier agrees with the leaf-by-leaf one, and hands back anything wrong."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from hub.audit.evidence import database_checkpoints, database_leaves
from hub.audit.fastverify import verify_database_in_parallel
from hub.audit.repository import tree_size
from hub.audit.sequencer import AuditLog
from hub.audit.verify import VerifyReport, verify_log
from hub.db import Database, transaction
from tests.audit.test_audit_log import AUDIT_TABLES, append
from tests.conftest import DatabaseUrls


def _run(database: Database, audit_log: AuditLog, url: str) -> tuple[VerifyReport | None, int]:
    with transaction(database) as session:
        checkpoints = database_checkpoints(session)
        size = tree_size(session)
    public_key = audit_log.signer.public_key_pem()
    return verify_database_in_parallel(url, size, checkpoints, public_key, workers=2), size


def test_parallel_and_sequential_verification_agree(
    database: Database, database_urls: DatabaseUrls, app: object
) -> None:
    audit_log: AuditLog = app.state.audit_log  # type: ignore[attr-defined]
    append(database, 41)
    audit_log.sequence(force_checkpoint=True)
    report, size = _run(database, audit_log, database_urls.app)
    assert report is not None
    assert report.intact, report.summary()
    assert report.checkpoints_checked == 1
    with transaction(database) as session:
        sequential = verify_log(
            database_leaves(session),
            database_checkpoints(session),
            audit_log.signer.public_key_pem(),
        )
    assert (
        (report.tree_size, report.root_hash)
        == (sequential.tree_size, sequential.root_hash)
        == (size, sequential.root_hash)
    )


def test_a_changed_or_missing_entry_is_handed_back_for_an_exact_report(
    database: Database, database_urls: DatabaseUrls, app: object
) -> None:
    audit_log: AuditLog = app.state.audit_log  # type: ignore[attr-defined]
    append(database, 20)
    audit_log.sequence(force_checkpoint=True)
    owner = create_engine(database_urls.owner)
    with owner.begin() as connection:
        if owner.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_entries_no_update"))
        else:
            for table in AUDIT_TABLES:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        connection.execute(text("UPDATE audit_entries SET rule = 'forged' WHERE id = 13"))
    owner.dispose()
    report, _ = _run(database, audit_log, database_urls.app)
    assert report is None

"""The parallel verifier agrees with the leaf-by-leaf one, and hands back anything wrong."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from hub.audit import service as audit
from hub.audit.canonical import canonical_bytes
from hub.audit.evidence import database_checkpoints, database_leaves
from hub.audit.fastverify import _select, verify_database_in_parallel
from hub.audit.repository import tree_size
from hub.audit.sequencer import AuditLog
from hub.audit.service import AuditEvent, Outcome
from hub.audit.verify import VerifyReport, verify_log
from hub.auth.principal import Principal, Role
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


AWKWARD_TEXT = [
    'She said "leave him alone" \\ then left',
    "line one\nline two\ttabbed\r\n",
    "bell \x07 backspace \x08 form feed \x0c unit separator \x1f delete \x7f",
    "Zoë O\u2019Brien-Łukasz: 子供 🧒 \u2028 \u2029 é",
    "",
]


def test_the_database_writes_each_entry_exactly_as_python_canonicalises_it(
    database: Database, database_urls: DatabaseUrls, app: object
) -> None:
    audit_log: AuditLog = app.state.audit_log  # type: ignore[attr-defined]
    with transaction(database) as session:
        for number, reason in enumerate(AWKWARD_TEXT):
            audit.record(
                session,
                Principal(f'sub "{number}"', Role.agency_rep, agency="police"),
                AuditEvent(
                    action="read",
                    resource_kind="disclosure",
                    outcome=Outcome.denied,
                    rule="p, agency_rep, disclosure, read, own_agency",
                    resource_id=None,
                    resource_owner="health",
                    reason=reason,
                    purpose=reason[::-1] or None,
                    subject_ids=(f"child-{number}", 'odd "id"'),
                ),
            )
    append(database, 3)
    audit_log.sequence(force_checkpoint=True)
    engine = create_engine(database_urls.app)
    with engine.connect() as connection:
        from_database = {
            row[0]: f'{row[2][:-1]},"subject_ids":{row[3]}}}'
            for row in connection.exec_driver_sql(_select(engine.dialect.name, 0, 100))
        }
    engine.dispose()
    with transaction(database) as session:
        leaves = list(database_leaves(session, documents=True))
    assert len(leaves) == len(from_database) == len(AWKWARD_TEXT) + 3
    for leaf in leaves:
        assert leaf.document is not None
        python_bytes = canonical_bytes(leaf.document)
        assert from_database[leaf.leaf_index].encode() == python_bytes
    report, _ = _run(database, audit_log, database_urls.app)
    assert report is not None
    assert report.intact

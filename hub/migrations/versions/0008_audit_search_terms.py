"""audit: appends touch one B-tree; search terms are written by the sequencer

``audit_entries`` keeps its primary key and loses its secondary indexes (each one cost
every append a random page write). ``audit_subjects`` becomes part of ``audit_terms``,
which the sequencer fills with each entry's leaf. Entries already sequenced get their
terms here; the rest get them when they are sequenced. The new table is append-only like
the others (its triggers here; its grants from ``mash-hub db grant``).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from hub.audit import terms
from hub.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

EntryId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ENTRY_INDEXES = {
    "ix_audit_entries_actor_agency": ["actor_agency"],
    "ix_audit_entries_actor_sub": ["actor_sub"],
    "ix_audit_entries_recorded_at": ["recorded_at"],
    "ix_audit_entries_resource_id": ["resource_id"],
}
DENIED_WHERE = sa.text("outcome = 'denied'")
BATCH = 10_000


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: {operation} on "
            f"{table} refused'); END"
        )


def _backfill_terms() -> None:
    bind = op.get_bind()
    entries = sa.table(
        "audit_entries",
        sa.column("id", EntryId),
        sa.column("recorded_at", UTCDateTime()),
        sa.column("actor_sub", sa.String()),
        sa.column("actor_agency", sa.String()),
        sa.column("action", sa.String()),
        sa.column("resource_kind", sa.String()),
        sa.column("resource_id", sa.String()),
        sa.column("resource_owner", sa.String()),
        sa.column("outcome", sa.String()),
        sa.column("subject_ids", sa.Text()),
    )
    leaves = sa.table("audit_leaves", sa.column("entry_id", EntryId))
    target = sa.table("audit_terms", sa.column("term", sa.String()), sa.column("entry_id", EntryId))
    after = 0
    while True:
        rows = bind.execute(
            sa.select(entries)
            .where(entries.c.id > after, entries.c.id.in_(sa.select(leaves.c.entry_id)))
            .order_by(entries.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        found = list(terms.rows_for(r._mapping for r in rows))
        if found:
            bind.execute(sa.insert(target), found)
        after = rows[-1].id


def _rebuild_subjects() -> None:
    """Every entry's people, from the entries themselves (sequenced or not)."""
    bind = op.get_bind()
    entries = sa.table("audit_entries", sa.column("id", EntryId), sa.column("subject_ids"))
    target = sa.table(
        "audit_subjects", sa.column("subject_id", sa.String()), sa.column("entry_id", EntryId)
    )
    after = 0
    while True:
        rows = bind.execute(
            sa.select(entries).where(entries.c.id > after).order_by(entries.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        subjects = [
            {"subject_id": subject, "entry_id": row.id}
            for row in rows
            for subject in json.loads(row.subject_ids)
        ]
        if subjects:
            bind.execute(sa.insert(target), subjects)
        after = rows[-1].id


def upgrade() -> None:
    op.create_table(
        "audit_terms",
        sa.Column("term", sa.String(length=300), nullable=False),
        sa.Column("entry_id", EntryId, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["audit_entries.id"],
            name=op.f("fk_audit_terms_entry_id_audit_entries"),
        ),
        sa.PrimaryKeyConstraint("term", "entry_id", name=op.f("pk_audit_terms")),
        sqlite_with_rowid=False,
    )
    _backfill_terms()
    _append_only("audit_terms")
    op.drop_table("audit_subjects")
    for name in ENTRY_INDEXES:
        op.drop_index(name, table_name="audit_entries")
    op.drop_index("ix_audit_entries_denied", table_name="audit_entries")


def downgrade() -> None:
    op.create_index(
        "ix_audit_entries_denied",
        "audit_entries",
        ["id"],
        sqlite_where=DENIED_WHERE,
        postgresql_where=DENIED_WHERE,
    )
    for name, columns in ENTRY_INDEXES.items():
        op.create_index(name, "audit_entries", columns)
    op.create_table(
        "audit_subjects",
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("entry_id", EntryId, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["audit_entries.id"],
            name=op.f("fk_audit_subjects_entry_id_audit_entries"),
        ),
        sa.PrimaryKeyConstraint("subject_id", "entry_id", name=op.f("pk_audit_subjects")),
    )
    _rebuild_subjects()
    _append_only("audit_subjects")
    op.drop_table("audit_terms")

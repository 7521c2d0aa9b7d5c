"""audit: what a person wrote is sealed beside the log; entries keep a keyed commitment

``audit_entries`` gains ``text_commitment`` (in the leaf where it holds a value, so the
entries already written keep their leaf hashes). ``audit_texts`` holds the sealed text by
commitment; it is re-sealed when the hub key rotates, so the app's role may update it.
``audit_sealing`` records the first entry written this way: the entries before it are
not rewritten (the log is append-only) and hold their reasons and purposes in clear, and
verification says how many there are. It is append-only like the log.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A disclosure's purpose is what the agency wrote: sealed from now on.
    op.add_column("disclosures", sa.Column("sealed_purpose", sa.LargeBinary()))
    # A manager's reason for returning a product is kept with it, sealed (the log keeps
    # only its commitment).
    op.add_column("information_products", sa.Column("sealed_return_reason", sa.LargeBinary()))
    op.add_column("audit_entries", sa.Column("text_commitment", sa.String(length=64)))
    op.create_table(
        "audit_texts",
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("sealed_text", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("commitment", name=op.f("pk_audit_texts")),
    )
    op.create_table(
        "audit_sealing",
        sa.Column("first_entry_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("first_entry_id", name=op.f("pk_audit_sealing")),
    )
    op.execute(
        "INSERT INTO audit_sealing (first_entry_id) "
        "SELECT COALESCE(MAX(id), 0) + 1 FROM audit_entries"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_sealing_append_only BEFORE UPDATE OR DELETE ON audit_sealing "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_sealing_no_truncate BEFORE TRUNCATE ON audit_sealing "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_sealing_no_{operation.lower()} BEFORE {operation} "
            f"ON audit_sealing BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: "
            f"{operation} on audit_sealing refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_sealing_append_only ON audit_sealing")
        op.execute("DROP TRIGGER IF EXISTS audit_sealing_no_truncate ON audit_sealing")
    op.drop_table("audit_sealing")
    op.drop_table("audit_texts")
    op.drop_column("audit_entries", "text_commitment")
    op.drop_column("disclosures", "sealed_purpose")
    with op.batch_alter_table("information_products") as batch_op:
        batch_op.drop_column("sealed_return_reason")

"""screening: RAG ratings, thresholds, outcomes and rating history

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_screenings",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("out_of_hours", sa.Boolean(), nullable=False),
        sa.Column("threshold_level", sa.Integer(), nullable=True),
        sa.Column("rag", sa.String(length=10), nullable=True),
        sa.Column("rag_deadline", UTCDateTime(), nullable=True),
        sa.Column("screened_by", sa.String(length=200), nullable=True),
        sa.Column("screened_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("outcome_team", sa.String(length=40), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("consent_override_by", sa.String(length=200), nullable=True),
        sa.Column("consent_override_at", UTCDateTime(), nullable=True),
        sa.Column("sealed_reasons", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_screenings_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contact_screenings")),
    )
    with op.batch_alter_table("contact_screenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_screenings_rag"), ["rag"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contact_screenings_rag_deadline"), ["rag_deadline"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_screenings_outcome"), ["outcome"], unique=False
        )
    op.create_table(
        "rag_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("from_rag", sa.String(length=10), nullable=True),
        sa.Column("to_rag", sa.String(length=10), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("sealed_reason", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_rag_changes_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rag_changes")),
    )
    with op.batch_alter_table("rag_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rag_changes_contact_id"), ["contact_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("rag_changes")
    op.drop_table("contact_screenings")

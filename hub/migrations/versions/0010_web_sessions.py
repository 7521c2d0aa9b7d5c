"""web sessions: signed-in browsers, by the hash of their cookie's id

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("sub", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("agency", sa.String(length=40), nullable=True),
        sa.Column("team", sa.String(length=40), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("sign_in", sa.Text(), nullable=True),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(
        op.f("ix_web_sessions_last_seen_at"), "web_sessions", ["last_seen_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_last_seen_at"), table_name="web_sessions")
    op.drop_table("web_sessions")

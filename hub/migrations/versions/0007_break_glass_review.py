"""break-glass review: the agency records whether an emergency opening was justified

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("break_glass_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("review_justified", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("sealed_review", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("break_glass_events", schema=None) as batch_op:
        batch_op.drop_column("sealed_review")
        batch_op.drop_column("review_justified")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")

"""product acknowledgement: the receiving team accepts a sent product, or declines it with a reason

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("information_products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("sealed_decline_reason", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("information_products", schema=None) as batch_op:
        batch_op.drop_column("sealed_decline_reason")
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("acknowledged_by")

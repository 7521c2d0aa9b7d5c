"""disclosure released items: an agency releases chosen items of a caveated disclosure

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        # JSON of what has been released so far: record ids and field names, never content.
        batch_op.add_column(sa.Column("released_items", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_column("released_items")

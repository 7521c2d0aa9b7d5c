"""retention: cases are destroyed by destroying their keys, unless on legal hold

Each case, police notification and missing episode now seals under a key of its own (rows
in ``data_keys``, nothing to add for them). ``contacts``, ``da_notifications`` and
``missing_episodes`` gain ``destroyed_at``: when the retention schedule destroyed the key
(set once, by a conditional update, so two processes never destroy one case twice).
``contacts`` gains the legal hold: since when, by whom, and the reason sealed under the
case's key.

Rows written before this migration are not re-sealed: they stay under the hub key until
they are next written (a case key is made then) or the retention schedule reaches them.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_DESTROYABLE = ("contacts", "da_notifications", "missing_episodes")


def upgrade() -> None:
    for table in _DESTROYABLE:
        op.add_column(table, sa.Column("destroyed_at", UTCDateTime()))
    op.add_column("contacts", sa.Column("held_since", UTCDateTime()))
    op.add_column("contacts", sa.Column("held_by", sa.String(length=200)))
    op.add_column("contacts", sa.Column("sealed_hold_reason", sa.LargeBinary()))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("sealed_hold_reason")
        batch.drop_column("held_by")
        batch.drop_column("held_since")
    for table in _DESTROYABLE:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("destroyed_at")

"""break-glass names the case it was for, and seals its reason under that case's key

``break_glass_events.contact_id``: the contact (the MASH case) an emergency opening was
for, when the manager names one. Its reason and the agency's review notes are then sealed
under the case's key, and destroyed with the case under the retention schedule; the
opening itself (who, when, which record, the review's verdict) stays on the agency's list
and in the audit log. Openings made before this migration name no case and stay under the
hub key.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("break_glass_events", sa.Column("contact_id", sa.Uuid()))


def downgrade() -> None:
    with op.batch_alter_table("break_glass_events") as batch:
        batch.drop_column("contact_id")

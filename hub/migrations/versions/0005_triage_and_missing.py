"""triage and missing: domestic abuse notifications, triage meetings, missing episodes

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('triage_meetings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('opened_at', UTCDateTime(), nullable=False),
    sa.Column('opened_by', sa.String(length=200), nullable=False),
    sa.Column('covers_from', UTCDateTime(), nullable=True),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.Column('open_marker', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_meetings')),
    sa.UniqueConstraint('open_marker', name=op.f('uq_triage_meetings_open_marker'))
    )
    with op.batch_alter_table('triage_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_triage_meetings_opened_at'), ['opened_at'], unique=False)

    op.create_table('da_notifications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference_index', sa.LargeBinary(length=32), nullable=False),
    sa.Column('content_digest', sa.LargeBinary(length=32), nullable=False),
    sa.Column('address_index', sa.LargeBinary(length=32), nullable=True),
    sa.Column('incident_at', UTCDateTime(), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.Column('received_by', sa.String(length=200), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('risk_level', sa.String(length=10), nullable=False),
    sa.Column('children_count', sa.Integer(), nullable=False),
    sa.Column('marac_flag', sa.Boolean(), nullable=False),
    sa.Column('sealed_details', sa.LargeBinary(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('sealed_outcome_reason', sa.LargeBinary(), nullable=True),
    sa.Column('outcome_by', sa.String(length=200), nullable=True),
    sa.Column('outcome_at', UTCDateTime(), nullable=True),
    sa.Column('contact_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_da_notifications_contact_id_contacts')),
    sa.ForeignKeyConstraint(['meeting_id'], ['triage_meetings.id'], name=op.f('fk_da_notifications_meeting_id_triage_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_da_notifications')),
    sa.UniqueConstraint('reference_index', name=op.f('uq_da_notifications_reference_index'))
    )
    with op.batch_alter_table('da_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_da_notifications_address_index'), ['address_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_da_notifications_incident_at'), ['incident_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_da_notifications_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_da_notifications_received_at'), ['received_at'], unique=False)

    op.create_table('da_notification_people',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('notification_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('person_role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['da_notifications.id'], name=op.f('fk_da_notification_people_notification_id_da_notifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_da_notification_people'))
    )
    with op.batch_alter_table('da_notification_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_da_notification_people_notification_id'), ['notification_id'], unique=False)

    op.create_table('missing_episodes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('episode_type', sa.String(length=20), nullable=False),
    sa.Column('reported_by_kind', sa.String(length=20), nullable=False),
    sa.Column('child_person_id', sa.Uuid(), nullable=False),
    sa.Column('started_at', UTCDateTime(), nullable=False),
    sa.Column('returned_at', UTCDateTime(), nullable=True),
    sa.Column('interview_due_at', UTCDateTime(), nullable=True),
    sa.Column('interview_done_at', UTCDateTime(), nullable=True),
    sa.Column('sealed_details', sa.LargeBinary(), nullable=False),
    sa.Column('sealed_where_found', sa.LargeBinary(), nullable=True),
    sa.Column('sealed_interview', sa.LargeBinary(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_missing_episodes')),
    sa.UniqueConstraint('reference', name=op.f('uq_missing_episodes_reference'))
    )
    with op.batch_alter_table('missing_episodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_missing_episodes_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_missing_episodes_interview_due', ['interview_done_at', 'interview_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_missing_episodes_started_at'), ['started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('missing_episodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_missing_episodes_started_at'))
        batch_op.drop_index('ix_missing_episodes_interview_due')
        batch_op.drop_index(batch_op.f('ix_missing_episodes_created_at'))

    op.drop_table('missing_episodes')
    with op.batch_alter_table('da_notification_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_da_notification_people_notification_id'))

    op.drop_table('da_notification_people')
    with op.batch_alter_table('da_notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_da_notifications_received_at'))
        batch_op.drop_index(batch_op.f('ix_da_notifications_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_da_notifications_incident_at'))
        batch_op.drop_index(batch_op.f('ix_da_notifications_address_index'))

    op.drop_table('da_notifications')
    with op.batch_alter_table('triage_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_triage_meetings_opened_at'))

    op.drop_table('triage_meetings')

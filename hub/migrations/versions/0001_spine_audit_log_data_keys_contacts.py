"""spine: audit log, data keys, contacts

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('actor_sub', sa.String(length=200), nullable=False),
    sa.Column('actor_role', sa.String(length=40), nullable=False),
    sa.Column('actor_agency', sa.String(length=40), nullable=True),
    sa.Column('actor_team', sa.String(length=40), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('resource_kind', sa.String(length=40), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=True),
    sa.Column('resource_owner', sa.String(length=200), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=True),
    sa.Column('lawful_basis', sa.String(length=60), nullable=True),
    sa.Column('consent', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('subject_ids', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('entry_hash', name=op.f('uq_audit_entries_entry_hash'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_agency'), ['actor_agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_sub'), ['actor_sub'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_recorded_at'), ['recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_resource_id'), ['resource_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_resource_kind'), ['resource_kind'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    # The log starts empty, its head pointing at the genesis hash.
    head = sa.table('audit_head', sa.column('id', sa.Integer), sa.column('size', sa.BigInteger),
                    sa.column('head_hash', sa.String))
    op.bulk_insert(head, [{'id': 1, 'size': 0, 'head_hash': '0' * 64}])
    op.create_table('contacts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('referrer_kind', sa.String(length=20), nullable=False),
    sa.Column('submitted_by', sa.String(length=200), nullable=True),
    sa.Column('worries', sa.Text(), nullable=False),
    sa.Column('consent', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('idempotency_hash', sa.String(length=64), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('sealed_details', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('idempotency_hash', name=op.f('uq_contacts_idempotency_hash')),
    sa.UniqueConstraint('reference', name=op.f('uq_contacts_reference'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_submitted_by'), ['submitted_by'], unique=False)

    op.create_table('data_keys',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key_id', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('wrapped', sa.LargeBinary(), nullable=True),
    sa.Column('provider', sa.String(length=60), nullable=False),
    sa.Column('seal_count', sa.BigInteger(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('shredded_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_keys')),
    sa.UniqueConstraint('key_id', 'version', name=op.f('uq_data_keys_key_id'))
    )
    with op.batch_alter_table('data_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_keys_key_id'), ['key_id'], unique=False)

    op.create_table('contact_people',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('person_role', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_people_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_people'))
    )
    with op.batch_alter_table('contact_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_people_contact_id'), ['contact_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contact_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_people_contact_id'))

    op.drop_table('contact_people')
    with op.batch_alter_table('data_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_keys_key_id'))

    op.drop_table('data_keys')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_submitted_by'))
        batch_op.drop_index(batch_op.f('ix_contacts_status'))
        batch_op.drop_index(batch_op.f('ix_contacts_received_at'))

    op.drop_table('contacts')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_resource_kind'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_resource_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_outcome'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_sub'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_agency'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')

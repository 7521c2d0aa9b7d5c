"""spine: audit log, data keys, contacts

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

# SQLite only auto-assigns INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
EntryId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('tree_size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', UTCDateTime(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('tree_size', name=op.f('pk_audit_checkpoints'))
    )
    op.create_table('audit_entries',
    sa.Column('id', EntryId, autoincrement=True, nullable=False),
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
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_agency'), ['actor_agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_sub'), ['actor_sub'], unique=False)
        batch_op.create_index('ix_audit_entries_denied', ['id'], unique=False, sqlite_where=sa.text("outcome = 'denied'"), postgresql_where=sa.text("outcome = 'denied'"))
        batch_op.create_index(batch_op.f('ix_audit_entries_recorded_at'), ['recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_resource_id'), ['resource_id'], unique=False)

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

    op.create_table('audit_leaves',
    sa.Column('leaf_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('entry_id', EntryId, nullable=False),
    sa.Column('leaf_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['audit_entries.id'], name=op.f('fk_audit_leaves_entry_id_audit_entries')),
    sa.PrimaryKeyConstraint('leaf_index', name=op.f('pk_audit_leaves')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_audit_leaves_entry_id'))
    )
    op.create_table('audit_subjects',
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('entry_id', EntryId, nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['audit_entries.id'], name=op.f('fk_audit_subjects_entry_id_audit_entries')),
    sa.PrimaryKeyConstraint('subject_id', 'entry_id', name=op.f('pk_audit_subjects'))
    )
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
    op.drop_table('audit_subjects')
    op.drop_table('audit_leaves')
    with op.batch_alter_table('data_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_keys_key_id'))

    op.drop_table('data_keys')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_submitted_by'))
        batch_op.drop_index(batch_op.f('ix_contacts_status'))
        batch_op.drop_index(batch_op.f('ix_contacts_received_at'))

    op.drop_table('contacts')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_resource_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_recorded_at'))
        batch_op.drop_index('ix_audit_entries_denied', sqlite_where=sa.text("outcome = 'denied'"), postgresql_where=sa.text("outcome = 'denied'"))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_sub'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_agency'))

    op.drop_table('audit_entries')
    op.drop_table('audit_checkpoints')

"""agency stores: sealed agency records, their blind indexes, and the hub's person index

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agency_records',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('agency', sa.String(length=40), nullable=False),
    sa.Column('source_ref_index', sa.LargeBinary(length=32), nullable=True),
    sa.Column('row_digest', sa.LargeBinary(length=32), nullable=True),
    sa.Column('sealed_key', sa.LargeBinary(), nullable=True),
    sa.Column('key_version', sa.Integer(), nullable=True),
    sa.Column('sealed_identifiers', sa.LargeBinary(), nullable=True),
    sa.Column('sealed_content', sa.LargeBinary(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('shredded_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_records')),
    sa.UniqueConstraint('agency', 'source_ref_index', name=op.f('uq_agency_records_agency'))
    )
    with op.batch_alter_table('agency_records', schema=None) as batch_op:
        batch_op.create_index('ix_agency_records_agency_created', ['agency', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_agency_records_agency_key_version', ['agency', 'key_version'], unique=False)

    op.create_table('agency_record_index',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('pass_name', sa.String(length=40), nullable=False),
    sa.Column('agency', sa.String(length=40), nullable=False),
    sa.Column('blind', sa.LargeBinary(length=32), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['agency_records.id'], name=op.f('fk_agency_record_index_record_id_agency_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'pass_name', name=op.f('pk_agency_record_index'))
    )
    with op.batch_alter_table('agency_record_index', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_record_index_blind'), ['blind'], unique=False)

    op.create_table('person_index',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('store', sa.String(length=40), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('pass_name', sa.String(length=40), nullable=False),
    sa.Column('blind', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_index')),
    sa.UniqueConstraint('person_id', 'pass_name', name=op.f('uq_person_index_person_id'))
    )
    with op.batch_alter_table('person_index', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_index_blind'), ['blind'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_index_parent_id'), ['parent_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('person_index', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_index_parent_id'))
        batch_op.drop_index(batch_op.f('ix_person_index_blind'))

    op.drop_table('person_index')
    with op.batch_alter_table('agency_record_index', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_record_index_blind'))

    op.drop_table('agency_record_index')
    with op.batch_alter_table('agency_records', schema=None) as batch_op:
        batch_op.drop_index('ix_agency_records_agency_key_version')
        batch_op.drop_index('ix_agency_records_agency_created')

    op.drop_table('agency_records')

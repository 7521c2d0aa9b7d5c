"""enquiries, checks, disclosures, products, break-glass

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('break_glass_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('agency', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('opened_by', sa.String(length=200), nullable=False),
    sa.Column('opened_at', UTCDateTime(), nullable=False),
    sa.Column('review_due_at', UTCDateTime(), nullable=False),
    sa.Column('sealed_reason', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_break_glass_events'))
    )
    with op.batch_alter_table('break_glass_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_break_glass_events_agency'), ['agency'], unique=False)

    op.create_table('enquiries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('rag', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_by', sa.String(length=200), nullable=False),
    sa.Column('opened_at', UTCDateTime(), nullable=False),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_enquiries_contact_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enquiries')),
    sa.UniqueConstraint('contact_id', name=op.f('uq_enquiries_contact_id'))
    )
    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enquiries_status'), ['status'], unique=False)

    op.create_table('check_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enquiry_id', sa.Uuid(), nullable=False),
    sa.Column('agency', sa.String(length=40), nullable=False),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('requested_at', UTCDateTime(), nullable=False),
    sa.Column('due_at', UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('answered_at', UTCDateTime(), nullable=True),
    sa.Column('answered_by', sa.String(length=200), nullable=True),
    sa.Column('sealed_question', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiries.id'], name=op.f('fk_check_requests_enquiry_id_enquiries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_requests'))
    )
    with op.batch_alter_table('check_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_requests_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_requests_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_requests_enquiry_id'), ['enquiry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_requests_status'), ['status'], unique=False)

    op.create_table('information_products',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enquiry_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('proposed_outcome', sa.String(length=40), nullable=False),
    sa.Column('receiving_team', sa.String(length=40), nullable=True),
    sa.Column('disclosure_ids', sa.Text(), nullable=False),
    sa.Column('sealed_analysis', sa.LargeBinary(), nullable=False),
    sa.Column('compiled_by', sa.String(length=200), nullable=False),
    sa.Column('compiled_at', UTCDateTime(), nullable=False),
    sa.Column('authorised_by', sa.String(length=200), nullable=True),
    sa.Column('authorised_at', UTCDateTime(), nullable=True),
    sa.Column('disseminated_by', sa.String(length=200), nullable=True),
    sa.Column('disseminated_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiries.id'], name=op.f('fk_information_products_enquiry_id_enquiries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_information_products'))
    )
    with op.batch_alter_table('information_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_information_products_disseminated_at'), ['disseminated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_information_products_enquiry_id'), ['enquiry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_information_products_receiving_team'), ['receiving_team'], unique=False)
        batch_op.create_index(batch_op.f('ix_information_products_status'), ['status'], unique=False)

    op.create_table('disclosures',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('check_request_id', sa.Uuid(), nullable=False),
    sa.Column('enquiry_id', sa.Uuid(), nullable=False),
    sa.Column('agency', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=True),
    sa.Column('lawful_basis', sa.String(length=60), nullable=True),
    sa.Column('consent', sa.String(length=20), nullable=True),
    sa.Column('caveat', sa.String(length=40), nullable=True),
    sa.Column('released_for_onward', sa.Boolean(), nullable=False),
    sa.Column('released_by', sa.String(length=200), nullable=True),
    sa.Column('released_at', UTCDateTime(), nullable=True),
    sa.Column('sealed_content', sa.LargeBinary(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('disclosed_by', sa.String(length=200), nullable=False),
    sa.Column('disclosed_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['check_request_id'], ['check_requests.id'], name=op.f('fk_disclosures_check_request_id_check_requests')),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiries.id'], name=op.f('fk_disclosures_enquiry_id_enquiries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosures'))
    )
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosures_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosures_check_request_id'), ['check_request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosures_enquiry_id'), ['enquiry_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosures_enquiry_id'))
        batch_op.drop_index(batch_op.f('ix_disclosures_check_request_id'))
        batch_op.drop_index(batch_op.f('ix_disclosures_agency'))

    op.drop_table('disclosures')
    with op.batch_alter_table('information_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_information_products_status'))
        batch_op.drop_index(batch_op.f('ix_information_products_receiving_team'))
        batch_op.drop_index(batch_op.f('ix_information_products_enquiry_id'))
        batch_op.drop_index(batch_op.f('ix_information_products_disseminated_at'))

    op.drop_table('information_products')
    with op.batch_alter_table('check_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_requests_status'))
        batch_op.drop_index(batch_op.f('ix_check_requests_enquiry_id'))
        batch_op.drop_index(batch_op.f('ix_check_requests_due_at'))
        batch_op.drop_index(batch_op.f('ix_check_requests_agency'))

    op.drop_table('check_requests')
    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enquiries_status'))

    op.drop_table('enquiries')
    with op.batch_alter_table('break_glass_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_break_glass_events_agency'))

    op.drop_table('break_glass_events')

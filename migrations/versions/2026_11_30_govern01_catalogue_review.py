"""Governance: a catalogue's review by the district office (submitted, returned with comments,
approved) before publication, and a decision's public reason for being issued without a
public consultation.

Revision ID: govern01
Revises: redline01
Create Date: 2026-11-30 23:59:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'govern01'
down_revision = 'redline01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decision_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_consultation_reason', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('yearly_catalogue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_status', sa.String(length=12), server_default='draft', nullable=False))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('returned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('review_comment', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_yearly_catalogue_reviewed_by_id_account'), 'account',
                                    ['reviewed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(
            'review_status_known', "review_status IN ('draft', 'submitted', 'returned', 'approved')")
    # Catalogues published before the review existed count as approved.
    op.execute("UPDATE yearly_catalogue SET review_status = 'approved' WHERE published_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('yearly_catalogue', schema=None) as batch_op:
        batch_op.drop_constraint('review_status_known', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_yearly_catalogue_reviewed_by_id_account'), type_='foreignkey')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('review_comment')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('returned_at')
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('review_status')

    with op.batch_alter_table('decision_item', schema=None) as batch_op:
        batch_op.drop_column('no_consultation_reason')

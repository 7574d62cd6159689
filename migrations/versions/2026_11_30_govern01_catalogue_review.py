"""Governance: a catalogue's review by the district office (submitted, returned with comments,
approved) before publication, and a decision's public reason for being issued without a
public consultation.

Revision ID: govern01
Revises: oversight01
Create Date: 2026-11-30 23:59:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'govern01'
down_revision = "oversight01"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table rebuild on SQLite: decision_item and yearly_catalogue are
    # referenced by other tables' rows).
    op.add_column('decision_item', sa.Column('no_consultation_reason', sa.Text(), server_default='', nullable=False))
    op.add_column('yearly_catalogue', sa.Column('review_status', sa.String(length=12), server_default='draft',
                                                nullable=False))
    op.add_column('yearly_catalogue', sa.Column('submitted_at', sa.DateTime(), nullable=True))
    op.add_column('yearly_catalogue', sa.Column('returned_at', sa.DateTime(), nullable=True))
    op.add_column('yearly_catalogue', sa.Column('approved_at', sa.DateTime(), nullable=True))
    op.add_column('yearly_catalogue', sa.Column('review_comment', sa.Text(), server_default='', nullable=False))
    # Who reviewed, without a foreign key (SQLite cannot add one to an existing table); the audit
    # log names the reviewer of each step.
    op.add_column('yearly_catalogue', sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot add a CHECK to an existing table
        op.create_check_constraint('ck_yearly_catalogue_review_status_known', 'yearly_catalogue',
                                   "review_status IN ('draft', 'submitted', 'returned', 'approved')")
    # Catalogues published before the review existed count as approved.
    op.execute("UPDATE yearly_catalogue SET review_status = 'approved' WHERE published_at IS NOT NULL")


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+), no table rebuild: these tables are referenced by others.
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('ck_yearly_catalogue_review_status_known', 'yearly_catalogue', type_='check')
    for column in ('reviewed_by_id', 'review_comment', 'approved_at', 'returned_at', 'submitted_at',
                   'review_status'):
        op.drop_column('yearly_catalogue', column)
    op.drop_column('decision_item', 'no_consultation_reason')

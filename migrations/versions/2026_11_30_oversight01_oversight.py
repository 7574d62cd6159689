"""Oversight: the last notified state of each unit's yearly target, the months reminded, and the
published versions of each year's assessment.

Revision ID: oversight01
Revises: redline01
Create Date: 2026-12-01 00:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'oversight01'
down_revision = 'redline01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oversight_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_oversight_notice_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oversight_notice')),
    sa.UniqueConstraint('unit_id', 'year', 'target', name='uq_oversight_notice_target')
    )
    op.create_table('oversight_monthly_reminder',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_oversight_monthly_reminder'))
    )
    op.create_table('oversight_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['account.id'], name=op.f('fk_oversight_assessment_published_by_id_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oversight_assessment')),
    sa.UniqueConstraint('year', 'version', name='uq_oversight_assessment_version')
    )
    with op.batch_alter_table('oversight_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oversight_assessment_year'), ['year'], unique=False)
    # The dashboard's counts read these indexes alone (portal/oversight/models.py).
    with op.batch_alter_table('decision_item', schema=None) as batch_op:
        batch_op.create_index('ix_decision_item_issued', ['status', 'issue_date', 'unit_id'], unique=False)
        batch_op.create_index('ix_decision_item_year_kind_unit', ['year', 'kind', 'unit_id'], unique=False)
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_report_deadline', ['decision_id', 'published_at', 'due_on', 'due_provisional'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_report_deadline')
    with op.batch_alter_table('decision_item', schema=None) as batch_op:
        batch_op.drop_index('ix_decision_item_year_kind_unit')
        batch_op.drop_index('ix_decision_item_issued')
    with op.batch_alter_table('oversight_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oversight_assessment_year'))
    op.drop_table('oversight_assessment')
    op.drop_table('oversight_monthly_reminder')
    op.drop_table('oversight_notice')

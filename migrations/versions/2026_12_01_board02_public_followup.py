"""Message board: a published message shows the whole exchange after a follow-up (the first
reply and the follow-up question, personal data hidden), not the question and the second reply.

Revision ID: board02
Revises: regperf01
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

revision = "board02"
down_revision = "regperf01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("board_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_first_reply", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("public_followup", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("board_message", schema=None) as batch_op:
        batch_op.drop_column("public_followup")
        batch_op.drop_column("public_first_reply")

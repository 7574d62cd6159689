"""Outbox: an attachment made when the email is sent ("maker:argument"), so that a registration
does not draw its check-in QR image inside the request.

Revision ID: regperf01
Revises: crowd01
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

revision = "regperf01"
down_revision = "crowd01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_recipe", sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.drop_column("attachment_recipe")

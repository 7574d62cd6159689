"""Accounts: verification of the email address or mobile number (verified_at, the pending code).

Existing residents are left unverified: they verify their login the next time they comment or
sign up. Staff and admin accounts need no verification.

Revision ID: acct01
Revises: meet01
Create Date: 2026-11-30 20:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "acct01"
down_revision = "meet01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("verify_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("verify_code_expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("verify_attempts", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("verify_attempts")
        batch_op.drop_column("verify_code_expires_at")
        batch_op.drop_column("verify_code_hash")
        batch_op.drop_column("verified_at")

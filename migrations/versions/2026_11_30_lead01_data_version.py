"""The data version counter of the page cache, bumped inside every commit that writes an audit
entry (replaces "newest audit id", which PostgreSQL assigns at insert, not at commit).

Revision ID: lead01
Revises: 060f13ffa9aa
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op

revision = "lead01"
down_revision = "060f13ffa9aa"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.execute("INSERT INTO data_version (id, n) VALUES (1, 0)")


def downgrade():
    op.drop_table("data_version")

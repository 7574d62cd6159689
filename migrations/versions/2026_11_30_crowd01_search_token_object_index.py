"""Search: the index of an object's tokens also holds the token, so that checking one term of one
object (a Latin word's range, or the Chinese terms of a long query) is one index seek that reads no
table rows.

Revision ID: crowd01
Revises: exports01
Create Date: 2026-11-30

"""
from alembic import op

revision = "crowd01"
down_revision = "exports01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("search_token", schema=None) as batch_op:
        batch_op.drop_index("ix_search_token_object")
        batch_op.create_index("ix_search_token_object", ["object_type", "object_id", "token"], unique=False)


def downgrade():
    with op.batch_alter_table("search_token", schema=None) as batch_op:
        batch_op.drop_index("ix_search_token_object")
        batch_op.create_index("ix_search_token_object", ["object_type", "object_id"], unique=False)

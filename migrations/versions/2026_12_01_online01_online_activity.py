"""Open days: online open activities (线上开放活动). The kind ``online`` joins the known kinds; an
online activity has its https address (``online_url``, only it has one) and no ID check at a door.

Revision ID: online01
Revises: board02
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

revision = "online01"
down_revision = "board02"
branch_labels = None
depends_on = None

KINDS_OLD = "kind IN ('open_day', 'open_week', 'open_month')"
KINDS_NEW = "kind IN ('open_day', 'open_week', 'open_month', 'online')"
URL_IFF_ONLINE = "(kind = 'online') = (online_url IS NOT NULL)"
NO_ID_CHECK = "kind != 'online' OR NOT id_check_required"


def upgrade():
    # On SQLite the table is rebuilt: migrations/env.py turns foreign keys off for the run, so the
    # rebuild's DROP does not cascade to the slots and registrations.
    with op.batch_alter_table("open_activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("online_url", sa.String(length=500), nullable=True))
        batch_op.drop_constraint(op.f("ck_open_activity_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_open_activity_kind_known"), KINDS_NEW)
        batch_op.create_check_constraint(op.f("ck_open_activity_online_url_iff_online"), URL_IFF_ONLINE)
        batch_op.create_check_constraint(op.f("ck_open_activity_online_no_id_check"), NO_ID_CHECK)


def downgrade():
    # Online activities cannot be kept under the old kinds: downgrading refuses while there are any.
    with op.batch_alter_table("open_activity", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_open_activity_online_no_id_check"), type_="check")
        batch_op.drop_constraint(op.f("ck_open_activity_online_url_iff_online"), type_="check")
        batch_op.drop_constraint(op.f("ck_open_activity_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_open_activity_kind_known"), KINDS_OLD)
        batch_op.drop_column("online_url")

"""Open days: online open activities (线上开放活动). The kind ``online`` joins the known kinds; an
online activity has its https address (``online_url``, only it has one) and no ID check at a door.

Revision ID: online01
Revises: board02
Create Date: 2026-12-01

"""
from contextlib import contextmanager

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


@contextmanager
def _foreign_keys_off_on_sqlite():
    """On SQLite a CHECK constraint cannot be altered: the batch rebuilds the table (copy, DROP,
    rename). With foreign keys on (every connection of the portal), that DROP deletes the rows of
    open_activity first and ON DELETE CASCADE takes every slot, registration, answer and summary
    item with them. So, as SQLite's own procedure for a table rebuild says: foreign keys off
    (outside a transaction: the pragma does nothing inside one), rebuild, check the references,
    commit, foreign keys on again. PostgreSQL alters the table in place: nothing to do."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()  # alembic does not hold DDL in a transaction on SQLite (transactional_ddl False)
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    assert bind.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    try:
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"open_activity rebuild left broken references: {broken[:5]}")
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade():
    with _foreign_keys_off_on_sqlite(), op.batch_alter_table("open_activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("online_url", sa.String(length=500), nullable=True))
        batch_op.drop_constraint(op.f("ck_open_activity_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_open_activity_kind_known"), KINDS_NEW)
        batch_op.create_check_constraint(op.f("ck_open_activity_online_url_iff_online"), URL_IFF_ONLINE)
        batch_op.create_check_constraint(op.f("ck_open_activity_online_no_id_check"), NO_ID_CHECK)


def downgrade():
    # Online activities cannot be kept under the old kinds: downgrading refuses while there are any.
    with _foreign_keys_off_on_sqlite(), op.batch_alter_table("open_activity", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_open_activity_online_no_id_check"), type_="check")
        batch_op.drop_constraint(op.f("ck_open_activity_online_url_iff_online"), type_="check")
        batch_op.drop_constraint(op.f("ck_open_activity_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_open_activity_kind_known"), KINDS_OLD)
        batch_op.drop_column("online_url")

"""Personal data in comments is published redacted: consultation_comment.public_text and
pii_findings, consultation_offline_opinion.public_summary and pii_findings.

The backfill is done here (not by a separate command), so that no existing comment is published
as typed after the upgrade: every existing text goes through ``portal.privacy``, and the offline
summaries already frozen in published feedback reports are redacted the same way.

Revision ID: privacy01
Revises: lead01
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op

from portal import privacy

revision = "privacy01"
down_revision = "lead01"
branch_labels = None
depends_on = None

BATCH = 1000


def _backfill(table: str, source: str, target: str) -> None:
    conn = op.get_bind()
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(source, sa.Text), sa.column(target, sa.Text),
                    sa.column("pii_findings", sa.JSON))
    update = rows.update().where(rows.c.id == sa.bindparam("row_id")).values(
        {target: sa.bindparam("public"), "pii_findings": sa.bindparam("findings", type_=sa.JSON)})
    last = 0
    while True:
        batch = conn.execute(sa.select(rows.c.id, rows.c[source]).where(rows.c.id > last)
                             .order_by(rows.c.id).limit(BATCH)).all()
        if not batch:
            return
        params = []
        for row_id, value in batch:
            public, findings = privacy.scrub(value or "")
            params.append({"row_id": row_id, "public": public, "findings": findings})
        conn.execute(update, params)
        last = batch[-1][0]


def _redact_frozen_reports() -> None:
    conn = op.get_bind()
    versions = sa.table("feedback_report_version", sa.column("id", sa.Integer), sa.column("statistics", sa.JSON))
    for row_id, statistics in conn.execute(sa.select(versions.c.id, versions.c.statistics)).all():
        records = (statistics or {}).get("offline_records") or []
        changed = False
        for record in records:
            public = privacy.scrub(record.get("summary") or "")[0]
            if public != record.get("summary"):
                record["summary"], changed = public, True
        if changed:
            conn.execute(versions.update().where(versions.c.id == row_id).values(statistics=statistics))


def upgrade():
    with op.batch_alter_table("consultation_comment") as batch:
        batch.add_column(sa.Column("public_text", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("pii_findings", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    with op.batch_alter_table("consultation_offline_opinion") as batch:
        batch.add_column(sa.Column("public_summary", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("pii_findings", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    _backfill("consultation_comment", "text", "public_text")
    _backfill("consultation_offline_opinion", "summary", "public_summary")
    _redact_frozen_reports()


def downgrade():
    with op.batch_alter_table("consultation_offline_opinion") as batch:
        batch.drop_column("pii_findings")
        batch.drop_column("public_summary")
    with op.batch_alter_table("consultation_comment") as batch:
        batch.drop_column("pii_findings")
        batch.drop_column("public_text")

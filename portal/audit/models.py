from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, BigInteger, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import Model


class AuditEntry(Model):
    """An audit entry (操作留痕). Rows are never updated or deleted: the ORM refuses it and so do
    database triggers (see below), on SQLite and PostgreSQL alike."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"), index=True)
    # Kept as text so that the entry still says who acted after an account is deleted.
    actor_label: Mapped[str] = mapped_column(String(120), default="")
    unit_id: Mapped[int | None] = mapped_column(index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(60), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(String(500), default="")
    ip: Mapped[str | None] = mapped_column(String(45))

    actor = relationship("Account", lazy="joined")


class DataVersion(Model):
    """One row counting the commits that changed public data (every commit that wrote an audit
    entry bumps it, inside that commit). The page cache compares copies against it: unlike the
    newest audit id, which PostgreSQL assigns at insert, it moves exactly when a change becomes
    visible, whatever order concurrent transactions commit in."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise AppendOnlyError("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AppendOnlyError("audit entries are append-only")


# The same rule in the database. The migration creates these triggers too (for upgrades).
# One update is allowed: the foreign key's ON DELETE SET NULL clearing ``actor_id`` when an account
# is erased (PIPL), with every other column unchanged; ``actor_label`` still says who acted.
_SQLITE_ONLY_ACTOR_CLEARED = " AND ".join(
    ["NEW.actor_id IS NULL", "OLD.actor_id IS NOT NULL"]
    + [f'NEW."{c}" IS OLD."{c}"' for c in ("id", "at", "actor_label", "unit_id", "object_type",
                                            "object_id", "action", "before", "after", "summary", "ip")]
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    f"WHEN NOT ({_SQLITE_ONLY_ACTOR_CLEARED}) "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
]
POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ "
    "BEGIN "
    "IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL "
    "AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'audit entries are append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
]

for statement in SQLITE_TRIGGERS:
    event.listen(AuditEntry.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_TRIGGERS:
    event.listen(AuditEntry.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))

"""The append-only audit log: record(), ORM and database refusals, the admin filters."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from portal.audit.models import AppendOnlyError, AuditEntry
from portal.audit.services import record, snapshot
from portal.extensions import db


def test_record_writes_actor_time_object_action_before_after(app, f):
    app.config["CLOCK_NOW"] = datetime(2026, 3, 2, 9, 30)
    unit = f.unit()
    staff = f.staff(unit, name="李工作")
    before = snapshot(unit, ["name", "phone"])
    unit.phone = "021-1234 5678"
    entry = record(staff, "unit.update", unit, before=before, after=snapshot(unit, ["name", "phone"]),
                   summary="phone changed")
    db.session.commit()
    stored = db.session.get(AuditEntry, entry.id)
    assert stored.at == datetime(2026, 3, 2, 9, 30)
    assert stored.actor_id == staff.id and stored.actor_label == "李工作 (staff)"
    assert (stored.object_type, stored.object_id, stored.action) == ("unit", unit.id, "unit.update")
    assert stored.before["phone"] == "021-0000 0000" and stored.after["phone"] == "021-1234 5678"
    assert stored.summary == "phone changed"


def test_record_for_residents_and_the_system(f):
    resident = f.resident(name="张三")
    entry = record(resident, "x.y", object_type="thing", object_id=7, after={"when": datetime(2026, 1, 1)})
    assert entry.actor_label == f"resident #{resident.id}"  # no resident name in the log
    assert entry.after == {"when": "2026-01-01T00:00:00"}
    system = record(None, "calendar.load_year", object_type="calendar_year", object_id=2026)
    assert system.actor_id is None and system.actor_label == "system"


def test_orm_update_and_delete_are_refused(f):
    entry = record(None, "x.y", object_type="thing", object_id=1)
    db.session.commit()
    entry.action = "changed"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).action == "x.y"


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET action = 'forged'",
    "UPDATE audit_entry SET before = NULL",
    "DELETE FROM audit_entry",
])
def test_raw_sql_update_and_delete_are_refused_by_the_database(f, statement):
    record(f.admin(), "x.y", object_type="thing", object_id=1, before={"a": 1})
    db.session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.execute(text("SELECT action FROM audit_entry")).scalar() == "x.y"


def test_deleting_an_actor_keeps_their_entries(f):
    """The FK's ON DELETE SET NULL is the one update the triggers allow (accounts can be erased)."""
    resident = f.resident()
    entry = record(resident, "x.y", object_type="thing", object_id=1)
    db.session.commit()
    db.session.delete(resident)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEntry, entry.id)
    assert stored.actor_id is None and stored.actor_label == f"resident #{resident.id}"
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE audit_entry SET actor_id = NULL, action = 'forged'"))
    db.session.rollback()


@pytest.fixture
def entries(app, f):
    unit_a, unit_b = f.unit(), f.unit()
    admin = f.admin()
    app.config["CLOCK_NOW"] = datetime(2026, 1, 10, 12, 0)
    record(admin, "unit.update", unit_a, summary="alpha-jan")
    app.config["CLOCK_NOW"] = datetime(2026, 2, 10, 12, 0)
    record(admin, "unit.create", unit_b, summary="beta-feb")
    app.config["CLOCK_NOW"] = datetime(2026, 3, 10, 23, 59)
    record(admin, "account.create", admin, summary="gamma-mar")
    app.config["CLOCK_NOW"] = None
    db.session.commit()
    return unit_a, unit_b, admin


def _shown(client, query):
    response = client.get("/admin/audit" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return {s for s in ("alpha-jan", "beta-feb", "gamma-mar") if s in html}


def test_audit_page_filters(client, login, entries):
    unit_a, unit_b, admin = entries
    login(admin)
    assert _shown(client, "") == {"alpha-jan", "beta-feb", "gamma-mar"}
    assert _shown(client, "?object_type=unit") == {"alpha-jan", "beta-feb"}
    assert _shown(client, f"?object_type=unit&object_id={unit_b.id}") == {"beta-feb"}
    assert _shown(client, "?action=unit.") == {"alpha-jan", "beta-feb"}
    assert _shown(client, "?action=account.create") == {"gamma-mar"}
    assert _shown(client, f"?unit_id={unit_a.id}") == {"alpha-jan"}
    assert _shown(client, "?since=2026-02-01") == {"beta-feb", "gamma-mar"}
    assert _shown(client, "?until=2026-02-10") == {"alpha-jan", "beta-feb"}
    assert _shown(client, "?since=2026-03-10&until=2026-03-10") == {"gamma-mar"}
    assert _shown(client, f"?actor_id={admin.id}") == {"alpha-jan", "beta-feb", "gamma-mar"}
    # Bad filter values are ignored, never a server error.
    assert _shown(client, "?since=yesterday&object_id=abc") == {"alpha-jan", "beta-feb", "gamma-mar"}

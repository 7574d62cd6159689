"""Admin account pages and the create-admin command."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Account
from portal.audit.models import AuditEntry
from portal.extensions import db

from .conftest import form_login


def _admin(f, login):
    admin = f.admin()
    db.session.commit()
    login(admin)
    return admin


def test_admin_creates_staff_bound_to_a_unit(client, f, login):
    admin = _admin(f, login)
    unit = f.unit()
    db.session.commit()
    assert client.get("/admin/accounts/new").status_code == 200
    response = client.post("/admin/accounts/new", data={
        "login": "staff.new@example.gov.cn", "name": "新工作人员", "role": "staff", "unit_id": unit.id,
        "password": "Initial-Pass-2026"})
    assert response.status_code == 302
    account = db.session.scalar(select(Account).where(Account.email == "staff.new@example.gov.cn"))
    assert account.role == "staff" and account.unit_id == unit.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.create",
                                                       AuditEntry.object_id == account.id))
    assert entry.actor_id == admin.id and entry.after == {"role": "staff", "unit_id": unit.id}
    # The new staff member can log in and reach the staff page.
    client.post("/auth/logout")
    assert form_login(client, "staff.new@example.gov.cn", "Initial-Pass-2026").status_code == 302
    assert client.get("/staff").status_code == 200


def test_staff_account_needs_a_unit(client, f, login):
    _admin(f, login)
    response = client.post("/admin/accounts/new", data={
        "login": "nounit@example.gov.cn", "name": "无单位", "role": "staff", "unit_id": 0,
        "password": "Initial-Pass-2026"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Staff accounts must belong to a unit." in html
    assert 'value="nounit@example.gov.cn"' in html
    assert db.session.scalar(select(Account).where(Account.email == "nounit@example.gov.cn")) is None


def test_admin_creates_another_admin_without_unit(client, f, login):
    _admin(f, login)
    response = client.post("/admin/accounts/new", data={
        "login": "13700000001", "name": "第二管理员", "role": "admin", "unit_id": 0,
        "password": "Initial-Pass-2026"})
    assert response.status_code == 302
    account = db.session.scalar(select(Account).where(Account.mobile == "13700000001"))
    assert account.role == "admin" and account.unit_id is None


def test_admin_create_refuses_duplicates_and_weak_passwords(client, f, login):
    _admin(f, login)
    f.resident(email="dup@example.com")
    db.session.commit()
    response = client.post("/admin/accounts/new", data={
        "login": "dup@example.com", "name": "重复", "role": "admin", "unit_id": 0, "password": "Initial-Pass-2026"})
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)
    response = client.post("/admin/accounts/new", data={
        "login": "weak@example.com", "name": "弱", "role": "admin", "unit_id": 0, "password": "12345678"})
    assert response.status_code == 422 and "too common" in response.get_data(as_text=True)


def test_admin_edits_role_and_unit(client, f, login):
    admin = _admin(f, login)
    unit_a, unit_b = f.unit(), f.unit()
    staff = f.staff(unit_a)
    resident = f.resident()
    db.session.commit()
    page = client.get(f"/admin/accounts/{staff.id}")
    assert page.status_code == 200
    assert client.post(f"/admin/accounts/{staff.id}", data={"role": "staff", "unit_id": unit_b.id}).status_code == 302
    assert db.session.get(Account, staff.id).unit_id == unit_b.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.change_role"))
    assert entry.before == {"role": "staff", "unit_id": unit_a.id}
    assert entry.after == {"role": "staff", "unit_id": unit_b.id}
    assert entry.actor_id == admin.id
    # A resident made staff without a unit is refused; with a unit it works.
    response = client.post(f"/admin/accounts/{resident.id}", data={"role": "staff", "unit_id": 0})
    assert response.status_code == 422 and "must belong to a unit" in response.get_data(as_text=True)
    assert db.session.get(Account, resident.id).role == "resident"
    assert client.post(f"/admin/accounts/{resident.id}", data={"role": "staff", "unit_id": unit_a.id}).status_code == 302
    # Back to resident drops the unit.
    assert client.post(f"/admin/accounts/{resident.id}", data={"role": "resident", "unit_id": unit_a.id}).status_code == 302
    account = db.session.get(Account, resident.id)
    assert account.role == "resident" and account.unit_id is None


def test_admin_cannot_demote_or_deactivate_self(client, f, login):
    admin = _admin(f, login)
    response = client.post(f"/admin/accounts/{admin.id}", data={"role": "resident", "unit_id": 0})
    assert response.status_code == 422
    assert db.session.get(Account, admin.id).role == "admin"
    client.post(f"/admin/accounts/{admin.id}/active")
    assert db.session.get(Account, admin.id).is_active_flag is True


def test_admin_deactivates_and_reactivates_an_account(app, client, f, login):
    _admin(f, login)
    staff = f.staff(email="staff@example.gov.cn")
    db.session.commit()
    staff_client = app.test_client()
    assert form_login(staff_client, "staff@example.gov.cn").status_code == 302
    assert staff_client.get("/staff").status_code == 200
    assert client.post(f"/admin/accounts/{staff.id}/active").status_code == 302
    assert db.session.get(Account, staff.id).is_active_flag is False
    assert staff_client.get("/staff").status_code == 302  # session ended
    assert form_login(staff_client, "staff@example.gov.cn").status_code == 422
    assert client.post(f"/admin/accounts/{staff.id}/active").status_code == 302
    assert form_login(staff_client, "staff@example.gov.cn").status_code == 302
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == staff.id,
                                                                 AuditEntry.object_type == "account")).all()
    assert "account.deactivate" in actions and "account.activate" in actions


def test_account_list_filters(client, f, login):
    _admin(f, login)
    f.resident(name="甲居民", email="jia@example.com")
    f.staff(name="乙员工", email="yi@example.gov.cn")
    db.session.commit()
    html = client.get("/admin/accounts?role=staff").get_data(as_text=True)
    assert "乙员工" in html and "甲居民" not in html
    html = client.get("/admin/accounts?q=jia").get_data(as_text=True)
    assert "甲居民" in html and "乙员工" not in html


def test_admin_pages_render(client, f, login):
    _admin(f, login)
    for url in ("/admin", "/admin/accounts", "/admin/accounts/new", "/admin/units", "/admin/units/new",
                "/admin/audit", "/admin/calendar", "/admin/calendar/2026", "/staff"):
        assert client.get(url).status_code == 200, url


def test_cli_create_admin(app, runner):
    result = runner.invoke(args=["users", "create-admin", "--login", "Chief@Example.gov.cn", "--name", "主任",
                                 "--password", "Very-Strong-Pass-42"])
    assert result.exit_code == 0, result.output
    assert "admin account chief@example.gov.cn created" in result.output
    account = db.session.scalar(select(Account).where(Account.email == "chief@example.gov.cn"))
    assert account.role == "admin" and account.password_hash.startswith("$argon2id$")
    again = runner.invoke(args=["users", "create-admin", "--login", "chief@example.gov.cn", "--name", "主任",
                                "--password", "Very-Strong-Pass-42"])
    assert again.exit_code != 0 and "Error:" in again.output
    weak = runner.invoke(args=["users", "create-admin", "--login", "x@example.gov.cn", "--name", "X",
                               "--password", "password123"])
    assert weak.exit_code != 0 and "Error:" in weak.output
    assert len(db.session.scalars(select(Account)).all()) == 1


def test_cli_create_admin_prompts_for_the_password_twice(app, runner):
    result = runner.invoke(args=["users", "create-admin", "--login", "13600000000", "--name", "主任"],
                           input="Very-Strong-Pass-42\nVery-Strong-Pass-42\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Account.role).where(Account.mobile == "13600000000")) == "admin"

"""Demo data command, personal data export (/me/export.json) and account deletion."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Account
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notifications.models import InboxMessage
from portal.notifications.services import notify
from portal.units.models import Unit
from tests.factories import PASSWORD


@pytest.fixture
def foundation_only(monkeypatch):
    """The foundation's part of the demo (features add theirs to FEATURE_DEMOS and test it)."""
    import portal.demo

    monkeypatch.setattr(portal.demo, "FEATURE_DEMOS", [])


def test_seed_demo_loads_once(app, runner, foundation_only):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Unit.id))) == 8
    roles = dict(db.session.execute(select(Account.role, func.count()).group_by(Account.role)).all())
    assert roles == {"admin": 1, "staff": 8, "resident": 8}
    assert all(a.unit_id for a in db.session.scalars(select(Account).where(Account.role == "staff")))
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already has data" in again.output
    assert db.session.scalar(select(func.count(Unit.id))) == 8


def test_demo_accounts_can_log_in(app, runner, client, foundation_only):
    from portal.demo import DEMO_PASSWORD_ADMIN

    runner.invoke(args=["seed-demo"])
    response = client.post("/auth/login", data={"login": "admin@qingsong.example.gov.cn",
                                                "password": DEMO_PASSWORD_ADMIN})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin")


def test_export_contains_the_accounts_data(client, f, login):
    account = f.resident(name="张晓明", email="zhang@example.com", mobile="13912345678")
    notify(account, "欢迎", "欢迎使用")
    stranger = f.resident(name="别人", email="other@example.com")
    notify(stranger, "别人的消息")
    db.session.commit()
    login(account)
    response = client.get("/me/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["name"] == "张晓明" and data["account"]["email"] == "zhang@example.com"
    assert data["account"]["mobile"] == "13912345678"
    assert [m["subject"] for m in data["inbox"]] == ["欢迎"]
    assert "password_hash" not in json.dumps(data) and "other@example.com" not in json.dumps(data)
    assert client.get("/me").status_code == 200


def test_resident_deletes_the_account_with_the_password(client, f, login):
    account = f.resident(email="zhang@example.com")
    notify(account, "欢迎")
    db.session.commit()
    account_id = account.id
    login(account)
    response = client.post("/me/delete", data={"password": "wrong-password", "confirm": "y"})
    assert response.status_code == 422 and "The password is not correct." in response.get_data(as_text=True)
    assert db.session.get(Account, account_id) is not None
    response = client.post("/me/delete", data={"password": PASSWORD})  # no confirmation
    assert response.status_code == 422
    response = client.post("/me/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Account, account_id) is None
    assert db.session.scalar(select(func.count(InboxMessage.id))) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert entry.object_id == account_id and entry.actor_id is None
    assert entry.actor_label == f"resident #{account_id}"
    assert client.get("/me").status_code == 302  # logged out
    assert client.post("/auth/login", data={"login": "zhang@example.com", "password": PASSWORD}).status_code == 422


def test_registered_resident_can_delete_the_account(client, register_data):
    """Registration writes an audit entry about the account: deletion must still work."""
    assert client.post("/auth/register", data=register_data).status_code == 302
    from tests.factories import sent_code

    assert client.post("/auth/verify", data={"code": sent_code(register_data["login"])}).status_code == 302
    response = client.post("/me/delete", data={"password": register_data["password"], "confirm": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Account.id))) == 0


def test_staff_and_admins_cannot_delete_themselves(client, f, login):
    staff = f.staff()
    db.session.commit()
    login(staff)
    response = client.post("/me/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 422
    assert "closed by an administrator" in response.get_data(as_text=True)
    assert db.session.get(Account, staff.id) is not None

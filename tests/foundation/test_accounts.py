"""Resident registration, login and logout, password change, deactivation, next-URL safety."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Account
from portal.auth.routes import safe_next
from portal.auth.services import normalise_login
from portal.errors import UserInputError
from portal.extensions import db
from tests.factories import PASSWORD, sent_code

from .conftest import form_login


def count_accounts() -> int:
    return db.session.scalar(select(func.count(Account.id)))


# --- registration --------------------------------------------------------------------------------

def test_register_with_email_asks_for_the_code_and_hashes_with_argon2id(client, register_data):
    response = client.post("/auth/register", data=register_data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/verify")
    account = db.session.scalar(select(Account).where(Account.email == "new.resident@example.com"))
    assert account.role == "resident" and account.mobile is None and account.verified_at is None
    assert account.password_hash.startswith("$argon2id$")
    assert "Tiger-Lantern-58" not in account.password_hash
    # The code from the email activates the account and logs this browser in.
    code = sent_code("new.resident@example.com")
    assert client.post("/auth/verify", data={"code": code}).status_code == 302
    assert client.get("/me").status_code == 200


def test_register_email_is_normalised_to_lower_case(client, register_data):
    register_data["login"] = "  Mixed.Case@Example.COM "
    assert client.post("/auth/register", data=register_data).status_code == 302
    assert db.session.scalar(select(Account.email)) == "mixed.case@example.com"


@pytest.mark.parametrize("typed", ["13812345678", "+86 138 1234 5678", "+8613812345678", "138-1234-5678",
                                   " 138 1234 5678 "])
def test_register_with_mainland_mobile(client, register_data, typed):
    register_data["login"] = typed
    response = client.post("/auth/register", data=register_data)
    assert response.status_code == 302
    account = db.session.scalar(select(Account))
    assert account.mobile == "13812345678" and account.email is None


@pytest.mark.parametrize("typed", ["12812345678", "1381234567", "138123456789", "+1 415 555 0100",
                                   "not-a-login", "a@b", "23812345678"])
def test_register_refuses_invalid_logins_and_keeps_typed_values(client, register_data, typed):
    register_data["login"] = typed
    response = client.post("/auth/register", data=register_data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "valid email address" in html or "mobile" in html
    assert 'value="王小明"' in html  # the name is kept
    assert count_accounts() == 0


def test_normalise_login_unit():
    assert normalise_login("+86 139 0000 0000") == (None, "13900000000")
    with pytest.raises(UserInputError) as error:
        normalise_login("19")
    assert error.value.field == "login"


def test_duplicate_login_is_answered_as_a_new_one_and_the_owner_told(client, f, register_data):
    """Registration never tells which addresses are registered (tests/foundation/test_account_rules.py
    compares the two answers in full); the owner gets a notice instead."""
    f.resident(email="taken@example.com")
    db.session.commit()
    register_data["login"] = "TAKEN@example.com"
    response = client.post("/auth/register", data=register_data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/verify")
    assert count_accounts() == 1
    from portal.notifications.models import OutboxEmail

    notice = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "taken@example.com"))
    assert notice is not None and "已有账号" in notice.body


def test_duplicate_mobile_is_refused_whatever_its_spelling(client, f, register_data):
    f.resident(email=None, mobile="13812345678")
    db.session.commit()
    register_data["login"] = "+86 138 1234 5678"
    response = client.post("/auth/register", data=register_data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/verify")
    assert count_accounts() == 1


def test_password_must_have_eight_characters(client, register_data):
    register_data["password"] = register_data["confirm"] = "Xy7!qZ"
    response = client.post("/auth/register", data=register_data)
    assert response.status_code == 422
    assert "at least 8 characters" in response.get_data(as_text=True)
    assert count_accounts() == 0


@pytest.mark.parametrize("password", ["password123", "woaini1314", "12345678", "woaini520", "qwertyuiop",
                                      "1314520520", "PASSWORD123"])
def test_common_passwords_are_refused(client, register_data, password):
    register_data["password"] = register_data["confirm"] = password
    response = client.post("/auth/register", data=register_data)
    assert response.status_code == 422
    assert "too common" in response.get_data(as_text=True)
    assert count_accounts() == 0


def test_password_confirmation_must_match(client, register_data):
    register_data["confirm"] = "Tiger-Lantern-59"
    response = client.post("/auth/register", data=register_data)
    assert response.status_code == 422
    assert "do not match" in response.get_data(as_text=True)


def test_privacy_consent_is_required(client, register_data):
    del register_data["agree"]
    response = client.post("/auth/register", data=register_data)
    assert response.status_code == 422
    assert count_accounts() == 0


# --- login / logout ------------------------------------------------------------------------------

def test_login_with_email_or_mobile_and_logout(client, f):
    account = f.resident(email="li@example.com", mobile="13912345678")
    db.session.commit()
    response = form_login(client, "LI@example.com")
    assert response.status_code == 302
    assert client.get("/me").status_code == 200
    assert db.session.get(Account, account.id).last_login_at is not None
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/me").status_code == 302
    assert form_login(client, "+86 139 1234 5678").status_code == 302
    assert client.get("/me").status_code == 200


def test_wrong_password_and_unknown_account_give_the_same_message(client, f):
    f.resident(email="li@example.com")
    db.session.commit()
    wrong = form_login(client, "li@example.com", "Not-The-Password-1")
    unknown = form_login(client, "nobody@example.com")
    for response in (wrong, unknown):
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "The login or the password is not correct." in html
    assert 'value="li@example.com"' in wrong.get_data(as_text=True)
    assert client.get("/me").status_code == 302


def test_deactivated_account_cannot_log_in(client, f):
    f.resident(email="gone@example.com", is_active_flag=False)
    db.session.commit()
    response = form_login(client, "gone@example.com")
    assert response.status_code == 422
    assert client.get("/me").status_code == 302


def test_deactivated_account_loses_its_open_session(client, f, login):
    account = f.resident()
    db.session.commit()
    login(account)
    assert client.get("/me").status_code == 200
    account.is_active_flag = False
    db.session.commit()
    assert client.get("/me").status_code == 302


def test_admin_lands_on_admin_page_after_login(client, f):
    f.admin(email="boss@example.gov.cn")
    db.session.commit()
    response = form_login(client, "boss@example.gov.cn")
    assert response.headers["Location"].endswith("/admin")


@pytest.mark.parametrize("target,expected", [
    ("/me", "/me"),
    ("/units?x=1", "/units?x=1"),
    ("https://evil.example/", None),
    ("//evil.example/", None),
    ("/\\evil.example", None),
    ("\\\\evil.example", None),
    ("/\t/evil.example", None),
    ("/\n/evil.example", None),
    ("javascript:alert(1)", None),
    ("", None),
    (None, None),
])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_login_follows_only_local_next(client, f):
    f.resident(email="li@example.com")
    db.session.commit()
    response = client.post("/auth/login?next=/units", data={"login": "li@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/units"
    client.post("/auth/logout")
    response = client.post("/auth/login?next=//evil.example/x",
                           data={"login": "li@example.com", "password": PASSWORD})
    assert "evil" not in response.headers["Location"]


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/me")
    assert response.status_code == 302
    assert "/auth/login?next=/me" in response.headers["Location"]


# --- password change -----------------------------------------------------------------------------

def test_password_change_refuses_wrong_current_password(client, f, login):
    account = f.resident()
    db.session.commit()
    login(account)
    response = client.post("/auth/password", data={"current": "wrong-one-123", "password": "Brand-New-Pass-77",
                                                    "confirm": "Brand-New-Pass-77"})
    assert response.status_code == 422
    assert "current password is not correct" in response.get_data(as_text=True)


def test_password_change_refuses_mismatch_and_weak(client, f, login):
    account = f.resident()
    db.session.commit()
    login(account)
    response = client.post("/auth/password", data={"current": PASSWORD, "password": "Brand-New-Pass-77",
                                                    "confirm": "Brand-New-Pass-78"})
    assert response.status_code == 422 and "do not match" in response.get_data(as_text=True)
    response = client.post("/auth/password", data={"current": PASSWORD, "password": "woaini1314",
                                                    "confirm": "woaini1314"})
    assert response.status_code == 422 and "too common" in response.get_data(as_text=True)


def test_password_change_logs_out_other_sessions_only(app, f):
    account = f.resident(email="li@example.com")
    db.session.commit()
    this_device, other_device = app.test_client(), app.test_client()
    for client in (this_device, other_device):
        assert form_login(client, "li@example.com").status_code == 302
        assert client.get("/me").status_code == 200
    old_token = account.session_token
    response = this_device.post("/auth/password", data={"current": PASSWORD, "password": "Brand-New-Pass-77",
                                                         "confirm": "Brand-New-Pass-77"})
    assert response.status_code == 302
    assert db.session.get(Account, account.id).session_token != old_token
    assert this_device.get("/me").status_code == 200
    assert other_device.get("/me").status_code == 302
    this_device.post("/auth/logout")
    assert form_login(this_device, "li@example.com").status_code == 422
    assert form_login(this_device, "li@example.com", "Brand-New-Pass-77").status_code == 302


def test_remember_cookie_of_another_device_stops_working_after_password_change(app, f):
    account = f.resident(email="li@example.com")
    db.session.commit()
    other = app.test_client()
    assert form_login(other, "li@example.com", remember="y").status_code == 302
    remember = other.get_cookie("remember_token")
    assert remember is not None
    from portal.auth.services import change_password

    change_password(account, PASSWORD, "Brand-New-Pass-77", "Brand-New-Pass-77")
    db.session.commit()
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/me").status_code == 302


def test_a_sign_up_losing_the_race_for_a_login_is_answered_like_any_duplicate(app, monkeypatch):
    """Two simultaneous sign-ups both pass the look-up; the unique index refuses the second, which
    is answered like any sign-up with a registered login (no account, no error)."""

    from portal.auth import services
    from portal.extensions import db

    services.register_resident({"login": "race@example.com", "name": "先到", "password": "Race-condition-2026"})
    db.session.commit()
    real_scalar = db.session.scalar
    monkeypatch.setattr(db.session, "scalar", lambda *a, **k: None)  # the look-up sees nothing yet
    assert services.register_resident({"login": "race@example.com", "name": "后到",
                                       "password": "Race-condition-2026"}) is None
    monkeypatch.setattr(db.session, "scalar", real_scalar)
    db.session.rollback()
    from sqlalchemy import func, select

    from portal.accounts.models import Account

    assert db.session.scalar(select(func.count(Account.id)).where(Account.email == "race@example.com")) == 1


def test_an_account_is_not_committed_by_its_savepoint(app):
    """The savepoint stays inside the request's transaction (on SQLite too)."""
    from portal.accounts.models import Account
    from portal.auth import services

    services.register_resident({"login": "savepoint@example.com", "name": "保存点",
                                "password": "Savepoint-rule-2026"})
    db.session.rollback()
    assert db.session.scalar(select(Account.id).where(Account.email == "savepoint@example.com")) is None

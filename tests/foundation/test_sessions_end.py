"""Sessions end when they should (issue 12, point 3): logout, a password change or reset and an
admin deactivating the account end every session and remember-me cookie of the account; a copied
cookie replayed afterwards gets the login page. Remember-me lasts at most 30 days."""
from __future__ import annotations

import time

import pytest

from portal.accounts.models import Account
from portal.extensions import db
from tests.factories import PASSWORD

from .conftest import form_login

THIRTY_DAYS = 30 * 24 * 3600


def _log_in(app, email: str):
    """A browser that logged in with "keep me logged in"; returns it and its two cookies' values."""
    client = app.test_client()
    response = form_login(client, email, remember="y")
    assert response.status_code == 302
    session = client.get_cookie("session").value
    remember = client.get_cookie("remember_token").value
    return client, session, remember


def _replay(app, name: str, value: str):
    """A fresh browser that presents only a copied cookie, as an attacker would."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief.get("/me")


def _is_login_page(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.fixture
def resident(app, f):
    account = f.resident(email="li@example.com")
    db.session.commit()
    return account


def test_copied_cookies_work_before_any_event(app, resident):
    """The control: without one of the events below, the copied cookies log in."""
    _client, session, remember = _log_in(app, "li@example.com")
    assert _replay(app, "session", session).status_code == 200
    assert _replay(app, "remember_token", remember).status_code == 200


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_logout_ends_the_session_and_every_remember_cookie(app, resident, cookie):
    client, session, remember = _log_in(app, "li@example.com")
    _other, _other_session, other_remember = _log_in(app, "li@example.com")  # a second device
    assert client.post("/auth/logout").status_code == 302
    assert _is_login_page(_replay(app, cookie, session if cookie == "session" else remember))
    # The other device's remember-me cookie ends as well.
    assert _is_login_page(_replay(app, "remember_token", other_remember))


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_password_change_keeps_this_session_and_ends_the_others(app, resident, cookie):
    other, other_session, other_remember = _log_in(app, "li@example.com")
    client, _session, _remember = _log_in(app, "li@example.com")
    response = client.post("/auth/password", data={"current": PASSWORD, "password": "Brand-New-Pass-77",
                                                   "confirm": "Brand-New-Pass-77"})
    assert response.status_code == 302
    assert client.get("/me").status_code == 200  # the device that changed it stays logged in
    assert _is_login_page(_replay(app, cookie, other_session if cookie == "session" else other_remember))


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_admin_deactivation_ends_every_session(app, f, resident, login, cookie):
    _client, session, remember = _log_in(app, "li@example.com")
    admin = f.admin()
    db.session.commit()
    admin_client = app.test_client()
    with admin_client.session_transaction() as s:
        s["_user_id"] = admin.get_id()
    assert admin_client.post(f"/admin/accounts/{resident.id}/active").status_code == 302
    assert db.session.get(Account, resident.id).is_active_flag is False
    assert _is_login_page(_replay(app, cookie, session if cookie == "session" else remember))
    # Reactivated, the old cookies still do not come back to life.
    assert admin_client.post(f"/admin/accounts/{resident.id}/active").status_code == 302
    assert _is_login_page(_replay(app, cookie, session if cookie == "session" else remember))


def test_remember_cookie_lasts_thirty_days(app, resident):
    assert app.config["REMEMBER_COOKIE_DURATION"] == THIRTY_DAYS
    client = app.test_client()
    form_login(client, "li@example.com", remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie.expires is not None
    assert abs(cookie.expires.timestamp() - time.time() - THIRTY_DAYS) < 120


def test_remember_cookie_duration_is_capped_at_thirty_days(make_app):
    app = make_app(REMEMBER_COOKIE_DURATION=365 * 24 * 3600)
    assert app.config["REMEMBER_COOKIE_DURATION"] == THIRTY_DAYS


def test_a_replayed_remember_cookie_is_refused_by_the_server_after_thirty_days(app, resident, monkeypatch):
    """The browser drops the cookie after 30 days; a copy replayed later is refused as well (the
    login time is signed into it). Exactly 30 days: still valid; one second more: refused."""
    logged_in_at = time.time()
    monkeypatch.setattr(time, "time", lambda: logged_in_at)
    _client, _session, remember = _log_in(app, "li@example.com")
    monkeypatch.setattr(time, "time", lambda: logged_in_at + THIRTY_DAYS - 1)
    assert _replay(app, "remember_token", remember).status_code == 200
    monkeypatch.setattr(time, "time", lambda: logged_in_at + THIRTY_DAYS + 1)
    assert _is_login_page(_replay(app, "remember_token", remember))


def test_a_cookie_of_the_old_format_is_refused(app, resident):
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = f"{resident.id}:{resident.session_token}"
    assert _is_login_page(client.get("/me"))


def test_password_reset_ends_every_session(app, resident):
    from portal.auth.services import reset_token

    _client, session, remember = _log_in(app, "li@example.com")
    token = reset_token(db.session.get(Account, resident.id))
    response = app.test_client().post(f"/auth/reset/{token}", data={"password": "Brand-New-Pass-77",
                                                                     "confirm": "Brand-New-Pass-77"})
    assert response.status_code == 302
    assert _is_login_page(_replay(app, "session", session))
    assert _is_login_page(_replay(app, "remember_token", remember))

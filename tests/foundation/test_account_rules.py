"""Accounts (issue 12, point 7): the login limit counts failures only; registration does not tell
which email or mobile is registered; the login is verified by a code (email, or SMS through the
SMS backends) before the account can comment or sign up; a password reset by email."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Account
from portal.extensions import db
from portal.notifications.models import OutboxEmail
from tests.factories import PASSWORD, sent_code

from .conftest import form_login

NOW = datetime(2026, 7, 15, 10, 0)


@pytest.fixture
def clock_now():
    return NOW


def _outbox(to: str) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == to).order_by(OutboxEmail.id)))


def _sms_files(app) -> list[str]:
    folder = Path(app.instance_path) / "sms"
    return [p.read_text("utf-8") for p in sorted(folder.glob("*.txt"))] if folder.exists() else []


def _english(client):
    client.set_cookie("lang", "en")
    return client


# --- the login limit counts failures only -----------------------------------------------------------

def test_correct_logins_never_lock_the_owner_out_and_the_sixth_failure_is_refused(make_app, f):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_ACCOUNT="5 per 5 minutes",
                   LOGIN_RATE_LIMIT_IP="100 per 5 minutes", RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        f.resident(email="li@example.com")
        db.session.commit()
    for _ in range(8):  # more correct logins than the limit
        assert form_login(app.test_client(), "li@example.com").status_code == 302
    for _ in range(5):
        assert form_login(app.test_client(), "li@example.com", "Wrong-Password-1").status_code == 422
    assert form_login(app.test_client(), "li@example.com", "Wrong-Password-1").status_code == 429
    # Once 5 failures are counted, the account waits out the window whatever the password.
    assert form_login(app.test_client(), "li@example.com").status_code == 429


def test_four_failures_then_a_correct_login_still_work(make_app, f):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_ACCOUNT="5 per 5 minutes",
                   LOGIN_RATE_LIMIT_IP="100 per 5 minutes", RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        f.resident(email="li@example.com")
        db.session.commit()
    for _ in range(4):
        assert form_login(app.test_client(), "li@example.com", "Wrong-Password-1").status_code == 422
    for _ in range(3):
        assert form_login(app.test_client(), "li@example.com").status_code == 302
    assert form_login(app.test_client(), "li@example.com", "Wrong-Password-1").status_code == 422
    assert form_login(app.test_client(), "li@example.com", "Wrong-Password-1").status_code == 429


# --- registration reveals nothing ---------------------------------------------------------------------

def _session_of(app, client) -> dict:
    cookie = client.get_cookie("session")
    return app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}


@pytest.mark.parametrize("taken, typed", [("taken@example.com", "Taken@Example.com"),
                                          ("13812345678", "+86 138 1234 5678")])
def test_registration_answers_the_same_for_a_registered_and_a_new_login(app, f, register_data, taken, typed):
    kind = "mobile" if taken.isdigit() else "email"
    f.resident(**({"email": None, "mobile": taken} if kind == "mobile" else {"email": taken}))
    db.session.commit()
    answers = []
    for login in (typed, "13912345678" if kind == "mobile" else "fresh@example.com"):
        client = app.test_client()
        response = client.post("/auth/register", data={**register_data, "login": login})
        follow = client.get(response.headers["Location"])
        session = _session_of(app, client)
        session.pop("verify_login")  # the login each one typed (normalised), nothing else differs
        session.pop("csrf_token", None)
        page = follow.get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"], sorted(session.items()),
                        follow.status_code, page.replace(login, "").count("alert")))
    assert answers[0] == answers[1]
    assert db.session.scalar(select(func.count(Account.id))) == 2  # one existing, one new


def test_the_owner_of_a_registered_email_is_told_by_mail(app, f, register_data):
    f.resident(email="taken@example.com")
    db.session.commit()
    app.test_client().post("/auth/register", data={**register_data, "login": "taken@example.com"})
    (notice,) = _outbox("taken@example.com")
    assert "已有账号" in notice.body and "/auth/reset" in notice.body


def test_the_owner_of_a_registered_mobile_is_told_by_sms(make_app, f, register_data):
    app = make_app(SMS_BACKEND="file")
    with app.app_context():
        f.resident(email=None, mobile="13812345678")
        db.session.commit()
        app.test_client().post("/auth/register", data={**register_data, "login": "13812345678"})
        (message,) = _sms_files(app)
        assert "To: 13812345678" in message and "已注册" in message


# --- verification -------------------------------------------------------------------------------------

def _register(app, register_data, login="new.resident@example.com"):
    client = _english(app.test_client())
    response = client.post("/auth/register", data={**register_data, "login": login})
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/verify")
    return client


def test_a_new_account_is_verified_by_the_code_sent_by_email(app, register_data):
    client = _register(app, register_data)
    account = db.session.scalar(select(Account).where(Account.email == "new.resident@example.com"))
    assert account.verified_at is None and not account.is_verified
    (mail,) = _outbox("new.resident@example.com")
    code = sent_code("new.resident@example.com")
    assert code not in (account.verify_code_hash or "")  # only a keyed hash is stored
    page = client.get("/auth/verify").get_data(as_text=True)
    assert "new.resident@example.com" in page
    response = client.post("/auth/verify", data={"code": code})
    assert response.status_code == 302 and response.headers["Location"].endswith("/me")
    db.session.expire_all()
    assert db.session.get(Account, account.id).verified_at == NOW
    assert client.get("/me").status_code == 200


def test_a_mobile_account_gets_its_code_by_sms_within_70_characters(make_app, register_data):
    app = make_app(SMS_BACKEND="file")
    with app.app_context():
        client = _register(app, register_data, "138 1234 5678")
        (message,) = _sms_files(app)
        text = message.split("\n\n", 1)[1].strip()
        assert len(text) <= 70
        code = next(part for part in text.replace("，", " ").replace("码", " ").split() if part.isdigit())
        assert len(code) == 6
        assert client.post("/auth/verify", data={"code": code}).status_code == 302
        assert db.session.scalar(select(Account.verified_at).where(Account.mobile == "13812345678")) is not None


def test_wrong_codes_are_counted_and_lock_the_code(app, register_data):
    client = _register(app, register_data)
    code = sent_code("new.resident@example.com")
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for _ in range(5):
        response = client.post("/auth/verify", data={"code": wrong})
        assert response.status_code == 422 and "not correct" in response.get_data(as_text=True)
    response = client.post("/auth/verify", data={"code": code})  # even the right one, now
    assert response.status_code == 422 and "Too many wrong codes" in response.get_data(as_text=True)
    # A new code starts afresh.
    assert client.post("/auth/verify/send").status_code == 302
    assert client.post("/auth/verify", data={"code": sent_code("new.resident@example.com")}).status_code == 302


def test_the_code_is_valid_fifteen_minutes(app, register_data):
    client = _register(app, register_data)
    code = sent_code("new.resident@example.com")
    app.config["CLOCK_NOW"] = NOW + timedelta(minutes=15, seconds=1)
    response = client.post("/auth/verify", data={"code": code})
    assert response.status_code == 422 and "expired" in response.get_data(as_text=True)
    app.config["CLOCK_NOW"] = NOW + timedelta(minutes=15)
    assert client.post("/auth/verify", data={"code": code}).status_code == 302


def test_the_code_of_a_registered_address_never_verifies_anything(app, f, register_data):
    """Whoever registers somebody else's (already registered) address gets no code to type."""
    f.resident(email="taken@example.com")
    db.session.commit()
    client = _register(app, register_data, "taken@example.com")
    response = client.post("/auth/verify", data={"code": "123456"})
    assert response.status_code == 422
    assert client.get("/me").status_code == 302


def test_a_logged_in_unverified_resident_asks_for_a_new_code(app, f, login):
    account = f.resident(email="late@example.com", verified=False)
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = account.get_id()
    assert client.post("/auth/verify/send").status_code == 302
    response = client.post("/auth/verify", data={"code": sent_code("late@example.com")})
    assert response.status_code == 302
    assert db.session.get(Account, account.id).is_verified


# --- unverified residents cannot comment or sign up ----------------------------------------------

@pytest.fixture
def unverified(app, f):
    account = f.resident(email="unverified@example.com", verified=False)
    db.session.commit()
    client = _english(app.test_client())
    with client.session_transaction() as s:
        s["_user_id"] = account.get_id()
    return client


def _sent_to_verification(response) -> bool:
    return response.status_code == 302 and "/auth/verify" in response.headers["Location"]


def test_an_unverified_resident_cannot_comment(app, f, unverified):
    from portal.consultation.models import Comment

    consultation = f.consultation(status="open")
    db.session.commit()
    url = f"/consultations/{consultation.id}/comments"
    data = {"section_id": str(consultation.sections[0].id), "text": "建议在小区增设夜间投放点。",
            "respondent_type": "citizen", "show_as": "masked", "consent": "y"}
    response = unverified.post(url, data=data, headers={"Referer": f"http://localhost/consultations/{consultation.id}"})
    assert _sent_to_verification(response)
    assert f"next=/consultations/{consultation.id}" in response.headers["Location"].replace("%2F", "/")
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    page = unverified.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please verify your email address or mobile number first" in page
    # Verified, the same submission goes through.
    unverified.post("/auth/verify/send")
    assert unverified.post("/auth/verify", data={"code": sent_code("unverified@example.com")}).status_code == 302
    assert unverified.post(url, data=data).status_code == 302
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_an_unverified_resident_cannot_apply_for_a_meeting(app, f, unverified):
    from portal.meetings.models import MeetingApplication

    meeting = f.meeting()
    db.session.commit()
    assert _sent_to_verification(unverified.get(f"/meetings/{meeting.id}/apply"))
    response = unverified.post(f"/meetings/{meeting.id}/apply", data={"name": "李四", "consent": "y"})
    assert _sent_to_verification(response)
    assert db.session.scalar(select(func.count(MeetingApplication.id))) == 0


def test_an_unverified_resident_cannot_register_for_an_open_day(app, f, unverified):
    from portal.open_days.models import OpenRegistration

    activity = f.open_activity()
    db.session.commit()
    assert unverified.get(f"/open-days/{activity.id}").status_code == 200  # reading is fine
    response = unverified.post(f"/open-days/{activity.id}", data={
        "slot_id": activity.slots[0].id, "name": "王五", "mobile": "13912345678", "consent": "y"})
    assert _sent_to_verification(response)
    assert f"next=/open-days/{activity.id}" in response.headers["Location"].replace("%2F", "/")
    assert db.session.scalar(select(func.count(OpenRegistration.id))) == 0


def test_staff_need_no_verification(app, f):
    assert f.staff(verified=False).is_verified and f.admin(verified=False).is_verified


# --- password reset by email -----------------------------------------------------------------------

def _reset_link(to: str) -> str:
    body = _outbox(to)[-1].body
    return body[body.index("/auth/reset/"):].split()[0]


def test_password_reset_by_email_works_once(app, f):
    account = f.resident(email="li@example.com")
    db.session.commit()
    client = _english(app.test_client())
    response = client.post("/auth/reset", data={"email": "LI@example.com"})
    assert response.status_code == 302
    link = _reset_link("li@example.com")
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "Brand-New-Pass-77", "confirm": "Brand-New-Pass-77"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    assert form_login(app.test_client(), "li@example.com", "Brand-New-Pass-77").status_code == 302
    assert form_login(app.test_client(), "li@example.com", PASSWORD).status_code == 422
    # The link works once.
    again = client.get(link)
    assert again.status_code == 302 and again.headers["Location"].endswith("/auth/reset")
    assert db.session.get(Account, account.id) is not None


def test_a_reset_for_an_unknown_email_answers_the_same_and_sends_nothing(app, f):
    f.resident(email="li@example.com")
    db.session.commit()
    known = app.test_client().post("/auth/reset", data={"email": "li@example.com"})
    unknown = app.test_client().post("/auth/reset", data={"email": "nobody@example.com"})
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert _outbox("nobody@example.com") == []


def test_the_reset_link_expires_after_sixty_minutes(app, f):
    f.resident(email="li@example.com")
    db.session.commit()
    app.test_client().post("/auth/reset", data={"email": "li@example.com"})
    link = _reset_link("li@example.com")
    app.config["CLOCK_NOW"] = NOW + timedelta(minutes=60)
    assert app.test_client().get(link).status_code == 200
    app.config["CLOCK_NOW"] = NOW + timedelta(minutes=60, seconds=1)
    assert app.test_client().get(link).status_code == 302


def test_a_forged_reset_link_is_refused(app, f):
    account = f.resident(email="li@example.com")
    db.session.commit()
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("another-key", salt="password-reset").dumps(
        {"a": account.id, "f": "0" * 20, "t": int(NOW.timestamp())})
    assert app.test_client().get(f"/auth/reset/{forged}").status_code == 302


def test_a_reset_proves_the_email_of_an_unverified_account(app, f):
    account = f.resident(email="squatted@example.com", verified=False)
    db.session.commit()
    app.test_client().post("/auth/reset", data={"email": "squatted@example.com"})
    link = _reset_link("squatted@example.com")
    app.test_client().post(link, data={"password": "Brand-New-Pass-77", "confirm": "Brand-New-Pass-77"})
    assert db.session.get(Account, account.id).is_verified


# --- SMS backends ----------------------------------------------------------------------------------

def test_sms_backends(make_app):
    from portal.notifications.sms import send_sms

    received = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers["Content-Length"])
            received.append((self.headers.get("Authorization"), json.loads(self.rfile.read(length))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        app = make_app(SMS_BACKEND="http", SMS_HTTP_URL=f"http://127.0.0.1:{server.server_port}/send",
                       SMS_HTTP_TOKEN="gateway-token")
        with app.app_context():
            send_sms("13812345678", "【政民互动】验证码123456")
        assert received == [("Bearer gateway-token", {"to": "13812345678", "text": "【政民互动】验证码123456"})]
    finally:
        server.shutdown()
        server.server_close()
    app = make_app(SMS_BACKEND="null")
    with app.app_context():
        send_sms("13812345678", "不发送")
        assert _sms_files(app) == []
        with pytest.raises(ValueError):
            send_sms("13812345678", "字" * 71)


def test_an_sms_is_sent_only_when_the_transaction_commits(make_app):
    from portal.notifications.sms import queue_sms

    app = make_app(SMS_BACKEND="file")
    with app.app_context():
        queue_sms(db.session, "13812345678", "回滚后不发送")
        db.session.rollback()
        assert _sms_files(app) == []
        queue_sms(db.session, "13812345678", "提交后发送")
        db.session.commit()
        assert len(_sms_files(app)) == 1


def test_demo_residents_are_verified(app):
    from portal.demo import RESIDENTS, seed

    seed()
    db.session.commit()
    logins = [login for _name, login in RESIDENTS]
    accounts = db.session.scalars(select(Account).where(Account.role == "resident")).all()
    assert accounts and all(a.is_verified for a in accounts if a.login in logins)

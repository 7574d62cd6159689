"""Notifications: inbox + outbox in the caller's transaction, the inbox page, mail delivery."""
from __future__ import annotations

import email
import socket
from datetime import datetime, timedelta
from email import policy

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import InboxMessage, OutboxEmail
from portal.notifications.services import notify, retry_delay, send_pending
from portal.units.models import Unit

NOW = datetime(2026, 5, 6, 10, 0)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_notify_creates_inbox_and_outbox_rows(app, f):
    account = f.resident(email="li@example.com")
    message = notify(account, "意见已发布", "您的意见已发布。", link="/units")
    db.session.commit()
    assert message.account_id == account.id and not message.is_read
    mail = db.session.scalar(select(OutboxEmail))
    assert mail.to_address == "li@example.com" and mail.status == "pending" and mail.attempts == 0
    assert mail.body == "您的意见已发布。\n\nhttp://127.0.0.1:5000/units"


def test_notify_without_email_or_with_email_off_only_uses_the_inbox(f):
    notify(f.resident(email=None, mobile="13900000000"), "仅站内")
    notify(f.resident(), "不发邮件", email=False)
    assert count(InboxMessage) == 2 and count(OutboxEmail) == 0


def test_notify_rolls_back_with_the_action(f):
    account = f.resident()
    db.session.commit()
    f.unit(slug="rolled-back")
    notify(account, "主题", "正文")
    db.session.rollback()
    assert count(InboxMessage) == 0 and count(OutboxEmail) == 0 and count(Unit) == 0


def test_inbox_lists_marks_read_and_shows_unread_count(client, f, login):
    account = f.resident()
    other = f.resident()
    first = notify(account, "第一条消息", "正文一", link="/units")
    notify(account, "第二条消息", "正文二")
    notify(other, "别人的消息", "x")
    db.session.commit()
    login(account)
    html = client.get("/me/inbox").get_data(as_text=True)
    assert "第一条消息" in html and "第二条消息" in html and "别人的消息" not in html
    header = client.get("/").get_data(as_text=True)
    assert 'badge text-bg-danger">2<' in header
    response = client.post(f"/me/inbox/{first.id}")
    assert response.headers["Location"] == "/units"
    assert db.session.get(InboxMessage, first.id).read_at is not None
    assert 'badge text-bg-danger">1<' in client.get("/").get_data(as_text=True)
    assert client.post("/me/inbox/read-all").status_code == 302
    assert db.session.scalar(select(func.count()).where(InboxMessage.read_at.is_(None))) == 1  # other's
    assert "text-bg-danger" not in client.get("/").get_data(as_text=True)


def test_cannot_open_another_accounts_message(client, f, login):
    mine, theirs = f.resident(), f.resident()
    message = notify(theirs, "别人的")
    db.session.commit()
    login(mine)
    assert client.post(f"/me/inbox/{message.id}").status_code == 404
    assert db.session.get(InboxMessage, message.id).read_at is None


def test_inbox_never_redirects_off_site(client, f, login):
    account = f.resident()
    message = notify(account, "x", link="//evil.example/phish")
    db.session.commit()
    login(account)
    response = client.post(f"/me/inbox/{message.id}")
    assert "evil" not in response.headers["Location"]


# --- delivery --------------------------------------------------------------------------------------

class Handler:
    def __init__(self):
        self.messages = []
        self.connections = 0
        self.refuse: set[str] = set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1  # smtplib greets once per connection
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mail_send_delivers_through_smtp(app, runner, f, smtp_server):
    port, handler = smtp_server
    app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=port, MAIL_SERVER="127.0.0.1", CLOCK_NOW=NOW)
    account = f.resident(email="li@example.com")
    notify(account, "报名结果通知", "您已入选。", link="/units/x", attachment=("checkin.txt", "text/plain", b"CODE-42"))
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and result.output.strip() == "sent 1, failed 0"
    assert len(handler.messages) == 1
    envelope = handler.messages[0]
    assert envelope.rcpt_tos == ["li@example.com"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "报名结果通知"
    body = message.get_body(("plain",)).get_content()
    assert "您已入选。" in body and "http://127.0.0.1:5000/units/x" in body
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "checkin.txt" and attachment.get_content().strip() == "CODE-42"
    mail = db.session.scalar(select(OutboxEmail))
    assert mail.status == "sent" and mail.sent_at == NOW and mail.attempts == 1
    assert runner.invoke(args=["mail", "send"]).output.strip() == "sent 0, failed 0"


def test_failing_smtp_keeps_the_email_pending_with_backoff(app, f):
    app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=free_port(), MAIL_TIMEOUT=2, CLOCK_NOW=NOW,
                      MAIL_MAX_ATTEMPTS=3)
    account = f.resident()
    unit = f.unit(slug="stays")
    notify(account, "主题", "正文")
    db.session.commit()
    assert send_pending() == (0, 1)
    mail = db.session.scalar(select(OutboxEmail))
    assert mail.status == "pending" and mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at == NOW + retry_delay(1) == NOW + timedelta(minutes=1)
    assert db.session.get(Unit, unit.id) is not None and count(InboxMessage) == 1  # the action stands
    assert send_pending() == (0, 0)  # not due yet
    app.config["CLOCK_NOW"] = NOW + timedelta(minutes=1)
    assert send_pending() == (0, 1)
    assert mail.attempts == 2 and mail.next_attempt_at == NOW + timedelta(minutes=3)
    app.config["CLOCK_NOW"] = NOW + timedelta(minutes=3)
    assert send_pending() == (0, 1)
    assert mail.attempts == 3 and mail.status == "failed"
    app.config["CLOCK_NOW"] = NOW + timedelta(days=1)
    assert send_pending() == (0, 0)  # failed mail is not retried


def test_retry_delay_backs_off_and_is_capped():
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert retry_delay(30) == timedelta(hours=6)


def test_file_backend_writes_eml_into_the_instance_folder(app, f):
    app.config["MAIL_BACKEND"] = "file"
    notify(f.resident(email="li@example.com"), "文件邮件", "正文")
    db.session.commit()
    assert send_pending() == (1, 0)
    import os

    folder = os.path.join(app.instance_path, "mail")
    files = [n for n in os.listdir(folder) if n.endswith(".eml")]
    assert len(files) == 1
    with open(os.path.join(folder, files[0]), "rb") as fh:
        message = email.message_from_binary_file(fh, policy=policy.default)
    assert message["To"] == "li@example.com" and message["Subject"] == "文件邮件"


def test_after_request_delivery_sends_mail_of_a_committed_request(make_app, smtp_server):
    from flask import Blueprint

    from portal.database import commit
    from tests import factories

    port, handler = smtp_server
    app = make_app(MAIL_BACKEND="smtp", MAIL_PORT=port, MAIL_SEND_AFTER_REQUEST=True)
    bp = Blueprint("mailprobe", __name__)

    @bp.route("/mailprobe/<int:account_id>/<int:keep>", methods=["GET"])
    def probe(account_id, keep):
        from portal.accounts.models import Account

        notify(db.session.get(Account, account_id), "请求后发送", "正文")
        if keep:
            commit()
        else:
            db.session.rollback()
        return "done"

    app.register_blueprint(bp)
    with app.app_context():
        account_id = factories.resident(email="li@example.com").id
        db.session.commit()
    client = app.test_client()
    response = client.get(f"/mailprobe/{account_id}/1")
    response.close()
    assert len(handler.messages) == 1
    response = client.get(f"/mailprobe/{account_id}/0")  # rolled back: nothing to send
    response.close()
    assert len(handler.messages) == 1
    with app.app_context():
        assert db.session.scalars(select(OutboxEmail.status)).all() == ["sent"]


def test_one_run_sends_over_one_connection_and_a_refused_address_does_not_end_it(app, f, smtp_server):
    port, handler = smtp_server
    app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=port, MAIL_SERVER="127.0.0.1", CLOCK_NOW=NOW,
                      MAIL_MESSAGES_PER_CONNECTION=3)
    handler.refuse = {"r2@example.com"}
    for n in range(7):
        notify(f.resident(email=f"r{n}@example.com"), f"通知{n}", "正文")
    db.session.commit()
    assert send_pending() == (6, 1)
    assert len(handler.messages) == 6 and handler.connections == 3  # 3 + 3 + 1 messages
    refused = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "r2@example.com"))
    assert refused.status == "pending" and "550" in refused.last_error


def test_a_run_stops_at_its_time_budget_and_the_next_goes_on(app, f, smtp_server, monkeypatch):
    from portal.notifications import services as mail

    port, handler = smtp_server
    app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=port, MAIL_SERVER="127.0.0.1", CLOCK_NOW=NOW,
                      MAIL_SEND_SECONDS=50)
    for n in range(3):
        notify(f.resident(email=f"t{n}@example.com"), f"通知{n}", "正文")
    db.session.commit()
    ticks = iter([0.0, 10.0, 49.9, 50.0, 50.0])  # the budget is read, then checked before each email
    monkeypatch.setattr(mail, "_monotonic", lambda: next(ticks))
    assert send_pending() == (2, 0)  # before the third email 50 s had passed
    monkeypatch.undo()
    assert send_pending() == (1, 0)


def test_an_unreachable_mail_server_ends_the_run_after_one_attempt(app, f):
    app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=free_port(), MAIL_TIMEOUT=2, CLOCK_NOW=NOW)
    for n in range(3):
        notify(f.resident(email=f"u{n}@example.com"), f"通知{n}", "正文")
    db.session.commit()
    assert send_pending() == (0, 1)
    attempts = sorted(db.session.scalars(select(OutboxEmail.attempts)).all())
    assert attempts == [0, 0, 1]

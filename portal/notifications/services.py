"""Notify accounts (inbox + email outbox) and deliver the outbox after commit."""
from __future__ import annotations

import os
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Callable, cast

from flask import current_app, g, has_request_context
from sqlalchemy import Table, insert, select

from .. import clock
from ..extensions import db
from ..urls import absolute_url
from .models import InboxMessage, OutboxEmail

# Attachments made when the email is sent instead of inside the request that queued it: a check-in
# QR image costs about as much CPU as the rest of a registration, and a flash crowd confirms fifty
# registrations at once while holding the database's write lock. A feature registers a maker by
# name (``@attachment_maker("checkin-qr")``); the outbox row keeps the name and its argument.
ATTACHMENT_MAKERS: dict[str, Callable[[str], bytes]] = {}


def attachment_maker(name: str) -> Callable[[Callable[[str], bytes]], Callable[[str], bytes]]:
    def register(make: Callable[[str], bytes]) -> Callable[[str], bytes]:
        ATTACHMENT_MAKERS[name] = make
        return make

    return register


@dataclass(frozen=True)
class MadeAttachment:
    """An attachment made at sending time: ``ATTACHMENT_MAKERS[maker](argument)``."""

    filename: str
    mime_type: str
    maker: str
    argument: str


Attachment = tuple[str, str, bytes] | MadeAttachment


def attachment_bytes(item: OutboxEmail) -> bytes | None:
    """The attachment of a queued email: stored bytes, or made now by its registered maker."""
    if item.attachment_data is not None:
        return item.attachment_data
    if item.attachment_recipe:
        maker, _, argument = item.attachment_recipe.partition(":")
        return ATTACHMENT_MAKERS[maker](argument)
    return None


# Written with one INSERT each (no object for the session's unit of work to flush): a registration
# storm writes these while holding the database's write lock, where every flush counts.
_inbox, _outbox = cast(Table, InboxMessage.__table__), cast(Table, OutboxEmail.__table__)
_INSERT_INBOX = insert(_inbox).returning(_inbox.c.id)
_INSERT_OUTBOX = insert(_outbox).returning(_outbox.c.id)


def notify(account, subject: str, body: str = "", *, link: str | None = None,
           kind: str = "general", email: bool = True, attachment: Attachment | None = None,
           sms: str | None = None) -> InboxMessage:
    """Put a message in the account's inbox and, if it has an email address, queue an email.

    Both rows are part of the caller's transaction: if the action rolls back, nothing is sent.
    ``link`` is a path inside the portal (it becomes an absolute URL in the email).
    ``attachment`` is (filename, mime type, bytes) or a ``MadeAttachment``. ``sms`` (at most 70
    characters) is texted to an account that has a mobile number but no email address. Returns
    the inbox message as written (not attached to the session).
    """
    values = {"account_id": account.id, "kind": kind, "subject": subject[:200], "body": body, "link": link,
              "created_at": clock.now()}
    message_id = db.session.execute(_INSERT_INBOX, values).scalar_one()
    if email and account.email:
        queue_email(account.email, subject, body, link=link, account_id=account.id, attachment=attachment)
    elif sms and not account.email and account.mobile:
        from .sms import queue_sms

        queue_sms(db.session, account.mobile, sms)
    return InboxMessage(id=message_id, **values)


def queue_email(to_address: str, subject: str, body: str, *, link: str | None = None,
                account_id: int | None = None, attachment: Attachment | None = None,
                html: str | None = None, headers: dict[str, str] | None = None,
                subscriber_id: int | None = None) -> int:
    """Queue an email in the outbox (in the caller's transaction); returns its id."""
    text = body
    if link:
        text = f"{body}\n\n{absolute_url(link)}"
    # The columns not given take the model's defaults (pending, no attempt yet, due now).
    values: dict[str, Any] = {"account_id": account_id, "to_address": to_address, "subject": subject[:200],
                              "body": text, "html_body": html, "headers": headers, "subscriber_id": subscriber_id}
    if isinstance(attachment, MadeAttachment):
        if attachment.maker not in ATTACHMENT_MAKERS:
            raise ValueError(f"no attachment maker {attachment.maker!r}")
        values.update(attachment_name=attachment.filename, attachment_type=attachment.mime_type,
                      attachment_recipe=f"{attachment.maker}:{attachment.argument}")
    elif attachment:
        values["attachment_name"], values["attachment_type"], values["attachment_data"] = attachment
    email_id = db.session.execute(_INSERT_OUTBOX, values).scalar_one()
    if has_request_context():
        g.setdefault("queued_emails", []).append(email_id)
    return email_id


def unread_count(account) -> int:
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count(InboxMessage.id)).where(
            InboxMessage.account_id == account.id, InboxMessage.read_at.is_(None)
        )
    ) or 0


# --- delivery ---------------------------------------------------------------------------------

# A List-Unsubscribe URL is longer than 78 characters and has no space to fold at: with the default
# line length the header would be RFC 2047-encoded, which mail clients do not read as a URL.
_LONG_HEADERS = email_policy.default.clone(max_line_length=998)


def _build_message(item: OutboxEmail) -> EmailMessage:
    msg = EmailMessage(policy=_LONG_HEADERS) if item.headers else EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = item.to_address
    msg["Subject"] = item.subject
    msg["Message-ID"] = make_msgid(domain="portal.invalid")
    for name, value in (item.headers or {}).items():
        msg[name] = value
    msg.set_content(item.body)
    if item.html_body:
        msg.add_alternative(item.html_body, subtype="html")
    data = attachment_bytes(item)
    if data is not None and item.attachment_type:
        maintype, _, subtype = item.attachment_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=item.attachment_name or "attachment")
    return msg


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    smtp = smtp_class(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
    try:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


_monotonic = time.monotonic  # the sender's time budget (a test replaces it)


class MailServerUnreachable(OSError):
    """No connection to the mail server: the run stops; the email is retried like any failure."""


class SmtpSession:
    """One SMTP connection for a run of the sender: opened at the first message and reused, a new
    one after MAIL_MESSAGES_PER_CONNECTION messages or when the server has closed it. (A connection
    per email, with its TLS handshake and login, made a subscription's 100,000 emails take hours.)
    A refused recipient is that email's failure; the connection stays in use."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None
        self._sent = 0
        self.connections = 0  # opened during this run

    def send(self, msg: EmailMessage) -> None:
        if self._smtp is not None and self._sent >= current_app.config["MAIL_MESSAGES_PER_CONNECTION"]:
            self.close()
        if self._smtp is None:
            try:
                self._smtp, self._sent = _connect(), 0
            except (OSError, smtplib.SMTPException) as error:
                raise MailServerUnreachable(f"{type(error).__name__}: {error}") from error
            self.connections += 1
            fresh = True
        else:
            fresh = False
        try:
            self._smtp.send_message(msg)
        except smtplib.SMTPServerDisconnected:
            self.close()
            if fresh:
                raise
            self.send(msg)  # the server closed an idle or used-up connection: once more, on a new one
            return
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
            self._sent += 1
            raise
        except BaseException:
            self.close()
            raise
        self._sent += 1

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _deliver(msg: EmailMessage, session: SmtpSession | None = None) -> None:
    cfg = current_app.config
    backend = cfg["MAIL_BACKEND"]
    if backend == "null":
        return
    if backend == "file":
        folder = os.path.join(current_app.instance_path, "mail")
        os.makedirs(folder, exist_ok=True)
        name = clock.now().strftime("%Y%m%d-%H%M%S-") + msg["Message-ID"].strip("<>").split("@")[0] + ".eml"
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(bytes(msg))
        return
    if backend != "smtp":
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")
    if session is not None:
        session.send(msg)
        return
    one = SmtpSession()
    try:
        one.send(msg)
    finally:
        one.close()


# Called after each delivery attempt with (email, None) or (email, the error), inside the sender's
# transaction: subscriptions count an address's refusals here (portal.subscriptions.bounces).
DELIVERY_LISTENERS: list[Callable[[OutboxEmail, BaseException | None], None]] = []


def retry_delay(attempts: int) -> timedelta:
    """Back off 1, 2, 4, 8... minutes, capped at 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim_next(ids: list[int] | None, now, after_id: int) -> OutboxEmail | None:
    """The next due email after ``after_id``, locked for this sender. On PostgreSQL the row stays
    locked (FOR UPDATE SKIP LOCKED) until the sender commits, so several senders (one per app
    node, and the after-request delivery) each take different emails and none is sent twice."""
    query = select(OutboxEmail).where(OutboxEmail.status == "pending", OutboxEmail.id > after_id)
    if ids is not None:
        query = query.where(OutboxEmail.id.in_(ids))
    else:
        query = query.where(OutboxEmail.next_attempt_at <= now)
    query = query.order_by(OutboxEmail.id).limit(1)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalars(query).first()


def send_pending(ids: list[int] | None = None, limit: int | None = None) -> tuple[int, int]:
    """Send due emails (or just ``ids``); returns (sent, failed). Claims and commits one email at a
    time so that one failure never undoes another delivery, never touches the actions that queued
    them, and a concurrent sender never sends the same email. Sends until nothing is due, ``limit``
    emails or MAIL_SEND_SECONDS have passed (the next run of the timer goes on), over one SMTP
    connection (``SmtpSession``)."""
    stop_at = _monotonic() + float(current_app.config["MAIL_SEND_SECONDS"])
    session = SmtpSession()
    try:
        return _send_claimed(ids, clock.now(), limit, stop_at, session)
    finally:
        session.close()


def _send_claimed(ids: list[int] | None, now, limit: int | None, stop_at: float,
                  session: SmtpSession) -> tuple[int, int]:
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    sent = failed = 0
    last_id = 0
    while (limit is None or sent + failed < limit) and _monotonic() < stop_at:
        item = _claim_next(ids, now, last_id)
        if item is None:
            db.session.rollback()
            break
        last_id = item.id
        item.attempts += 1
        try:
            _deliver(_build_message(item), session)
        except Exception as exc:  # noqa: BLE001 - any delivery failure is retried later
            failed += 1
            item.last_error = f"{type(exc).__name__}: {exc}"[:500]
            item.next_attempt_at = now + retry_delay(item.attempts)
            if item.attempts >= max_attempts:
                item.status = "failed"
            current_app.logger.warning("mail %s to %s failed: %s", item.id, item.to_address, exc)
            for listener in DELIVERY_LISTENERS:
                listener(item, exc)
            if isinstance(exc, MailServerUnreachable):
                db.session.commit()
                break  # the others wait for the next run instead of each waiting for a timeout
        else:
            sent += 1
            item.status = "sent"
            item.sent_at = clock.now()
            item.last_error = None
            for listener in DELIVERY_LISTENERS:
                listener(item, None)
        db.session.commit()
    return sent, failed


def init_after_request_delivery(app) -> None:
    """After a request that queued mail has committed and answered, try to send that mail."""

    @app.after_request
    def schedule_delivery(response):
        queued = g.pop("queued_emails", None)
        if not queued or not app.config.get("MAIL_SEND_AFTER_REQUEST"):
            return response
        ids = list(queued)  # a row of a rolled-back request is simply not found below

        def deliver():
            with app.app_context():
                try:
                    existing = db.session.scalars(
                        select(OutboxEmail.id).where(OutboxEmail.id.in_(ids))
                    ).all()  # rows of a rolled-back request are simply not there
                    if existing:
                        send_pending(list(existing))
                except Exception:  # noqa: BLE001 - `flask mail send` retries later
                    app.logger.exception("sending mail after request failed")
                finally:
                    db.session.remove()

        response.call_on_close(deliver)
        return response

"""Text messages (短信) to mainland mobile numbers: verification codes and account notices.

``SMS_BACKEND`` chooses how: ``file`` writes one UTF-8 text file per message into
``instance/sms/`` (development and tests), ``null`` drops the message, ``http`` posts
``{"to": "13800000000", "text": "..."}`` as JSON to ``SMS_HTTP_URL`` (the adapter in front of the
operator's SMS gateway), with ``Authorization: Bearer <SMS_HTTP_TOKEN>`` when a token is set.

A message is queued with ``queue_sms`` inside the transaction of the action that causes it and
sent only after that transaction commits (a refused action sends nothing). One message holds at
most 70 characters, the length of one SMS in Chinese.
"""
from __future__ import annotations

import json
import os
import urllib.request
import uuid
from typing import Any, Callable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from .. import clock

MAX_LENGTH = 70


class SmsError(RuntimeError):
    pass


def _send_file(mobile: str, text: str) -> None:
    folder = os.path.join(current_app.instance_path, "sms")
    os.makedirs(folder, exist_ok=True)
    name = f"{clock.now():%Y%m%d-%H%M%S}-{mobile}-{uuid.uuid4().hex[:8]}.txt"
    with open(os.path.join(folder, name), "w", encoding="utf-8") as fh:
        fh.write(f"To: {mobile}\n\n{text}\n")


def _send_null(mobile: str, text: str) -> None:
    return None


def _send_http(mobile: str, text: str) -> None:
    url = current_app.config.get("SMS_HTTP_URL")
    if not url or not url.startswith(("https://", "http://")):
        raise SmsError("SMS_HTTP_URL is not configured")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    token = current_app.config.get("SMS_HTTP_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"to": mobile, "text": text}, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(req, timeout=current_app.config.get("SMS_TIMEOUT", 10)) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise SmsError(f"SMS gateway answered {response.status}")


BACKENDS: dict[str, Callable[[str, str], None]] = {"file": _send_file, "null": _send_null, "http": _send_http}


def send_sms(mobile: str, text: str) -> None:
    """Send one message now (use ``queue_sms`` inside a transaction)."""
    if len(text) > MAX_LENGTH:
        raise ValueError(f"an SMS holds at most {MAX_LENGTH} characters ({len(text)} given)")
    backend = current_app.config.get("SMS_BACKEND", "file")
    try:
        send = BACKENDS[backend]
    except KeyError:
        raise SmsError(f"unknown SMS_BACKEND {backend!r}") from None
    send(mobile, text)


def queue_sms(session: Any, mobile: str, text: str) -> None:
    """Send ``text`` to ``mobile`` once ``session`` (a Session or scoped session) commits; nothing
    is sent if it rolls back."""
    if len(text) > MAX_LENGTH:
        raise ValueError(f"an SMS holds at most {MAX_LENGTH} characters ({len(text)} given)")
    session.connection()  # the message belongs to the transaction: begin one if none is open
    session.info.setdefault("pending_sms", []).append((mobile, text))


@event.listens_for(Session, "after_commit")
def _send_after_commit(session) -> None:
    pending = session.info.pop("pending_sms", None)
    if not pending or not has_app_context():
        return
    for mobile, text in pending:
        try:
            send_sms(mobile, text)
        except Exception:  # noqa: BLE001 - the person can ask for a new code
            current_app.logger.exception("sending an SMS failed")


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session) -> None:
    session.info.pop("pending_sms", None)

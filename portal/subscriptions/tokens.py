"""Signed tokens in subscription emails: they work logged out and cannot be guessed or altered.

``unsubscribe`` and ``manage`` never expire (a link in an old email must still stop the emails);
``confirm`` (double opt-in) expires after CONFIRM_MAX_AGE.
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

CONFIRM_MAX_AGE = 7 * 24 * 3600


def _plain(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"portal.subscriptions.{purpose}")


def sign(purpose: str, subscriber_id: int) -> str:
    return str(_plain(purpose).dumps(subscriber_id))


def signer(purpose: str) -> URLSafeSerializer:
    """For signing many ids in a row (the fan-out): ``signer("unsubscribe").dumps(id)``."""
    return _plain(purpose)


def read(purpose: str, token: str) -> int | None:
    try:
        value = _plain(purpose).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _timed() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal.subscriptions.confirm")


def sign_confirmation(subscription_id: int) -> str:
    return str(_timed().dumps(subscription_id))


def read_confirmation(token: str) -> int | None:
    try:
        value = _timed().loads(token, max_age=CONFIRM_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None

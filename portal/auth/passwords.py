"""Password hashing (argon2) and the strength rule (length + common-password check)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def _hasher() -> PasswordHasher:
    # argon2-cffi's defaults (RFC 9106 low-memory profile) unless configured; the test suite
    # lowers the cost so that it can create hundreds of accounts quickly.
    return _hasher_for(current_app.config.get("ARGON2_TIME_COST", 3),
                       current_app.config.get("ARGON2_MEMORY_COST", 65536))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def verify_dummy(password: str) -> None:
    """Spend the time of one verification when the account does not exist (no timing oracle)."""
    verify_password(_dummy_hash(_hasher()), password)


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not-a-real-password-for-timing")


@lru_cache(maxsize=1)
def _chinese_common_passwords() -> frozenset[str]:
    text = resources.files("portal").joinpath("data/common_passwords_zh.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, user_inputs: list[str] | None = None) -> str | None:
    """Why the password is not acceptable, or None. Used by the forms' validators."""
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        return _("The password must have at least %(n)s characters.", n=min_length)
    if len(password) > 128:
        return _("The password may have at most 128 characters.")
    if password.lower() in _chinese_common_passwords():
        return _("This password is too common and easy to guess. Please choose another one.")
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:64], user_inputs=[u for u in (user_inputs or []) if u])
    if result["score"] < 2:
        return _("This password is too common and easy to guess. Please choose another one.")
    return None

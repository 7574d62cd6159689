"""Account rules: registration, authentication, password change and reset, verification of the
email address or mobile number, ending sessions, staff and admin creation."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..accounts.models import Account, Role
from ..audit.services import record
from ..database import savepoint
from ..errors import UserInputError
from ..extensions import db
from .passwords import hash_password, needs_rehash, password_problem, verify_dummy, verify_password

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_login(value: str) -> tuple[str | None, str | None]:
    """Split what the user typed into (email, mobile); raises UserInputError when it is neither."""
    value = (value or "").strip()
    digits = re.sub(r"[\s-]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    if MOBILE_RE.match(digits):
        return None, digits
    if "@" in value:
        try:
            email = validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            raise UserInputError("login", _("Please enter a valid email address.")) from None
        return email.lower(), None
    raise UserInputError("login", _("Please enter a valid email address or an 11-digit mainland mobile "
                                    "number."))


def find_account(login: str) -> Account | None:
    try:
        email, mobile = normalise_login(login)
    except UserInputError:
        return None
    if email:
        return db.session.scalar(select(Account).where(func.lower(Account.email) == email))
    return db.session.scalar(select(Account).where(Account.mobile == mobile))


def _check_new_password(password: str, confirm: str | None, user_inputs: list[str]) -> None:
    if confirm is not None and password != confirm:
        raise UserInputError("confirm", _("The two passwords do not match."))
    problem = password_problem(password, user_inputs)
    if problem:
        raise UserInputError("password", problem)


def _create(login: str, name: str, password: str, role: str, unit=None, actor=None,
            confirm: str | None = None) -> Account:
    email, mobile = normalise_login(login)
    name = (name or "").strip()
    if not name:
        raise UserInputError("name", _("Please enter your name."))
    _check_new_password(password, confirm, [login, name])
    same_login = func.lower(Account.email) == email if email else Account.mobile == mobile
    taken = db.session.scalar(select(Account.id).where(same_login))
    already = UserInputError("login", _("An account with this email address or mobile number already "
                                        "exists. Please log in instead."))
    if taken:
        raise already
    account = Account(email=email, mobile=mobile, name=name, role=role,
                      unit_id=unit.id if unit is not None else None,
                      password_hash=hash_password(password), session_token=secrets.token_hex(8))
    try:
        # Two sign-ups with the same login at the same moment both pass the check above; the
        # unique index decides, and the loser gets the same message instead of a server error.
        with savepoint():
            db.session.add(account)
            db.session.flush()
    except IntegrityError:
        raise already from None
    record(actor or account, "account.create", account,
           after={"role": role, "unit_id": account.unit_id})
    return account


def register_resident(data: dict) -> Account | None:
    """Self-registration of a resident (公众). ``data``: login, name, password, confirm.

    Returns the new, unverified account, with a verification code sent to its email address or
    mobile number. When the login already belongs to an account, returns None and sends that
    address a notice instead: the caller answers exactly as for a new account, so that the
    registration form never tells anybody which addresses are registered.
    """
    email, mobile = normalise_login(data["login"])
    name = (data.get("name") or "").strip()
    if not name:
        raise UserInputError("name", _("Please enter your name."))
    _check_new_password(data["password"], data.get("confirm"), [data["login"], name])
    existing = _existing(email, mobile)
    if existing is None:
        try:
            account = _create(data["login"], name, data["password"], Role.resident.value,
                              confirm=data.get("confirm"))
        except UserInputError as error:
            if error.field != "login":
                raise
            existing = _existing(email, mobile)  # lost a race with another sign-up
        else:
            issue_code(account)
            return account
    hash_password(data["password"])  # the same work as a real sign-up (no timing oracle)
    _send_already_registered(email, mobile)
    return None


def create_verified_resident(data: dict) -> Account:
    """A resident whose login is known to be theirs (demo data): no code is sent."""
    account = _create(data["login"], data["name"], data["password"], Role.resident.value)
    account.verified_at = clock.now()
    return account


def _existing(email: str | None, mobile: str | None) -> Account | None:
    same_login = func.lower(Account.email) == email if email else Account.mobile == mobile
    return db.session.scalar(select(Account).where(same_login))


def _send_already_registered(email: str | None, mobile: str | None) -> None:
    from ..notifications.services import queue_email
    from ..notifications.sms import queue_sms

    with force_locale("zh_CN"):
        if email:
            queue_email(email, _("Someone tried to register with your email address"),
                        _("Somebody (perhaps you) tried to create a new account on the public participation "
                          "portal with this email address. It already has an account: please log in, or "
                          "reset your password if you have forgotten it. If it was not you, you can "
                          "ignore this message."), link="/auth/reset")
        elif mobile:
            queue_sms(db.session, mobile, _("[Portal] This number already has an account. Log in, or ignore "
                                            "this."))


# --- verification of the email address or mobile number ------------------------------------------

def _code_hash(account: Account, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"verify:{account.id}:{code}".encode(), hashlib.sha256).hexdigest()


def issue_code(account: Account) -> None:
    """Send the account a new 6-digit code (email, else SMS); the previous code stops working."""
    from ..notifications.services import queue_email
    from ..notifications.sms import queue_sms

    code = f"{secrets.randbelow(10 ** 6):06d}"
    minutes = current_app.config["VERIFY_CODE_MINUTES"]
    account.verify_code_hash = _code_hash(account, code)
    account.verify_code_expires_at = clock.now() + timedelta(minutes=minutes)
    account.verify_attempts = 0
    with force_locale("zh_CN"):
        if account.email:
            queue_email(account.email, _("Your verification code: %(code)s", code=code),
                        _("Your verification code for the public participation portal is %(code)s. It is "
                          "valid for %(minutes)s minutes. Do not give it to anybody.",
                          code=code, minutes=minutes), account_id=account.id)
        else:
            queue_sms(db.session, account.mobile or "",
                      _("Portal code: %(code)s, valid %(minutes)s min. Never share it.",
                        code=code, minutes=minutes))
    record(account, "account.verification_sent", account)


def check_code(account: Account, code: str) -> str:
    """Check a code typed by the account's owner: "ok" (the account is now verified), "wrong",
    "expired" or "locked" (too many wrong codes: ask for a new one). Wrong tries are counted in
    the database, so the route commits whatever the outcome."""
    if account.verified_at is not None:
        return "ok"
    if account.verify_code_hash is None or account.verify_code_expires_at is None:
        return "expired"
    if account.verify_attempts >= current_app.config["VERIFY_CODE_MAX_ATTEMPTS"]:
        return "locked"
    if clock.now() > account.verify_code_expires_at:
        return "expired"
    code = re.sub(r"\s", "", code or "")
    if not (len(code) == 6 and code.isdigit() and hmac.compare_digest(_code_hash(account, code),
                                                                        account.verify_code_hash)):
        account.verify_attempts += 1
        record(account, "account.verification_failed", account, after={"attempts": account.verify_attempts})
        return "wrong"
    account.verified_at = clock.now()
    account.verify_code_hash = None
    account.verify_code_expires_at = None
    account.verify_attempts = 0
    record(account, "account.verify", account, after={"login": "email" if account.email else "mobile"})
    return "ok"


# --- ending sessions and resetting the password ----------------------------------------------------

def end_sessions(account: Account, action: str = "account.logout") -> None:
    """Every session and remember-me cookie of the account stops working (a new session token)."""
    account.session_token = secrets.token_hex(8)
    record(account, action, account)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _reset_fingerprint(account: Account) -> str:
    # Changes when the password changes or the sessions end: a link works once.
    return hashlib.sha256(f"{account.password_hash}|{account.session_token}".encode()).hexdigest()[:20]


def reset_token(account: Account) -> str:
    return _reset_serializer().dumps({"a": account.id, "f": _reset_fingerprint(account),
                                      "t": int(clock.now().timestamp())})


def request_password_reset(email_text: str) -> None:
    """Email a reset link if an active account uses this address; say nothing either way."""
    try:
        email, _mobile = normalise_login(email_text)
    except UserInputError:
        raise UserInputError("email", _("Please enter a valid email address.")) from None
    if not email:
        raise UserInputError("email", _("Please enter the email address of your account. Accounts "
                                        "registered with a mobile number are helped at the service "
                                        "counter."))
    from ..notifications.services import queue_email

    account = _existing(email, None)
    if account is None or not account.is_active:
        return
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    with force_locale("zh_CN"):
        queue_email(account.email or email, _("Reset your password"),
                    _("Somebody (perhaps you) asked to reset the password of your account on the public "
                      "participation portal. Open the link below within %(minutes)s minutes to choose a "
                      "new password; it works once. If it was not you, ignore this message: your password "
                      "stays as it is.", minutes=minutes),
                    link=f"/auth/reset/{reset_token(account)}", account_id=account.id)
    record(account, "account.reset_requested", account)


def account_for_reset(token: str) -> Account | None:
    """The account a reset link is for, or None when the link is forged, used or expired."""
    try:
        data = _reset_serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int) or not isinstance(data.get("t"), int):
        return None
    account = db.session.get(Account, data["a"])
    if account is None or not account.is_active or not hmac.compare_digest(
            str(data.get("f", "")), _reset_fingerprint(account)):
        return None
    age = clock.now().timestamp() - data["t"]
    if age < 0 or age > current_app.config["PASSWORD_RESET_MINUTES"] * 60:
        return None
    return account


def reset_password(account: Account, new: str, confirm: str) -> None:
    """Set a new password from a reset link: every session ends, and the email is proven."""
    _check_new_password(new, confirm, [account.login, account.name])
    account.password_hash = hash_password(new)
    account.session_token = secrets.token_hex(8)
    if account.verified_at is None and account.email:
        account.verified_at = clock.now()
    record(account, "account.reset_password", account)


def session_is_current(value: str) -> Account | None:
    """The account a session or remember-me cookie value (``Account.get_id``) logs in, or None:
    unknown account, sessions ended since (other token), inactive, or older than
    REMEMBER_COOKIE_DURATION."""
    parts = value.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
        return None
    account = db.session.get(Account, int(parts[0]))
    if account is None or not account.is_active or not hmac.compare_digest(account.session_token, parts[1]):
        return None
    if time.time() - int(parts[2]) > current_app.config["REMEMBER_COOKIE_DURATION"]:
        return None
    return account


def create_account(actor, data: dict) -> Account:
    """An admin creates a staff account (bound to one unit) or another admin."""
    role = data["role"]
    unit = data.get("unit")
    if role == Role.staff.value and unit is None:
        raise UserInputError("unit", _("Staff accounts must belong to a unit."))
    return _create(data["login"], data["name"], data["password"], role, unit=unit, actor=actor)


def authenticate(login: str, password: str) -> Account | None:
    """The account for these credentials, or None. Takes the same time whether or not it exists."""
    account = find_account(login)
    if account is None:
        verify_dummy(password)
        return None
    if not verify_password(account.password_hash, password) or not account.is_active:
        return None
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_login_at = clock.now()
    return account


def change_password(account: Account, current: str, new: str, confirm: str) -> None:
    if not verify_password(account.password_hash, current):
        raise UserInputError("current", _("The current password is not correct."))
    _check_new_password(new, confirm, [account.login, account.name])
    account.password_hash = hash_password(new)
    account.session_token = secrets.token_hex(8)  # every session ends; the route logs this one in again
    record(account, "account.change_password", account)


def set_active(actor, account: Account, active: bool) -> None:
    before = {"active": account.is_active_flag}
    account.is_active_flag = active
    account.session_token = secrets.token_hex(8)
    record(actor, "account.activate" if active else "account.deactivate", account, before=before,
           after={"active": active})


def update_role(actor, account: Account, role: str, unit) -> None:
    if role == Role.staff.value and unit is None:
        raise UserInputError("unit", _("Staff accounts must belong to a unit."))
    before = {"role": account.role, "unit_id": account.unit_id}
    account.role = role
    account.unit_id = unit.id if unit is not None and role != Role.resident.value else None
    account.session_token = secrets.token_hex(8)
    record(actor, "account.change_role", account, before=before,
           after={"role": role, "unit_id": account.unit_id})

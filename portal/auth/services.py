"""Account rules: registration, authentication, password change, staff and admin creation."""
from __future__ import annotations

import re
import secrets

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..accounts.models import Account, Role
from ..audit.services import record
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
        with db.session.begin_nested():
            db.session.add(account)
            db.session.flush()
    except IntegrityError:
        raise already from None
    record(actor or account, "account.create", account,
           after={"role": role, "unit_id": account.unit_id})
    return account


def register_resident(data: dict) -> Account:
    """Self-registration of a resident (公众). ``data``: login, name, password, confirm."""
    return _create(data["login"], data["name"], data["password"], Role.resident.value,
                   confirm=data.get("confirm"))


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
    account.session_token = secrets.token_hex(8)  # other sessions end
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

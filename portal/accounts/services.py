"""An account's own data: export (PIPL access right) and deletion (PIPL erasure right).

Each feature that keeps personal data registers an exporter and an eraser here, so that export
and deletion always cover everything the portal holds about a person.
"""
from __future__ import annotations

from typing import Any, Callable

from flask_babel import gettext as _

from .. import clock
from ..audit.services import record
from ..auth.passwords import verify_password
from ..errors import UserInputError
from ..extensions import db
from .models import Account

# name -> callable(account) -> JSON-ready data
EXPORTERS: dict[str, Callable[[Account], Any]] = {}
# callables(account) that remove or anonymise the feature's personal data before the account goes
ERASERS: list[Callable[[Account], None]] = []


def exporter(name: str):
    def decorator(func):
        EXPORTERS[name] = func
        return func

    return decorator


def eraser(func):
    ERASERS.append(func)
    return func


@exporter("account")
def _export_account(account: Account) -> dict:
    return {
        "id": account.id,
        "name": account.name,
        "email": account.email,
        "mobile": account.mobile,
        "role": account.role,
        "created_at": account.created_at.isoformat(),
        "last_login_at": account.last_login_at.isoformat() if account.last_login_at else None,
    }


@exporter("inbox")
def _export_inbox(account: Account) -> list[dict]:
    from sqlalchemy import select

    from ..notifications.models import InboxMessage

    rows = db.session.scalars(select(InboxMessage).where(InboxMessage.account_id == account.id)
                              .order_by(InboxMessage.id))
    return [{"subject": m.subject, "body": m.body, "link": m.link, "created_at": m.created_at.isoformat(),
             "read": m.is_read} for m in rows]


def export_data(account: Account) -> dict:
    data = {"exported_at": clock.now().isoformat()}
    for name, func in EXPORTERS.items():
        data[name] = func(account)
    return data


def delete_account(account: Account, password: str) -> None:
    """Delete a resident's account after checking the password; published contributions stay,
    shown as anonymous (匿名). Staff and admin accounts are deactivated by an admin instead."""
    if account.role != "resident":
        raise UserInputError(None, _("Staff and admin accounts are closed by an administrator."))
    if not verify_password(account.password_hash, password):
        raise UserInputError("password", _("The password is not correct."))
    for erase in ERASERS:
        erase(account)
    record(account, "account.delete", account, before={"role": account.role})
    db.session.delete(account)
    db.session.flush()

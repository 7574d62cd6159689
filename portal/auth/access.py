"""The access checks that every staff and admin route uses.

``staff_required`` / ``admin_required`` guard a view by role; ``ensure_unit_access(obj)`` guards an
object: staff may touch only their own unit's objects (403 otherwise, whatever the URL), admins
(the district office) may touch every unit's. ``get_for_unit`` loads an object and checks it in
one step. ``scope_to_unit`` narrows a query to what the account may manage and ``unit_choices``
lists the units it may pick in a form: the one place that says "admins see every unit, staff their
own".
"""
from __future__ import annotations

from functools import wraps
from typing import TypeVar

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import false

from ..extensions import db

T = TypeVar("T")


def _role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


staff_required = _role_required("staff", "admin")
admin_required = _role_required("admin")


def verified_required(view=None, *, methods: tuple[str, ...] = ("POST",)):
    """Residents comment and sign up only once their email address or mobile number is verified.

    On a submission (``methods``, POST by default) by a logged-in account that is not verified,
    the view does not run (nothing is saved): the person is sent to the verification page with a
    message, and comes back to the page afterwards. Anonymous visitors are left to the view (which
    asks them to log in). Use ``@verified_required(methods=("GET", "POST"))`` on a page that is only
    a sign-up form.
    """

    def decorator(inner):
        @wraps(inner)
        def wrapper(*args, **kwargs):
            if (request.method in methods and current_user.is_authenticated
                    and not current_user.is_verified):
                flash(_("Please verify your email address or mobile number first: we send you a 6-digit "
                        "code. Nothing has been submitted yet."), "warning")
                back = request.path if request.method == "GET" else _same_site_referrer() or request.path
                return redirect(url_for("auth.verify", next=back))
            return inner(*args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def _same_site_referrer() -> str | None:
    from urllib.parse import urlsplit

    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if path.startswith("/") and not path.startswith("//") else None


def can_manage_unit(account, unit_id: int | None) -> bool:
    if account is None or not account.is_authenticated:
        return False
    if account.role == "admin":
        return True
    return account.role == "staff" and unit_id is not None and account.unit_id == unit_id


def unit_id_of(obj) -> int | None:
    """The unit an object belongs to: its ``unit_id``, or that of its ``owner_unit_id`` chain."""
    if hasattr(obj, "owner_unit_id"):
        return obj.owner_unit_id
    if hasattr(obj, "unit_id"):
        return obj.unit_id
    if obj.__class__.__name__ == "Unit":
        return obj.id
    raise TypeError(f"{type(obj).__name__} has no unit")


def ensure_unit_access(obj_or_unit_id) -> None:
    """Abort with 403 unless the current account may manage the object (or the unit id)."""
    unit_id = obj_or_unit_id if isinstance(obj_or_unit_id, int) else unit_id_of(obj_or_unit_id)
    if not can_manage_unit(current_user, unit_id):
        abort(403)


def get_for_unit(model: type[T], object_id: int) -> T:
    """Load ``model`` by id (404 if missing) and check the current account may manage it (403)."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    ensure_unit_access(obj)
    return obj


def is_district_office(account) -> bool:
    """Admins (the district office) act on every unit's objects."""
    return account is not None and getattr(account, "role", None) == "admin"


def scope_to_unit(query, column, account=None):
    """Narrow ``query`` to the rows whose ``column`` (a unit id column) the account may manage:
    every row for an admin, their own unit's for staff, none for anybody else."""
    account = current_user if account is None else account
    if is_district_office(account):
        return query
    unit_id = getattr(account, "unit_id", None) if getattr(account, "role", None) == "staff" else None
    if unit_id is None:
        return query.where(false())
    return query.where(column == unit_id)


def managed_unit_id(account=None) -> int | None:
    """The unit a staff member manages, or None for an admin (every unit)."""
    account = current_user if account is None else account
    return None if is_district_office(account) else account.unit_id


def unit_choices(account=None) -> list[tuple[int, str]]:
    """(id, name) of the units the account may pick in a form, in the district's order."""
    from ..units.models import Unit, units_in_order

    account = current_user if account is None else account
    if is_district_office(account):
        return [(unit.id, unit.name) for unit in db.session.scalars(units_in_order())]
    if getattr(account, "role", None) == "staff" and account.unit_id is not None:
        unit = db.session.get(Unit, account.unit_id)
        return [(unit.id, unit.name)] if unit else []
    return []

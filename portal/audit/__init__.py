"""Append-only audit log (全程留痕、可追溯): every state change records who, when, which object,
and the state before and after. Admins browse it at /admin/audit."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

from . import routes  # noqa: E402,F401

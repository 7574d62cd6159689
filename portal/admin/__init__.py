"""The district office's admin pages: accounts and roles, and the entry to units, the calendar,
the audit log and (later) the compliance dashboard."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import routes  # noqa: E402,F401

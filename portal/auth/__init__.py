"""Sign-up, login, logout and password change, and the access checks every staff and admin
route goes through (portal.auth.access)."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import routes  # noqa: E402,F401

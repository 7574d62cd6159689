"""Units (单位): the district government, its bureaus and its towns and street offices.
Public list at /units; admins create and edit them at /admin/units."""
from flask import Blueprint

bp = Blueprint("units", __name__)

from . import routes  # noqa: E402,F401

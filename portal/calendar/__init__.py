"""Working-day calendar (工作日历): each year's statutory holidays and make-up working days, kept
in the database so that due dates like "10 working days after the decision" are computed right."""
from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/admin/calendar")

from . import routes  # noqa: E402,F401

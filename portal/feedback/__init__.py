"""Adoption feedback (意见采纳情况反馈): staff group comments into themes with dispositions and
publish, within the due working days of the decision's issue date, how comments were handled."""
from flask import Blueprint

bp = Blueprint("feedback", __name__, cli_group="feedback")

from . import api, cli, routes, sections  # noqa: E402,F401

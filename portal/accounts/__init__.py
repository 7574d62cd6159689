"""Accounts of residents, unit staff and district-office admins, and each account's own page
(/me): participation, inbox, data export and deletion."""
from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/me")

from . import routes  # noqa: E402,F401

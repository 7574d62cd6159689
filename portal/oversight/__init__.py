"""Oversight (监督): the district office's compliance dashboard of every unit against the yearly
targets, its charts and XLSX export, each unit's printable yearly report, and the staff overview."""
from flask import Blueprint

bp = Blueprint("oversight", __name__)

from . import api, cli, routes, sections  # noqa: E402,F401

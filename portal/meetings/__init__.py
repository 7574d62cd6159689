"""Public representatives at decision meetings (决策会议公众代表列席): open sign-up, selection by
staff review or a reproducible public lottery, withdrawal with alternates, and the published record."""
from flask import Blueprint

bp = Blueprint("meetings", __name__)

from . import api, cli, routes, sections  # noqa: E402,F401

"""Draft consultation (决策草案公开征求意见): drafts open for public comment section by section,
moderated before publication, with campaigns grouped, offline opinions recorded and exports."""
from flask import Blueprint

bp = Blueprint("consultation", __name__)

from . import api, routes, sections  # noqa: E402,F401

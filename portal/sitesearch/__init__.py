"""One search box for the whole site (全站搜索): decision items, consultations (title and draft
text), feedback reports, meetings and open days, grouped by kind, with portal.search's index."""
from flask import Blueprint

bp = Blueprint("sitesearch", __name__)

from . import routes  # noqa: E402,F401

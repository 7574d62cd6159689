"""Decision catalogue (重大行政决策事项目录): each unit's yearly catalogue of major decisions, and
the decision item hub that links everything that happens to an item."""
from flask import Blueprint

bp = Blueprint("catalogue", __name__)


from . import api, routes  # noqa: E402,F401

"""Policy message board (政策留言板): residents' questions, suggestions and evaluations on issued
policies, on a unit or on the general board, answered by the responsible unit within working-day
deadlines, signed off, rated, selectively published (选登) with personal data hidden; and the
policy evaluation window (政策评价与建议)."""
from flask import Blueprint

bp = Blueprint("board", __name__)

from . import api, cli, routes, sections  # noqa: E402,F401

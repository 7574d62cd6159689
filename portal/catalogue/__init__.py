"""Decision catalogue (重大行政决策事项目录): each unit's yearly catalogue of major decisions, and
the decision item hub that links everything that happens to an item."""
from flask import Blueprint

bp = Blueprint("catalogue", __name__)


@bp.record_once
def _register_cli(state) -> None:
    # The search index is shared by every feature; its catalogue objects are the first indexed.
    from ..search import search_cli

    state.app.cli.add_command(search_cli)


from . import api, routes  # noqa: E402,F401

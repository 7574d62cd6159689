"""Background jobs that write a file for staff (exports too large to build inside a request):
queued by a request, run by ``flask --app portal exports run`` on any node, kept in the database in
chunks until they expire (``flask --app portal exports purge``). See docs/architecture.md "Jobs
that make a file"."""
from flask import Blueprint

bp = Blueprint("exports", __name__, cli_group="exports")

from . import cli, routes  # noqa: E402,F401

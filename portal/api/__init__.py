"""Open data API (/api/v1): read-only JSON of everything public, never personal data, with an
OpenAPI document generated from the same declarations that register the routes."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import core  # noqa: E402,F401

"""Home page, display preferences (language, large text), privacy notice and the staff start page."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from . import routes  # noqa: E402,F401

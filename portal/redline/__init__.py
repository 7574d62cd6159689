"""Redline (条文修改对照): the issued text of a decision compared with its consulted draft, article
by article, each change tied to the themes of comments that caused it; each commenter's own thread
from comment to issued article."""
from flask import Blueprint

bp = Blueprint("redline", __name__)

from . import api, hooks, routes, sections  # noqa: E402,F401

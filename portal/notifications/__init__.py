"""Notifications (消息): an in-site inbox for every account and an email outbox that is sent by
SMTP after the request's transaction commits, retried on failure, never undoing the action."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/me/inbox")

from . import routes  # noqa: E402,F401

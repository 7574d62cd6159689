"""Subscriptions (订阅): follow a unit, a topic, a decision item or every consultation / open day /
meeting / feedback report, by account or by email with double opt-in; instant emails or a daily
digest through the outbox, one-click unsubscribe; Atom feeds of the same events per unit and topic."""
from flask import Blueprint

bp = Blueprint("subscriptions", __name__, cli_group="subscriptions")

from ..notifications.services import DELIVERY_LISTENERS  # noqa: E402
from . import cli, routes, sections  # noqa: E402,F401
from .delivery import count_delivery  # noqa: E402

if count_delivery not in DELIVERY_LISTENERS:
    DELIVERY_LISTENERS.append(count_delivery)

"""Government open activities (政府开放日 / 开放周 / 八月政府开放月): slots with limited seats, a FIFO
waiting list, check-in codes, reminders, questionnaire and a published summary."""
from flask import Blueprint

bp = Blueprint("open_days", __name__, cli_group="open-days")

from . import api, cli, routes  # noqa: E402,F401

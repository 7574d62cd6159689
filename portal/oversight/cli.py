"""`flask --app portal oversight remind` (run daily by portal-oversight-remind.timer)."""
from __future__ import annotations

import click

from ..database import commit
from ..jobs import exclusive_job
from . import bp
from .reminders import send_reminders


@bp.cli.command("remind")
@exclusive_job("oversight-remind")
def remind() -> None:
    """Tell units' staff and the admins when a yearly target turns at risk or missed (each turn
    once), and send the monthly reminder (the first run of each month)."""
    sent = send_reminders()
    commit()
    click.echo(f"targets turned: {sent['turns']}, monthly reminders: {sent['monthly']}")

"""`flask --app portal feedback remind` (run daily from cron)."""
from __future__ import annotations

import click

from ..database import commit
from ..jobs import exclusive_job
from . import bp
from .deadlines import send_reminders


@bp.cli.command("remind")
@exclusive_job("feedback-remind")
def remind() -> None:
    """Remind units' staff of adoption feedback due in a few working days (each reminder once), and
    warn admins of due dates in years without a loaded working-day calendar."""
    n = send_reminders()
    commit()
    click.echo(f"reminders sent: {n}")

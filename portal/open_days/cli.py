"""`flask --app portal open-days no-shows | remind | purge` (run daily from cron)."""
from __future__ import annotations

import click

from ..database import commit
from ..jobs import exclusive_job
from . import bp
from .jobs import purge_personal_data, record_no_shows, send_reminders


@bp.cli.command("no-shows")
@exclusive_job("open-days-no-shows")
def no_shows() -> None:
    """Record unchecked confirmed registrations of ended slots as no-shows."""
    n = record_no_shows()
    commit()
    click.echo(f"no-shows recorded: {n}")


@bp.cli.command("remind")
@exclusive_job("open-days-remind")
def remind() -> None:
    """Remind visitors of tomorrow's slots (each registration is reminded once)."""
    n = send_reminders()
    commit()
    click.echo(f"reminders sent: {n}")


@bp.cli.command("purge")
@exclusive_job("open-days-purge")
def purge() -> None:
    """Delete personal data of registrations OPEN_DAY_PURGE_AFTER_DAYS days after the activity."""
    n = purge_personal_data()
    commit()
    click.echo(f"registrations purged: {n}")

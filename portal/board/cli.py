"""`flask --app portal board remind` (run every working day from its systemd timer)."""
from __future__ import annotations

import click

from ..database import commit
from ..jobs import exclusive_job
from . import bp
from .deadlines import send_reminders


@bp.cli.command("remind")
@exclusive_job("board-remind")
def remind() -> None:
    """Remind units' staff of messages due the next working day and due today (each once)."""
    n = send_reminders()
    commit()
    click.echo(f"reminders sent: {n}")

"""`flask --app portal meetings freeze` (run from cron, e.g. every 5 minutes): freeze and publish
the input list of every lottery whose sign-up has closed. The draw freezes it too if the job has
not run yet; pages never write, they show the list as it will be frozen."""
from __future__ import annotations

import click

from ..database import commit
from ..jobs import exclusive_job
from . import bp
from .selection import freeze_closed_inputs


@bp.cli.command("freeze")
@exclusive_job("meetings-freeze")
def freeze() -> None:
    """Freeze the input lists of the lotteries whose sign-up has closed."""
    n = freeze_closed_inputs()
    commit()
    click.echo(f"lottery inputs frozen: {n}")

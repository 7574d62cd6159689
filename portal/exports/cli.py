"""`flask --app portal exports run | purge` (run by deploy/systemd timers on every node)."""
from __future__ import annotations

import click

from ..database import commit
from ..jobs import exclusive_job
from . import bp
from .services import purge_expired, run_pending


@bp.cli.command("run")
@click.option("--limit", type=int, default=None, help="Stop after this many jobs.")
def run(limit: int | None) -> None:
    """Write the files of queued exports. Every node may run it at once: each job is claimed by
    one node only (a conditional UPDATE), so several nodes share the queue."""
    n = run_pending(limit=limit)
    click.echo(f"exports written: {n}")


@bp.cli.command("purge")
@exclusive_job("exports-purge")
def purge() -> None:
    """Delete the files of exports past their EXPORT_KEEP_HOURS and mark them expired."""
    n = purge_expired()
    commit()
    click.echo(f"exports expired: {n}")

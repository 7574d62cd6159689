"""`flask --app portal subscriptions fanout | digest | closing-soon` (systemd timers in deploy/)."""
from __future__ import annotations

import click

from ..database import commit
from ..jobs import exclusive_job
from . import bp
from .delivery import clock_events, fan_out, send_digests


@bp.cli.command("fanout")
@click.option("--limit", default=100, show_default=True, help="Events per run.")
@exclusive_job("subscriptions-fanout")
def fanout(limit: int) -> None:
    """Match new events to subscriptions and queue the instant emails (run every minute)."""
    events, deliveries, queued = fan_out(limit, commit_each=commit)
    commit()
    click.echo(f"events {events}, deliveries {deliveries}, queued {queued}")


@bp.cli.command("digest")
@exclusive_job("subscriptions-digest")
def digest() -> None:
    """Queue the daily digests (run hourly; sends from SUBSCRIPTION_DIGEST_HOUR, once a day)."""
    n = send_digests()
    commit()
    click.echo(f"digests queued: {n}")


@bp.cli.command("closing-soon")
@exclusive_job("subscriptions-closing-soon")
def closing_soon() -> None:
    """Emit the time-driven events: consultations opening, closing within 3 days and closed;
    meeting sign-ups opening; checked-in open-day visitors invited to the questionnaire once
    their slot ended (run every 15 minutes)."""
    from ..open_days.jobs import invite_to_questionnaire

    n = clock_events()
    invited = invite_to_questionnaire()
    commit()
    click.echo(f"events emitted: {n}, visitors invited to the questionnaire: {invited}")

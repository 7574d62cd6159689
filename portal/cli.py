"""Flask commands: users, calendar, mail, the search index, demo data."""
from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from .database import commit
from .errors import UserInputError
from .extensions import db
from .jobs import exclusive_job, job_lock

users_cli = AppGroup("users", help="Accounts.")
calendar_cli = AppGroup("calendar", help="Working-day calendar.")
mail_cli = AppGroup("mail", help="Email outbox.")
search_cli = AppGroup("search", help="Full-text search index.")


@users_cli.command("create-admin")
@click.option("--login", required=True, help="Email address or mainland mobile number.")
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(login: str, name: str, password: str) -> None:
    """Create an administrator (district office) account."""
    from .auth.services import create_account

    try:
        account = create_account(None, {"login": login, "name": name, "password": password, "role": "admin"})
    except UserInputError as error:
        raise click.ClickException(error.message) from None
    commit()
    click.echo(f"admin account {account.login} created (id {account.id})")


@calendar_cli.command("sync")
@click.option("--replace", is_flag=True, help="Reload years that are already loaded.")
@exclusive_job("calendar-sync")
def calendar_sync(replace: bool) -> None:
    """Load the years that the chinese-calendar package covers."""
    from .calendar.services import sync_from_package

    done = sync_from_package(replace=replace)
    commit()
    click.echo("loaded: " + (", ".join(map(str, done)) if done else "nothing new"))


@calendar_cli.command("due")
@click.argument("start")
@click.argument("n", type=int)
def calendar_due(start: str, n: int) -> None:
    """Print the Nth working day after START (YYYY-MM-DD), and 'provisional' if it is."""
    from .calendar.services import add_working_days

    try:
        day = date.fromisoformat(start)
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="START") from None
    if n < 1:
        raise click.BadParameter("must be at least 1", param_hint="N")
    click.echo(str(add_working_days(day, n)))


@calendar_cli.command("load")
@click.argument("year", type=int)
@click.argument("path", type=click.File("r", encoding="utf-8"))
def calendar_load(year: int, path) -> None:
    """Load YEAR from a text file: one 'YYYY-MM-DD holiday|workday [name]' a line."""
    from .calendar.services import load_year, parse_year_text

    try:
        days = parse_year_text(year, path.read())
    except UserInputError as error:
        raise click.ClickException(error.message) from None
    load_year(year, days, source="file")
    commit()
    click.echo(f"{year}: {len(days)} days loaded")


@calendar_cli.command("show")
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    """Print YEAR in the text format."""
    from .calendar.services import format_year_text

    click.echo(format_year_text(year), nl=False)


@mail_cli.command("send")
@exclusive_job("mail-send")
def mail_send() -> None:
    """Send the emails that are due (run every minute or so)."""
    from .notifications.services import send_pending

    sent, failed = send_pending()
    click.echo(f"sent {sent}, failed {failed}")


@search_cli.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index of every searchable object."""
    from .search import reindex

    done = reindex()
    commit()
    for object_type, count in sorted(done.items()):
        click.echo(f"{object_type}: {count} indexed")


def after_upgrade() -> None:
    """What ``flask db upgrade`` does after the schema: load the working-day calendar of every
    year the installed chinese-calendar package covers and is not loaded yet (and so correct
    provisional due dates), so that a fresh installation counts working days right at once."""
    from .calendar.services import sync_from_package

    with job_lock("calendar-sync") as acquired:
        if not acquired:
            return
        done = sync_from_package()
        commit()
    click.echo("working-day calendar loaded: " + (", ".join(map(str, done)) if done else "nothing new"))


def _upgrade_then_load_calendar(app: Flask) -> None:
    """Replace Flask-Migrate's ``db upgrade`` with one that runs ``after_upgrade`` when it has
    upgraded a database to the head (not for ``--sql`` scripts or an explicit older revision)."""
    group = app.cli.commands.get("db")  # type: ignore[attr-defined]
    if not isinstance(group, click.Group) or "upgrade" not in group.commands:
        return
    original = group.commands["upgrade"]

    @with_appcontext
    def upgrade(**kwargs):
        click.get_current_context().invoke(original, **kwargs)
        if not kwargs.get("sql") and kwargs.get("revision", "head") in ("head", "heads"):
            after_upgrade()

    command = click.Command("upgrade", params=original.params, callback=upgrade,
                            help=(original.help or "") + " Then loads the working-day calendar.")
    app.cli.add_command(click.Group(group.name, commands={**group.commands, "upgrade": command},
                                    params=group.params, callback=group.callback, help=group.help))


def register_cli(app: Flask) -> None:
    _upgrade_then_load_calendar(app)
    app.cli.add_command(users_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(search_cli)

    @app.cli.command("seed-demo")
    @click.option("--force", is_flag=True, help="Seed even if the database already has units.")
    def seed_demo(force: bool) -> None:
        """Load demo units, accounts and content (only into an empty database)."""
        from .demo import seed
        from .units.models import Unit

        if not force and db.session.scalar(select(func.count(Unit.id))):
            click.echo("database already has data: demo not loaded")
            return
        passwords = seed()
        commit()
        click.echo("demo data loaded")
        if current_app.config.get("DEMO_MODE") or current_app.debug:
            click.echo("demo accounts (demo mode only):")
            for login, role, password in passwords:
                click.echo(f"  {role:<9} {login:<32} {password}")


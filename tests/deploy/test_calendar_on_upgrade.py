"""`flask db upgrade` loads the working-day calendar, and loading a year corrects the provisional due
dates of published adoption feedback reports (due date, on time, audit entry)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.audit.models import AuditEntry
from portal.calendar.services import chinese_calendar_years, loaded_years, sync_from_package
from portal.extensions import db
from portal.feedback.models import AdoptionReport
from tests.conftest import BASE_CONFIG


@pytest.fixture
def fresh_app(tmp_path):
    """An app on a new, empty SQLite file (whatever database the suite runs on)."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"},
                     instance_path=str(tmp_path / "instance"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_db_upgrade_on_a_fresh_database_loads_every_year_of_the_package(fresh_app):
    app = fresh_app
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    years = chinese_calendar_years()
    assert "working-day calendar loaded: " + ", ".join(map(str, years)) in result.output
    with app.app_context():
        assert loaded_years() == years
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM calendar_day").scalar() > 0
    # Upgrading again loads nothing twice.
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0 and "working-day calendar loaded: nothing new" in again.output


def test_db_upgrade_to_an_older_revision_or_as_sql_loads_nothing(fresh_app):
    app = fresh_app
    result = app.test_cli_runner().invoke(args=["db", "upgrade", "lead01"])  # an older revision
    assert result.exit_code == 0 and "working-day calendar" not in result.output
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # (SQLite's batch migrations need a live database: no --sql script there)
        result = app.test_cli_runner().invoke(args=["db", "upgrade", "--sql"])
        assert result.exit_code == 0 and "working-day calendar" not in result.output


def _published_report(f, issued: date, published: date, due: date, provisional: bool) -> AdoptionReport:
    item = f.decision(status="feedback_published", issue_date=issued)
    report = AdoptionReport(decision_id=item.id, summary="", published_at=datetime.combine(published, datetime.min.time()),
                            due_on=due, due_provisional=provisional, version=1)
    db.session.add(report)
    db.session.flush()
    return report


def test_loading_a_year_corrects_provisional_due_dates_of_published_reports(app, f):
    # Issued Thursday 2026-09-24 while 2026 was not loaded: the weekend rule counted 10 working
    # days to 10-08 (provisional). With the holidays (Mid-Autumn 09-25..27, National Day
    # 10-01..07, Saturday 10-10 worked) the 10th working day is 10-15.
    assert 2026 not in loaded_years()
    on_due_day = _published_report(f, date(2026, 9, 24), date(2026, 10, 15), date(2026, 10, 8), True)
    day_after = _published_report(f, date(2026, 9, 24), date(2026, 10, 16), date(2026, 10, 8), True)
    settled = _published_report(f, date(2026, 9, 24), date(2026, 10, 12), date(2026, 10, 20), False)
    db.session.commit()
    assert on_due_day.on_time is False and day_after.on_time is False

    assert sync_from_package([2026]) == [2026]
    db.session.commit()

    assert (on_due_day.due_on, on_due_day.due_provisional, on_due_day.on_time) == (date(2026, 10, 15), False, True)
    assert (day_after.due_on, day_after.due_provisional, day_after.on_time) == (date(2026, 10, 15), False, False)
    assert (settled.due_on, settled.due_provisional) == (date(2026, 10, 20), False)  # never provisional: kept
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.due_corrected")
                                 .order_by(AuditEntry.object_id)).all()
    assert [e.object_id for e in entries] == [on_due_day.id, day_after.id]
    assert entries[0].before == {"due_on": "2026-10-08", "due_provisional": True, "on_time": False}
    assert entries[0].after == {"due_on": "2026-10-15", "due_provisional": False, "on_time": True}
    assert "2026" in entries[0].summary

    # Loading the year again (or another year) changes nothing more.
    sync_from_package([2026], replace=True)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "feedback.due_corrected")) == 2


def test_a_due_date_still_reaching_into_an_unloaded_year_stays_provisional(app, f):
    # Issued 2026-12-28: the due date falls in 2027, which the package does not cover.
    report = _published_report(f, date(2026, 12, 28), date(2027, 1, 5), date(2027, 1, 11), True)
    db.session.commit()
    sync_from_package([2026])
    db.session.commit()
    assert report.due_provisional is True
    assert report.due_on == date(2027, 1, 11)

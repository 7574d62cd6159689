"""Working days (DESIGN §3): loading years, due dates across holidays, provisional years, CLI, admin."""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.calendar.models import CalendarDay, CalendarYear
from portal.calendar.services import (
    WorkingCalendar,
    add_working_days,
    is_working_day,
    load_year,
    parse_year_text,
    sync_from_package,
    working_days_between,
)
from portal.errors import UserInputError
from portal.extensions import db


@pytest.fixture
def y2026(app):
    sync_from_package([2026])
    db.session.commit()


def test_the_package_knows_the_2026_schedule_these_tests_rely_on():
    for day in [date(2026, 9, 25)] + [date(2026, 10, d) for d in range(1, 8)]:
        assert chinese_calendar.is_holiday(day), day
    assert chinese_calendar.is_workday(date(2026, 9, 20))  # Sunday, make-up working day
    assert chinese_calendar.is_workday(date(2026, 10, 10))  # Saturday, make-up working day


def test_sync_loads_holidays_and_makeup_days(y2026):
    kinds = dict(db.session.execute(select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.year == 2026)).all())
    assert kinds[date(2026, 10, 1)] == "holiday" and kinds[date(2026, 9, 25)] == "holiday"
    assert kinds[date(2026, 9, 20)] == "workday" and kinds[date(2026, 10, 10)] == "workday"
    assert date(2026, 10, 12) not in kinds  # an ordinary Monday needs no row
    assert is_working_day(date(2026, 9, 20)) and is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 5)) and not is_working_day(date(2026, 10, 11))


def _by_hand(start: date, n: int, off: set[date], on: set[date]) -> date:
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if day in on or (day.weekday() < 5 and day not in off):
            counted += 1
    return day


OFF_2026 = {date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27)} | {date(2026, 10, d) for d in range(1, 8)}
ON_2026 = {date(2026, 9, 20), date(2026, 10, 10)}


@pytest.mark.parametrize("start,expected", [
    # Friday 25 Sep is itself a holiday (Mid-Autumn): 28, 29, 30 Sep, 8, 9, 10 (Sat, make-up), 12..15 Oct.
    (date(2026, 9, 25), date(2026, 10, 15)),
    # Wednesday 30 Sep: 8, 9, 10 (Sat), 12, 13, 14, 15, 16, 19, 20 Oct.
    (date(2026, 9, 30), date(2026, 10, 20)),
    # Saturday 19 Sep (weekend, not counted): Sun 20 (make-up), 21..24, 28, 29, 30 Sep, 8, 9 Oct.
    (date(2026, 9, 19), date(2026, 10, 9)),
    # Thursday 1 Oct (holiday, not counted): 8, 9, 10, 12, 13, 14, 15, 16, 19, 20 Oct.
    (date(2026, 10, 1), date(2026, 10, 20)),
    # Sunday 20 Sep is a working day but as the start it never counts: 21..24, 28..30, 8, 9, 10 Oct.
    (date(2026, 9, 20), date(2026, 10, 10)),
])
def test_tenth_working_day_across_national_day(y2026, start, expected):
    assert _by_hand(start, 10, OFF_2026, ON_2026) == expected
    due = add_working_days(start, 10)
    assert due.day == expected and due.provisional is False
    assert str(due) == expected.isoformat()


def test_one_working_day_after_a_weekend_or_holiday_never_counts_the_start(y2026):
    assert add_working_days(date(2026, 10, 3), 1).day == date(2026, 10, 8)  # Saturday in the holiday
    assert add_working_days(date(2026, 10, 11), 1).day == date(2026, 10, 12)  # Sunday
    assert add_working_days(date(2026, 10, 9), 1).day == date(2026, 10, 10)  # Friday → make-up Saturday


def test_working_days_between(y2026):
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 20)) == 10
    assert working_days_between(date(2026, 10, 20), date(2026, 9, 30)) == -10
    assert working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    assert working_days_between(date(2026, 10, 5), date(2026, 10, 5)) == 0


def test_year_not_loaded_uses_the_weekend_rule_and_is_provisional(y2026):
    due = add_working_days(date(2027, 9, 30), 10)  # Thursday; 2027 not loaded
    assert due.day == date(2027, 10, 14) and due.provisional is True
    assert str(due) == "2027-10-14 provisional"
    # A span that runs from a loaded year into a missing one is provisional too.
    assert add_working_days(date(2026, 12, 28), 10).provisional is True
    assert add_working_days(date(2026, 12, 1), 5).provisional is False


def test_nothing_loaded_at_all_is_provisional_not_an_error(app):
    due = add_working_days(date(2026, 9, 30), 10)
    assert due.provisional is True and due.day == date(2026, 10, 14)


def test_working_calendar_loads_once(y2026):
    cal = WorkingCalendar.load([2026, 2027])
    assert cal.loaded_years == {2026}
    assert cal.add_working_days(date(2026, 9, 30), 10).day == date(2026, 10, 20)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 9, 30), 0)


# --- the text format and loading ----------------------------------------------------------------

TEXT_2027 = """# 2027 (example schedule)
2027-10-01 holiday 国庆节
2027-10-04 休 国庆节
2027-10-09 workday 国庆节调休
2027-10-10 班
"""


def test_parse_year_text():
    days = parse_year_text(2027, TEXT_2027)
    assert days == [(date(2027, 10, 1), "holiday", "国庆节"), (date(2027, 10, 4), "holiday", "国庆节"),
                    (date(2027, 10, 9), "workday", "国庆节调休"), (date(2027, 10, 10), "workday", "")]


@pytest.mark.parametrize("text,line,fragment", [
    ("2027-10-01 holiday\n2027-13-01 holiday\n", 2, "is not a date"),
    ("2027-10-01\n", 1, "expected"),
    ("\n\n2026-10-01 holiday\n", 3, "is not in 2027"),
    ("2027-10-01 party\n", 1, "must be holiday"),
    ("2027-10-01 holiday\n2027-10-01 workday\n", 2, "listed twice"),
])
def test_parse_errors_name_the_line(text, line, fragment):
    with pytest.raises(UserInputError) as error:
        parse_year_text(2027, text)
    assert error.value.field == "text"
    assert f"Line {line}:" in error.value.message and fragment in error.value.message


def test_load_year_replaces_the_schedule_and_is_audited(y2026):
    load_year(2026, [(date(2026, 10, 12), "holiday", "test")], source="admin")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CalendarDay).where(CalendarDay.year == 2026)) == 1
    assert db.session.get(CalendarYear, 2026).source == "admin"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.load_year")).all()
    assert len(entries) == 2 and entries[-1].before["source"].startswith("chinese-calendar")
    assert entries[-1].after == {"source": "admin", "days": {"holiday": 1}}


# --- CLI ------------------------------------------------------------------------------------------

def test_cli_sync_due_show_and_load(app, runner, tmp_path):
    result = runner.invoke(args=["calendar", "sync"])
    assert result.exit_code == 0, result.output
    assert "2026" in result.output and "2004" in result.output
    assert runner.invoke(args=["calendar", "sync"]).output.strip() == "loaded: nothing new"

    result = runner.invoke(args=["calendar", "due", "2026-09-30", "10"])
    assert result.exit_code == 0 and result.output == "2026-10-20\n"
    result = runner.invoke(args=["calendar", "due", "2026-09-25", "10"])
    assert result.output == "2026-10-15\n"
    result = runner.invoke(args=["calendar", "due", "2027-09-30", "10"])
    assert result.output == "2027-10-14 provisional\n"
    assert runner.invoke(args=["calendar", "due", "30/09/2026", "10"]).exit_code != 0
    assert runner.invoke(args=["calendar", "due", "2026-09-30", "0"]).exit_code != 0

    shown = runner.invoke(args=["calendar", "show", "2026"]).output
    assert "2026-10-01 holiday" in shown and "2026-10-10 workday" in shown

    source = tmp_path / "2027.txt"
    source.write_text(TEXT_2027, encoding="utf-8")
    result = runner.invoke(args=["calendar", "load", "2027", str(source)])
    assert result.exit_code == 0 and "2027: 4 days loaded" in result.output
    # Fri 1 Oct and Mon 4 Oct 2027 are now holidays: 5, 6 Oct (weekend rule alone gave 1, 4 Oct).
    result = runner.invoke(args=["calendar", "due", "2027-09-30", "2"])
    assert result.output == "2027-10-06\n"
    assert runner.invoke(args=["calendar", "show", "2027"]).output.startswith("2027-10-01 holiday 国庆节\n")

    bad = tmp_path / "bad.txt"
    bad.write_text("2027-10-01 holiday\nnonsense\n", encoding="utf-8")
    result = runner.invoke(args=["calendar", "load", "2027", str(bad)])
    assert result.exit_code != 0 and "2" in result.output
    assert db.session.scalar(select(func.count()).select_from(CalendarDay).where(CalendarDay.year == 2027)) == 4


# --- admin pages ---------------------------------------------------------------------------------

@pytest.fixture
def admin_client(client, f, login):
    login(f.admin())
    db.session.commit()
    return client


def test_admin_views_a_year_and_the_index(admin_client, y2026):
    page = admin_client.get("/admin/calendar/2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026-10-01 holiday" in html  # the text form holds the schedule
    assert "cal-workday" in html and "cal-holiday" in html
    index = admin_client.get("/admin/calendar?start=2026-09-30&n=10").get_data(as_text=True)
    assert "2026-10-20" in index
    assert admin_client.get("/admin/calendar?start=nonsense&n=10").status_code == 200
    assert admin_client.get("/admin/calendar/1999").status_code == 404


def test_admin_loads_a_year_from_text(admin_client):
    response = admin_client.post("/admin/calendar/2027", data={"text": TEXT_2027})
    assert response.status_code == 302
    assert db.session.get(CalendarYear, 2027).source == "admin"
    assert add_working_days(date(2027, 9, 30), 2) == add_working_days(date(2027, 10, 4), 2)
    assert add_working_days(date(2027, 9, 30), 2).day == date(2027, 10, 6)
    page = admin_client.get("/admin/calendar/2027").get_data(as_text=True)
    assert "2027-10-09 workday" in page


def test_admin_text_error_names_the_line_and_keeps_the_text(admin_client, y2026):
    typed = "2026-10-01 holiday 国庆节\n2026-10-02 holiday\n2026-02-30 holiday\n"
    response = admin_client.post("/admin/calendar/2026", data={"text": typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Line 3:" in html and "2026-02-30" in html
    assert "2026-10-02 holiday\n2026-02-30 holiday" in html  # kept in the textarea
    assert db.session.get(CalendarYear, 2026).source.startswith("chinese-calendar")  # unchanged


def test_admin_sync_and_open_year(admin_client):
    assert admin_client.post("/admin/calendar/sync").status_code == 302
    assert db.session.get(CalendarYear, 2026) is not None
    response = admin_client.post("/admin/calendar/open", data={"year": "2028"})
    assert response.headers["Location"].endswith("/admin/calendar/2028")
    response = admin_client.post("/admin/calendar/open", data={"year": "1900"})
    assert response.headers["Location"].endswith("/admin/calendar")


def test_admin_start_page_names_missing_years(admin_client, app):
    from datetime import datetime

    app.config["CLOCK_NOW"] = datetime(2026, 11, 20, 10, 0)
    sync_from_package([2026])
    db.session.commit()
    html = admin_client.get("/admin").get_data(as_text=True)
    assert "2027" in html

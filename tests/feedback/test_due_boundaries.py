"""The feedback deadline at its exact boundaries (issue 15.7): a report published on its due date is
on time and one published the day after is late; an unpublished report is due, not overdue, on its
due date, and overdue the day after. Each assertion fails on an off-by-one in the rule."""
from datetime import date, datetime, time

import pytest

from portal.feedback import deadlines as due_dates
from portal.feedback import report as reports
from tests.factories import issue

from .test_report import themed

ISSUED = date(2026, 9, 24)   # due 2026-10-15 (10 working days across the holidays: test_due.py)
DUE = date(2026, 10, 15)


@pytest.mark.parametrize("published_on, on_time", [(DUE, True), (date(2026, 10, 16), False)])
def test_published_on_the_due_date_is_on_time_the_day_after_late(app, calendar, client, world,
                                                                  published_on, on_time):
    issue(world["item"], ISSUED)
    assert due_dates.deadline_of(world["item"]).due.day == DUE
    themed(world)
    # The last minute of the due date counts as that day; the first of the next as the next.
    app.config["CLOCK_NOW"] = datetime.combine(published_on, time(23, 59) if on_time else time(0, 0))
    reports.publish_report(world["staff"], world["item"])
    report = reports.report_of(world["item"])
    assert report.due_on == DUE and report.on_time is on_time
    deadline = due_dates.deadline_of(world["item"])
    assert deadline.state == ("on_time" if on_time else "late")
    assert client.get(f"/api/v1/feedback/{world['item'].id}").json["on_time"] is on_time
    assert ("Published on time" if on_time else "Published late") in client.get(f"/feedback/{world['item'].id}").text


def test_unpublished_is_due_on_its_due_date_and_overdue_the_day_after(app, calendar, world):
    issue(world["item"], ISSUED)
    on_due = due_dates.deadlines([(world["item"], None)], today=DUE)[0]
    assert on_due.state == "due" and on_due.days == 0
    after = due_dates.deadlines([(world["item"], None)], today=date(2026, 10, 16))[0]
    assert after.state == "overdue" and after.days == 1
    before = due_dates.deadlines([(world["item"], None)], today=date(2026, 10, 14))[0]
    assert before.state == "due" and before.days == 1

"""`flask feedback remind`: 3 and 1 working days before the due date, to the unit's staff, once."""
from datetime import date, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.feedback.models import DeadlineReminder
from portal.notifications.models import InboxMessage
from tests.factories import issue


def reminders(account):
    return db.session.scalars(select(InboxMessage.subject).where(
        InboxMessage.account_id == account.id, InboxMessage.kind == "feedback.reminder")
        .order_by(InboxMessage.id)).all()


def run(app, runner, when):
    app.config["CLOCK_NOW"] = when
    result = runner.invoke(args=["feedback", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_reminders_three_and_one_working_day_before_once_each(app, calendar, runner, world, f):
    issue(world["item"], date(2026, 9, 24))  # due Thursday 2026-10-15
    other_unit_staff = f.staff(f.unit())
    db.session.commit()
    assert "reminders sent: 0" in run(app, runner, datetime(2026, 10, 9, 8, 0))  # 5 working days left
    assert reminders(world["staff"]) == []
    assert "reminders sent: 1" in run(app, runner, datetime(2026, 10, 12, 8, 0))  # Mon: 3 left
    assert "reminders sent: 0" in run(app, runner, datetime(2026, 10, 12, 18, 0))  # same day again
    assert "reminders sent: 0" in run(app, runner, datetime(2026, 10, 13, 8, 0))  # 2 left
    assert "reminders sent: 1" in run(app, runner, datetime(2026, 10, 14, 8, 0))  # 1 left
    assert "reminders sent: 0" in run(app, runner, datetime(2026, 10, 14, 9, 0))
    subjects = reminders(world["staff"])
    assert len(subjects) == 2 and all(world["item"].title in s for s in subjects)
    assert " 3 " in subjects[0] or "3 working" in subjects[0]
    assert db.session.scalars(select(DeadlineReminder.days_before).order_by(DeadlineReminder.id)).all() == [3, 1]
    assert reminders(other_unit_staff) == [] and reminders(world["admin"]) == []


def test_a_missed_run_sends_only_the_most_urgent_reminder(app, calendar, runner, world):
    issue(world["item"], date(2026, 9, 24))
    db.session.commit()
    assert "reminders sent: 1" in run(app, runner, datetime(2026, 10, 14, 8, 0))
    assert "reminders sent: 0" in run(app, runner, datetime(2026, 10, 14, 9, 0))
    assert len(reminders(world["staff"])) == 1


def test_remind_warns_admins_of_a_missing_calendar_year(app, calendar, runner, world):
    issue(world["item"], date(2026, 12, 28))
    db.session.commit()
    run(app, runner, datetime(2026, 12, 29, 8, 0))
    run(app, runner, datetime(2026, 12, 30, 8, 0))
    assert len(db.session.scalars(select(InboxMessage).where(
        InboxMessage.account_id == world["admin"].id, InboxMessage.kind == "feedback.calendar")).all()) == 1

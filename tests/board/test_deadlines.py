"""Due dates on the real 2026 working-day calendar, at their boundaries: the 17:00 cut-off, days
off (the Mid-autumn Festival on Friday 2026-09-25, National Day week, the make-up Saturday
2026-10-10), simple questions, the inbox order and states, and the reminders."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal.board import deadlines
from portal.board import services as svc
from portal.board.models import BoardReminder, DeadlineState
from portal.errors import RuleViolation
from portal.extensions import db
from portal.notifications.models import InboxMessage

from .conftest import ask


@pytest.mark.parametrize("received,start,due", [
    # Friday 2026-09-25 is the Mid-autumn Festival, before National Day week (10-01..10-07);
    # received after 17:00 it counts from Monday 09-28: 29, 30, 10-08, 10-09 and the make-up
    # working Saturday 10-10.
    (datetime(2026, 9, 25, 17, 30), date(2026, 9, 28), date(2026, 10, 10)),
    # A working Friday (09-18) after 17:00, before the Mid-autumn holiday: from the next working
    # day, the make-up working Sunday 09-20 (then 21, 22, 23, 24 and, after the holiday, 28).
    (datetime(2026, 9, 18, 17, 30), date(2026, 9, 20), date(2026, 9, 28)),
    # Exactly at the cut-off counts from the next working day; a second before does not.
    (datetime(2026, 9, 18, 17, 0), date(2026, 9, 20), date(2026, 9, 28)),
    (datetime(2026, 9, 18, 16, 59, 59), date(2026, 9, 18), date(2026, 9, 24)),
    # The last working day before National Day: 16:59 counts that day, 17:00 the day after the week.
    (datetime(2026, 9, 30, 16, 59), date(2026, 9, 30), date(2026, 10, 13)),
    (datetime(2026, 9, 30, 17, 0), date(2026, 10, 8), date(2026, 10, 14)),
    # In the morning of a holiday: from the next working day too.
    (datetime(2026, 10, 3, 9, 0), date(2026, 10, 8), date(2026, 10, 14)),
])
def test_due_date_on_the_2026_calendar(world, received, start, due):
    begin, n, found = deadlines.deadline(received)
    assert (begin, n, found.day, found.provisional) == (start, 5, due, False)


def test_message_received_friday_after_17_before_a_holiday_is_due_on_the_make_up_saturday(world, app):
    app.config["CLOCK_NOW"] = datetime(2026, 9, 25, 17, 30)
    message = ask(world)
    assert message.counted_from == date(2026, 9, 28)
    assert message.due_on == date(2026, 10, 10) == message.first_due_on


def test_the_settings_decide_the_counting(world, app):
    app.config.update(BOARD_CUTOFF="18:00", BOARD_DUE_WORKING_DAYS=3)
    begin, n, found = deadlines.deadline(datetime(2026, 9, 30, 17, 30))
    assert (begin, n, found.day) == (date(2026, 9, 30), 3, date(2026, 10, 10))


def test_simple_is_due_on_the_first_working_day_when_marked_by_then(world, app):
    app.config["CLOCK_NOW"] = datetime(2026, 9, 30, 17, 30)   # counts from 10-08
    message = ask(world)
    assert deadlines.simple_window_ends(message) == date(2026, 10, 9)
    app.config["CLOCK_NOW"] = datetime(2026, 10, 9, 23, 59)   # the last day it may be marked
    svc.mark_simple(world["staff"], message)
    assert (message.simple, message.due_on, message.first_due_on) == (True, date(2026, 10, 9), date(2026, 10, 9))


def test_simple_cannot_be_marked_after_the_first_working_day(world, app):
    app.config["CLOCK_NOW"] = datetime(2026, 9, 30, 17, 30)
    message = ask(world)
    app.config["CLOCK_NOW"] = datetime(2026, 10, 10, 0, 0)    # the make-up Saturday: too late
    with pytest.raises(RuleViolation):
        svc.mark_simple(world["staff"], message)
    assert message.due_on == date(2026, 10, 14) and not message.simple


def test_deadline_states_on_the_due_day_and_the_day_after(world, app):
    message = ask(world)                     # Monday 10-12 10:00 → due Monday 10-19
    assert message.due_on == date(2026, 10, 19)
    assert message.deadline_state(date(2026, 10, 18)) == DeadlineState.due
    assert message.deadline_state(date(2026, 10, 19)) == DeadlineState.due_today
    assert message.deadline_state(date(2026, 10, 20)) == DeadlineState.overdue


def test_inbox_sorts_by_due_date(world, app):
    later = ask(world, title="第一条", text="先收到但不简单")
    app.config["CLOCK_NOW"] = datetime(2026, 10, 12, 11, 0)
    sooner = ask(world, title="第二条", text="后收到但是简单问题")
    svc.mark_simple(world["staff"], sooner)
    rows = db.session.scalars(svc.inbox_query(world["staff"], "open")).all()
    assert [m.id for m in rows] == [sooner.id, later.id]
    assert db.session.scalars(svc.inbox_query(world["other_staff"], "open")).all() == []


def test_reminders_the_working_day_before_and_on_the_day_once_each(world, app):
    message = ask(world)                     # due Monday 10-19
    assert deadlines.send_reminders(date(2026, 10, 15)) == 0          # Thursday: not yet
    assert deadlines.send_reminders(date(2026, 10, 17)) == 0          # Saturday: no run
    assert deadlines.send_reminders(date(2026, 10, 16)) == 1          # Friday: the working day before
    assert deadlines.send_reminders(date(2026, 10, 16)) == 0          # never twice
    assert deadlines.send_reminders(date(2026, 10, 19)) == 1          # the due day
    kinds = db.session.scalars(select(BoardReminder.kind).where(BoardReminder.message_id == message.id)
                               .order_by(BoardReminder.id)).all()
    assert kinds == ["before", "day"]
    subjects = db.session.scalars(select(InboxMessage.subject).where(
        InboxMessage.account_id == world["staff"].id, InboxMessage.kind == "board.reminder")).all()
    assert len(subjects) == 2 and "due today" in subjects[1]
    assert deadlines.send_reminders(date(2026, 10, 20)) == 0          # overdue: the inbox shows it


def test_answered_messages_get_no_reminder(world, app):
    message = ask(world)
    svc.draft_reply(world["staff"], message, "您好，补贴标准见实施意见第五条。")
    svc.sign_off(world["staff2"], message)
    assert deadlines.send_reminders(date(2026, 10, 19)) == 0


def test_remind_command(world, app, runner):
    ask(world)
    app.config["CLOCK_NOW"] = datetime(2026, 10, 19, 8, 15)
    result = runner.invoke(args=["board", "remind"])
    assert result.exit_code == 0 and "reminders sent: 1" in result.output

"""Due dates of messages on the working-day calendar, the simple-question window, deadline
states for the staff inbox and the daily reminders (the working day before and on the due day).

Counting: a message received on a working day before ``BOARD_CUTOFF`` (17:00) counts from that
day, otherwise from the next working day (``counted_from``); it is due on the
``BOARD_DUE_WORKING_DAYS``-th working day after that day (the day itself never counts, as
everywhere on the portal), or the ``BOARD_SIMPLE_WORKING_DAYS``-th when marked simple."""
from __future__ import annotations

from datetime import date, datetime, time

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..accounts.models import Account
from ..calendar.services import DueDate, WorkingCalendar
from ..extensions import db
from ..notifications.services import notify
from .models import BoardMessage, BoardReminder, MessageStatus

REMINDER_BEFORE = "before"
REMINDER_DAY = "day"


def cutoff() -> time:
    hours, _sep, minutes = str(current_app.config["BOARD_CUTOFF"]).partition(":")
    return time(int(hours), int(minutes or 0))


def due_working_days(simple: bool = False) -> int:
    key = "BOARD_SIMPLE_WORKING_DAYS" if simple else "BOARD_DUE_WORKING_DAYS"
    return int(current_app.config[key])


def calendar_for(*days: date) -> WorkingCalendar:
    years = {y for d in days for y in (d.year, d.year + 1)}
    return WorkingCalendar.load(years)


def counted_from(received_at: datetime, calendar: WorkingCalendar | None = None) -> date:
    """The day the deadline counts from: the receipt day if it is a working day and the message
    came before the cut-off, else the next working day."""
    day = received_at.date()
    calendar = calendar or calendar_for(day)
    if calendar.is_working_day(day) and received_at.time() < cutoff():
        return day
    return calendar.add_working_days(day, 1).day


def deadline(received_at: datetime, *, simple: bool = False,
             calendar: WorkingCalendar | None = None) -> tuple[date, int, DueDate]:
    """(counted_from, working days, due date) of a message received at ``received_at``."""
    calendar = calendar or calendar_for(received_at.date())
    start = counted_from(received_at, calendar)
    n = due_working_days(simple)
    return start, n, calendar.add_working_days(start, n)


def apply_deadline(message: BoardMessage, start: datetime, *, simple: bool = False) -> None:
    begin, n, due = deadline(start, simple=simple)
    message.counted_from, message.working_days = begin, n
    message.due_on, message.due_provisional = due.day, due.provisional


def simple_window_ends(message: BoardMessage) -> date:
    """The last day on which staff may mark the message simple: the first working day counted."""
    calendar = calendar_for(message.counted_from)
    return calendar.add_working_days(message.counted_from, due_working_days(simple=True)).day


def can_mark_simple(message: BoardMessage, today: date | None = None) -> bool:
    today = today or clock.today()
    return (message.round == 1 and not message.simple and message.status == MessageStatus.open.value
            and today <= simple_window_ends(message))


def working_days_to_reply(message: BoardMessage, calendar: WorkingCalendar) -> int | None:
    """Working days from the day counting started to the first reply (0: the same day)."""
    if message.first_answered_at is None:
        return None
    return max(calendar.working_days_between(message.counted_from, message.first_answered_at.date()), 0)


# --- reminders ------------------------------------------------------------------------------------

def send_reminders(today: date | None = None) -> int:
    """Remind the unit's staff of each unanswered message the working day before it is due and on
    the due day. Each reminder is recorded and never sent twice; a missed run sends only the one
    that still applies. Returns how many were sent."""
    today = today or clock.today()
    calendar = calendar_for(today)
    if not calendar.is_working_day(today):
        return 0
    next_working = calendar.add_working_days(today, 1).day
    waiting = (MessageStatus.open.value, MessageStatus.signoff.value)
    messages = db.session.scalars(select(BoardMessage).where(
        BoardMessage.status.in_(waiting), BoardMessage.due_on.in_([today, next_working]))
        .order_by(BoardMessage.due_on, BoardMessage.id)).all()
    if not messages:
        return 0
    sent_rows = {(row.message_id, row.due_on, row.kind) for row in db.session.execute(
        select(BoardReminder.message_id, BoardReminder.due_on, BoardReminder.kind)
        .where(BoardReminder.message_id.in_([m.id for m in messages])))}
    staff: dict[int, list[Account]] = {}
    for account in db.session.scalars(select(Account).where(
            Account.role == "staff", Account.unit_id.in_({m.unit_id for m in messages}),
            Account.is_active_flag.is_(True)).order_by(Account.id)):
        staff.setdefault(account.unit_id or 0, []).append(account)
    sent = 0
    for message in messages:
        kind = REMINDER_DAY if message.due_on == today else REMINDER_BEFORE
        if (message.id, message.due_on, kind) in sent_rows:
            continue
        db.session.add(BoardReminder(message_id=message.id, due_on=message.due_on, kind=kind, sent_at=clock.now()))
        if kind == REMINDER_DAY:
            subject = _("Message %(number)s is due today", number=message.tracking_number)
        else:
            subject = _("Message %(number)s is due tomorrow (%(due)s)", number=message.tracking_number,
                        due=message.due_on.isoformat())
        body = _("\"%(title)s\", received on %(received)s, must be answered by %(due)s.",
                 title=message.title, received=message.received_at.strftime("%Y-%m-%d %H:%M"),
                 due=message.due_on.isoformat())
        for account in staff.get(message.unit_id, []):
            notify(account, subject, body, link=f"/staff/board/{message.id}", kind="board.reminder")
        sent += 1
    db.session.flush()
    return sent

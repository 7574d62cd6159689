"""Due dates of adoption feedback in working days, deadline states, the warning that a due date
falls in a year without a loaded working-day calendar, and the daily deadline reminders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable, Sequence

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from .. import clock
from ..accounts.models import Account
from ..audit.services import record
from ..calendar.services import DueDate, WorkingCalendar
from ..catalogue.models import DecisionItem, DecisionStatus, public_decisions
from ..extensions import db
from ..notifications.services import notify
from .models import AdoptionReport, CalendarWarning, DeadlineReminder, DeadlineState

DECIDED_STATUSES = (DecisionStatus.decided.value, DecisionStatus.feedback_published.value)


def due_working_days() -> int:
    return current_app.config["FEEDBACK_DUE_WORKING_DAYS"]


@dataclass
class Deadline:
    """Where an issued item stands: ``state`` is on_time, late, due or overdue; ``days`` the working
    days left (due) or past the due date (overdue)."""

    item: DecisionItem
    report: AdoptionReport | None
    due: DueDate
    state: DeadlineState
    days: int = 0
    missing_years: frozenset[int] = frozenset()  # years counted without a loaded calendar

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def provisional(self) -> bool:
        return self.due.provisional

    @property
    def is_published(self) -> bool:
        return self.state in (DeadlineState.on_time, DeadlineState.late)


def _calendar_years(issue_dates: Iterable[date], today: date, n: int) -> set[int]:
    years = {today.year}
    for issued in issue_dates:
        # The due date lies within a couple of years of the issue date (as add_working_days assumes).
        years.update(range(min(issued.year, today.year), max(issued.year + 2 + n // 200, today.year) + 1))
    return years


def deadlines(rows: Iterable[tuple[DecisionItem, AdoptionReport | None]], today: date | None = None
              ) -> list[Deadline]:
    """Deadline states of many items with one load of the working-day calendar."""
    issued = [(item, report, item.issue_date) for item, report in rows if item.issue_date is not None]
    today = today or clock.today()
    n = due_working_days()
    calendar = WorkingCalendar.load(_calendar_years((day for _i, _r, day in issued), today, n))
    if issued:  # the index built once for the whole span, never widened year after year
        issue_days = [day for _i, _r, day in issued]
        calendar.cover(min(min(issue_days), today), max(max(issue_days), today) + timedelta(days=2 * n + 30))
    result = []
    for item, report, issue_date in issued:
        state: DeadlineState
        if report is not None and report.published_at is not None and report.due_on is not None:
            due = DueDate(report.due_on, report.due_provisional)
            state = DeadlineState.on_time if report.on_time else DeadlineState.late
            days = max(calendar.working_days_between(due.day, report.published_at.date()), 0)
        else:
            due = calendar.add_working_days(issue_date, n)
            if today <= due.day:
                state, days = DeadlineState.due, calendar.working_days_between(today, due.day)
            else:
                state, days = DeadlineState.overdue, calendar.working_days_between(due.day, today)
        first_counted = issue_date + timedelta(days=1)
        missing = frozenset(y for y in range(first_counted.year, due.day.year + 1)
                            if y not in calendar.loaded_years) if due.provisional else frozenset()
        result.append(Deadline(item, report, due, state, days, missing))
    return result


@dataclass
class DeadlineCounts:
    """How many issued decisions stand in each deadline state (one unit's, or any group's)."""

    on_time: int = 0
    late: int = 0
    due: int = 0
    overdue: int = 0
    provisional: int = 0
    due_soon: int = 0  # still due, with at most the given number of working days left
    pending_provisional: int = 0  # of the due and overdue, those whose due date is provisional

    @property
    def issued(self) -> int:
        return self.on_time + self.late + self.due + self.overdue


def _published():
    return and_(AdoptionReport.published_at.is_not(None), AdoptionReport.due_on.is_not(None))


def deadline_counts(*conditions, today: date | None = None, soon: int = 0) -> dict[int, DeadlineCounts]:
    """The deadline states of every issued decision matching ``conditions`` (SQL on DecisionItem),
    counted per unit in the database: the same states as ``deadlines()``, without loading one
    decision. Two grouped queries: every issued decision per unit and issue date (read from the
    covering index ``ix_decision_item_issued``, no join), and the published reports per unit,
    issue date and outcome (by their frozen due date); the difference is still due or overdue, and
    each issue date's due date is an O(1) calendar lookup. So the cost in Python grows with the
    number of units and issue dates (a year has at most 366), not with the number of decisions.
    ``soon``: count as ``due_soon`` the decisions still due with at most that many working days left.
    """
    today = today or clock.today()
    n = due_working_days()
    issued = (DecisionItem.status.in_(DECIDED_STATUSES), DecisionItem.issue_date.is_not(None), *conditions)
    every: Sequence[Any] = db.session.execute(
        select(DecisionItem.unit_id, DecisionItem.issue_date, func.count()).where(*issued)
        .group_by(DecisionItem.unit_id, DecisionItem.issue_date)).all()
    on_time = case((func.date(AdoptionReport.published_at) <= AdoptionReport.due_on, 1), else_=0)
    # The published reports first (a materialized CTE over their covering index), each joined to its
    # decision by key: never a walk over the year's decisions probing a report for each.
    reports = select(AdoptionReport.decision_id, on_time.label("on_time"), AdoptionReport.due_provisional) \
        .where(_published()).cte("published_reports").prefix_with("MATERIALIZED")
    published = db.session.execute(
        select(DecisionItem.unit_id, DecisionItem.issue_date, reports.c.on_time, reports.c.due_provisional,
               func.count())
        .select_from(reports).join(DecisionItem, DecisionItem.id == reports.c.decision_id).where(*issued)
        .group_by(DecisionItem.unit_id, DecisionItem.issue_date, reports.c.on_time,
                  reports.c.due_provisional)).all()
    counts: dict[int, DeadlineCounts] = {}
    reported: dict[tuple[int, date | None], int] = {}
    for unit_id, issue_date, in_time, provisional, count in published:
        found = counts.get(unit_id) or counts.setdefault(unit_id, DeadlineCounts())
        if in_time:
            found.on_time += count
        else:
            found.late += count
        if provisional:
            found.provisional += count
        reported[(unit_id, issue_date)] = reported.get((unit_id, issue_date), 0) + count
    if not every:
        return counts
    # Each issue date's state once (a year has at most 366), then one addition per (unit, date) row.
    dates = {row[1] for row in every}
    calendar = WorkingCalendar.load(_calendar_years(dates, today, n)) \
        .cover(min(min(dates), today), max(max(dates), today) + timedelta(days=2 * n + 30))
    state_of: dict[date, tuple[bool, bool, bool]] = {}
    for issue_date in dates:
        due = calendar.add_working_days(issue_date, n)
        still_due = today <= due.day
        soon_left = still_due and calendar.working_days_between(today, due.day) <= soon
        state_of[issue_date] = (still_due, soon_left, due.provisional)
    for unit_id, issue_date, total in every:
        count = total - reported.get((unit_id, issue_date), 0)
        found = counts.get(unit_id) or counts.setdefault(unit_id, DeadlineCounts())
        if count <= 0:
            continue
        still_due, soon_left, provisional = state_of[issue_date]
        if still_due:
            found.due += count
            if soon_left:
                found.due_soon += count
        else:
            found.overdue += count
        if provisional:
            found.provisional += count
            found.pending_provisional += count
    return counts


def first_issue_date_still_due(today: date | None = None) -> date:
    """The earliest issue date whose report is not due yet today (due dates grow with the issue
    date, so the decisions issued before it are overdue when unpublished)."""
    today = today or clock.today()
    n = due_working_days()
    earliest = today - timedelta(days=3 * n + 60)
    calendar = WorkingCalendar.load(_calendar_years({earliest}, today, n)).cover(earliest, today)
    day = today
    while calendar.add_working_days(day - timedelta(days=1), n).day >= today:
        day -= timedelta(days=1)
    return day


def urgent_items(unit_id: int | None, limit: int, today: date | None = None
                 ) -> tuple[list[Deadline], list[Deadline]]:
    """The ``limit`` most urgent overdue and still-due reports (oldest issue first) of a unit, loaded
    as objects; the counts come from ``deadline_counts``."""
    today = today or clock.today()
    cutoff = first_issue_date_still_due(today)
    query = decided_items(unit_id=unit_id).where(DecisionItem.status == DecisionStatus.decided) \
        .where(or_(AdoptionReport.id.is_(None), not_(_published()))) \
        .order_by(None).order_by(DecisionItem.issue_date, DecisionItem.id).limit(limit)
    overdue = deadlines(db.session.execute(query.where(DecisionItem.issue_date < cutoff)).all(), today)
    due = deadlines(db.session.execute(query.where(DecisionItem.issue_date >= cutoff)).all(), today)
    return overdue, due


def deadline_of(item: DecisionItem, report: AdoptionReport | None = None) -> Deadline | None:
    """The item's deadline (None before it is issued); ``report`` is loaded when not given."""
    if item.issue_date is None:
        return None
    if report is None:
        report = db.session.scalar(select(AdoptionReport).where(AdoptionReport.decision_id == item.id))
    return deadlines([(item, report)])[0]


def decided_items(*, unit_id: int | None = None, public: bool = False):
    """select(DecisionItem, AdoptionReport | None) of issued items, latest issue first; ``unit_id``
    narrows it to one unit (``auth.access.managed_unit_id()`` gives it for the current account)."""
    query = (select(DecisionItem, AdoptionReport)
             .outerjoin(AdoptionReport, AdoptionReport.decision_id == DecisionItem.id)
             .where(DecisionItem.status.in_(DECIDED_STATUSES), DecisionItem.issue_date.is_not(None)))
    if unit_id is not None:
        query = query.where(DecisionItem.unit_id == unit_id)
    if public:
        query = query.where(public_decisions())
    return query.order_by(DecisionItem.issue_date.desc(), DecisionItem.id.desc())


def pending_items(unit_id: int | None = None) -> list[tuple[DecisionItem, AdoptionReport | None]]:
    """Issued items whose report is not published yet."""
    query = decided_items(unit_id=unit_id).where(DecisionItem.status == DecisionStatus.decided)
    return [(item, report) for item, report in db.session.execute(query).all()]


# --- calendar warnings ---------------------------------------------------------------------------

def missing_years(found: Iterable[Deadline]) -> set[int]:
    """Years without a loaded working-day calendar in which these (provisional) due dates fall."""
    years: set[int] = set()
    for deadline in found:
        if deadline.provisional:
            years |= deadline.missing_years
    return years


def warn_missing_years(found: Iterable[Deadline]) -> list[int]:
    """Tell every admin, once per year, that due dates fall in a year whose working-day calendar
    is not loaded (so they are provisional). Returns the years newly warned about.

    Called by the daily job (``flask feedback remind``) and when a report is published, never by a
    page view. Two callers at once warn about a year once (the row's key decides)."""
    years = missing_years(found)
    if not years:
        return []
    already = set(db.session.scalars(select(CalendarWarning.year).where(CalendarWarning.year.in_(years))))
    new = [year for year in sorted(years - already) if _insert_warning(year)]
    if not new:
        return []
    admins = db.session.scalars(select(Account).where(Account.role == "admin", Account.is_active_flag.is_(True))
                                .order_by(Account.id)).all()
    for year in new:
        for admin in admins:
            notify(admin, _("The working-day calendar of %(year)s is not loaded", year=year),
                   _("Adoption feedback is due in %(year)s, but the holidays and make-up working days of "
                     "%(year)s are not loaded: its due dates are computed by the weekend rule and shown "
                     "as provisional. Load the year in the working-day calendar.", year=year),
                   link="/admin/calendar", kind="feedback.calendar")
    db.session.flush()
    record(None, "feedback.calendar_warning", object_type="calendar_year", object_id=new[0],
           after={"years": new, "admins": len(admins)})
    return new


def _insert_warning(year: int) -> bool:
    """Insert the warning row of ``year`` unless a concurrent caller just did (then False):
    ``INSERT ... ON CONFLICT DO NOTHING``, so the loser's transaction goes on unharmed."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = CalendarWarning.__table__
    statement = (dialect.insert(table).values(year=year, warned_at=clock.now())
                 .on_conflict_do_nothing(index_elements=["year"]).returning(table.c.year))
    return db.session.execute(statement).first() is not None


def warned_missing_years() -> list[int]:
    """Years admins were warned about that are still not loaded."""
    from ..calendar.models import CalendarYear

    return list(db.session.scalars(
        select(CalendarWarning.year).outerjoin(CalendarYear, CalendarYear.year == CalendarWarning.year)
        .where(CalendarYear.year.is_(None)).order_by(CalendarWarning.year)))


def unloaded_due_years() -> list[int]:
    """For the admin start page, computed without writing: the years without a loaded calendar in
    which a pending report falls due, and those admins were warned about that are still not loaded."""
    n = due_working_days()
    issue_dates: set[date] = {issued for issued in db.session.scalars(
        select(DecisionItem.issue_date).distinct().select_from(DecisionItem)
        .outerjoin(AdoptionReport, AdoptionReport.decision_id == DecisionItem.id)
        .where(DecisionItem.status == DecisionStatus.decided, DecisionItem.issue_date.is_not(None),
               not_(_published()))) if issued is not None}
    years: set[int] = set()
    if issue_dates:  # one O(1) lookup per issue date, not per decision
        today = clock.today()
        calendar = WorkingCalendar.load(_calendar_years(issue_dates, today, n))
        for issued in issue_dates:
            due = calendar.add_working_days(issued, n)
            if due.provisional:
                years.update(y for y in range((issued + timedelta(days=1)).year, due.day.year + 1)
                             if y not in calendar.loaded_years)
    return sorted(years | set(warned_missing_years()))


# --- deadline reminders ----------------------------------------------------------------------------

def send_reminders(today: date | None = None) -> int:
    """Remind a unit's staff FEEDBACK_REMINDER_WORKING_DAYS working days before a report is due,
    and warn admins of due dates in years without a loaded calendar (``warn_missing_years``).

    Run daily. A reminder is recorded when sent and never sent twice; when a run was missed, only
    the most urgent reminder still applicable is sent (and the earlier ones are recorded as passed).
    """
    today = today or clock.today()
    schedule = sorted({int(d) for d in current_app.config["FEEDBACK_REMINDER_WORKING_DAYS"]}, reverse=True)
    found = deadlines(pending_items(), today)
    warn_missing_years(found)
    sent_rows: set[tuple[int, int]] = {
        (decision_id, days_before) for decision_id, days_before in db.session.execute(
            select(DeadlineReminder.decision_id, DeadlineReminder.days_before)
            .where(DeadlineReminder.decision_id.in_([d.item.id for d in found])))} if found else set()
    staff_by_unit: dict[int, list[Account]] = {}
    unit_ids = {d.item.unit_id for d in found}
    if unit_ids:
        for account in db.session.scalars(select(Account).where(
                Account.role == "staff", Account.unit_id.in_(unit_ids), Account.is_active_flag.is_(True))):
            if account.unit_id is not None:
                staff_by_unit.setdefault(account.unit_id, []).append(account)
    sent = 0
    for deadline in found:
        if deadline.state != DeadlineState.due:
            continue
        applicable = [d for d in schedule if deadline.days <= d and (deadline.item.id, d) not in sent_rows]
        if not applicable:
            continue
        item = deadline.item
        for days_before in applicable:
            db.session.add(DeadlineReminder(decision_id=item.id, days_before=days_before, due_on=deadline.due.day))
        due_text = deadline.due.day.isoformat() + (" " + _("(provisional)") if deadline.provisional else "")
        issued = item.issue_date.isoformat() if item.issue_date else ""
        for account in staff_by_unit.get(item.unit_id, []):
            notify(account, _("Adoption feedback due in %(n)s working days: %(title)s", n=deadline.days,
                              title=item.title),
                   _("The adoption feedback report of \"%(title)s\" (issued on %(issued)s) is due on %(due)s.",
                     title=item.title, issued=issued, due=due_text),
                   link=f"/staff/feedback/decisions/{item.id}", kind="feedback.reminder")
        sent += 1
    db.session.flush()
    return sent

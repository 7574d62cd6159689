"""When a year's working-day schedule is loaded, correct what was counted without it.

An adoption feedback report freezes its due date at first publication (``due_on``,
``due_provisional``). A due date counted through a year whose schedule was not loaded yet used
the weekend rule and is *provisional*: around National Day or the Spring Festival it is wrong.
``correct_provisional_reports`` recounts those due dates with the calendar as it now stands,
which re-evaluates "on time" (published on or before the due date), and records each change in
the audit log. ``load_year`` calls it after every load (package sync, text file, admin form).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..audit.services import record
from ..extensions import db
from .services import WorkingCalendar


def correct_provisional_reports(year: int | None = None, actor=None) -> int:
    """Recount the provisional due dates of published reports; returns how many changed."""
    from ..feedback.models import AdoptionReport

    reports = db.session.scalars(
        select(AdoptionReport).where(AdoptionReport.published_at.is_not(None),
                                     AdoptionReport.due_provisional.is_(True))
        .order_by(AdoptionReport.id)).all()
    if not reports:
        return 0
    n = int(current_app.config["FEEDBACK_DUE_WORKING_DAYS"])
    issued = [r.decision.issue_date for r in reports if r.decision.issue_date is not None]
    if not issued:
        return 0
    calendar = WorkingCalendar.load(range(min(issued).year, max(issued).year + 3 + n // 200))
    changed = 0
    for report in reports:
        issue_date = report.decision.issue_date
        if issue_date is None:
            continue
        due = calendar.add_working_days(issue_date, n)
        if (due.day, due.provisional) == (report.due_on, report.due_provisional):
            continue
        before = {"due_on": report.due_on, "due_provisional": report.due_provisional, "on_time": report.on_time}
        report.due_on, report.due_provisional = due.day, due.provisional
        db.session.flush()
        after = {"due_on": report.due_on, "due_provisional": report.due_provisional, "on_time": report.on_time}
        record(actor, "feedback.due_corrected", report, before=before, after=after,
               summary=f"{before['due_on']} → {after['due_on']}"
                       + (f" (calendar {year})" if year is not None else ""))
        changed += 1
    return changed

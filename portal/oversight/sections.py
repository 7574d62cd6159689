"""This feature's sections: the link to the compliance dashboard on the admin start page, and the
overview at the top of the staff start page (what needs the unit's attention now, and how it
stands against this year's targets). The other features' staff sections follow it with their lists."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from .. import clock
from ..catalogue.models import DecisionItem, DecisionStatus
from ..extensions import db
from ..feedback import deadlines as due_dates
from ..meetings.services import awaiting_staff
from ..notifications.models import InboxMessage
from ..sections import section
from . import services as svc

INBOX_LIMIT = 5
URGENT_LIMIT = 10  # reports listed by name on /staff (the counts cover them all)


@section("admin", "oversight/_admin_section.html", order=5)
def admin_dashboard_link(_account):
    overview = svc.compliance(clock.today().year)
    return {"overview": overview, "totals": overview.totals, "at_risk": overview.at_risk}


@section("staff", "oversight/_staff_section.html", order=1)
def staff_overview(account):
    # Admins have the compliance dashboard of every unit instead.
    if account.role != "staff" or account.unit_id is None:
        return None
    now = clock.now()
    unit_id = account.unit_id
    # The most urgent reports as objects, the totals counted in the database (flat in the decisions).
    overdue, due = due_dates.urgent_items(unit_id, URGENT_LIMIT, now.date())
    pending = due_dates.deadline_counts(DecisionItem.unit_id == unit_id, DecisionItem.status == DecisionStatus.decided,
                                        today=now.date()).get(unit_id, due_dates.DeadlineCounts())
    awaiting_selection, awaiting_record = awaiting_staff(account)
    unread = db.session.scalars(select(InboxMessage).where(
        InboxMessage.account_id == account.id, InboxMessage.read_at.is_(None))
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()).limit(INBOX_LIMIT)).all()
    overview = svc.compliance(now.year, [unit_id], now=now)
    return {
        "unit": account.unit,
        "year": now.year,
        "figures": overview.of(unit_id),
        "pending_comments": svc.pending_comments(unit_id),
        "closing_soon": svc.closing_soon(unit_id, now),
        "closing_soon_days": current_app.config["OVERSIGHT_CLOSING_SOON_DAYS"],
        "feedback_due": due,
        "feedback_overdue": overdue,
        "feedback_due_count": pending.due,
        "feedback_overdue_count": pending.overdue,
        "awaiting_selection": len(awaiting_selection),
        "awaiting_record": len(awaiting_record),
        "activities": svc.upcoming_with_registrations(unit_id, now),
        "unread": unread,
        "now": now,
    }

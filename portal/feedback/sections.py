"""This feature's sections on pages owned by others: the item hub, /me, /staff and /admin."""
from __future__ import annotations

from ..auth.access import managed_unit_id
from ..catalogue.models import DecisionItem, DecisionStatus
from ..sections import section
from . import deadlines as due_dates
from . import report as reports

ME_LIMIT = 20


@section("hub", "feedback/_hub_section.html", order=30)
def hub_feedback(item):
    if item.status not in due_dates.DECIDED_STATUSES or item.issue_date is None:
        return None
    deadline = due_dates.deadline_of(item)
    return {"deadline": deadline, "item": item} if deadline is not None else None


@section("me", "feedback/_me_section.html", order=15)
def my_dispositions(account):
    found = reports.my_dispositions(account, ME_LIMIT)
    return {"dispositions": found} if found else None


@section("staff", "feedback/_staff_section.html", order=15)
def staff_deadlines(account):
    # Counted in the database (flat in the number of decisions), not loaded decision by decision.
    unit_id = managed_unit_id(account)
    conditions = [DecisionItem.status == DecisionStatus.decided]
    if unit_id is not None:
        conditions.append(DecisionItem.unit_id == unit_id)
    counts = list(due_dates.deadline_counts(*conditions).values())
    return {"due": sum(c.due for c in counts), "overdue": sum(c.overdue for c in counts),
            "provisional": sum(c.pending_provisional for c in counts)}


@section("admin", "feedback/_admin_section.html", order=15)
def admin_calendar_warning(_account):
    years = due_dates.unloaded_due_years()
    return {"missing_years": years} if years else None

"""This feature's sections on pages owned by others: the item hub, /me, /staff and /admin."""
from __future__ import annotations

from ..sections import section
from . import services as svc

ME_LIMIT = 20


@section("hub", "feedback/_hub_section.html", order=30)
def hub_feedback(item):
    if item.status not in svc.DECIDED_STATUSES or item.issue_date is None:
        return None
    deadline = svc.deadline_of(item)
    return {"deadline": deadline, "item": item} if deadline is not None else None


@section("me", "feedback/_me_section.html", order=15)
def my_dispositions(account):
    found = svc.my_dispositions(account, ME_LIMIT)
    return {"dispositions": found} if found else None


@section("staff", "feedback/_staff_section.html", order=15)
def staff_deadlines(account):
    unit_id = None if account.role == "admin" else account.unit_id
    if unit_id is None and account.role != "admin":
        return None
    found = svc.deadlines(svc.pending_items(unit_id))
    return {"due": sum(1 for d in found if d.state == "due"),
            "overdue": sum(1 for d in found if d.state == "overdue"),
            "provisional": sum(1 for d in found if d.provisional)}


@section("admin", "feedback/_admin_section.html", order=15)
def admin_calendar_warning(_account):
    years = svc.warned_missing_years()
    return {"missing_years": years} if years else None

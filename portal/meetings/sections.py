"""This feature's sections on pages owned by others: item hub, home, /me and the staff start page."""
from __future__ import annotations

from ..accounts.services import eraser, exporter
from ..extensions import db
from ..sections import section
from . import services as svc
from .models import ApplicationStatus
from .selection import applications_of


@section("hub", "meetings/_hub_section.html", order=40)
def hub_meetings(item):
    meetings = svc.meetings_of_decision(item)
    if not meetings:
        return None
    applications = {m.id: [a for a in applications_of(m) if a.status == ApplicationStatus.selected]
                    for m in meetings if m.record_published_at is not None}
    return {"meetings": meetings, "representatives": applications}


@section("home", "meetings/_home_section.html", order=30)
def home_meetings(_obj):
    meetings = svc.open_for_signup()
    return {"meetings": meetings} if meetings else None


@section("me", "meetings/_me_section.html", order=30)
def my_applications(account):
    applications = svc.applications_of_account(account)
    return {"applications": applications} if applications else None


@section("staff", "meetings/_staff_section.html", order=30)
def staff_meetings(account):
    # Always shown to staff: it is also their way to the meeting pages.
    selection, records = svc.awaiting_staff(account)
    return {"awaiting_selection": selection, "awaiting_record": records}


@exporter("meeting_applications")
def export_applications(account) -> list[dict]:
    return [{
        "meeting": a.meeting.title, "meeting_id": a.meeting_id, "number": a.application_number,
        "name": a.name, "mobile": a.mobile, "id_number_last4": a.id_last4, "category": a.category,
        "organisation": a.organisation, "relation": a.relation, "points": a.points,
        "interests": a.interests, "status": a.status, "alternate_position": a.alternate_position,
        "applied_at": a.created_at.isoformat(), "consent_at": a.consent_at.isoformat(),
        "withdrawn_at": a.withdrawn_at.isoformat() if a.withdrawn_at else None,
        "attended": a.attended, "opinion": a.opinion,
    } for a in svc.applications_of_account(account)]


@eraser
def erase_applications(account) -> None:
    """Applications stay (published lottery lists and records refer to their numbers), but
    nothing that identifies the person does: name, mobile, ID digits and hash, declarations."""
    for application in svc.applications_of_account(account):
        application.account_id = None
        application.name = ""
        application.mobile = None
        application.id_last4 = None
        application.id_hash = None
        application.relation = ""
        application.interests = ""
    db.session.flush()

"""This feature's sections on pages owned by others (item hub, home, /me, staff start page), and
its part of a person's data export and erasure."""
from __future__ import annotations

from sqlalchemy import select

from .. import clock
from ..accounts.services import eraser, exporter
from ..auth.access import scope_to_unit
from ..extensions import db
from ..sections import section
from . import services as svc
from .models import Comment, Consultation

HOME_LIMIT = 5
ME_LIMIT = 10
STAFF_LIMIT = 20


@section("hub", "consultation/_hub_section.html", order=20)
def hub_consultations(item):
    consultations = db.session.scalars(
        select(Consultation).where(Consultation.decision_id == item.id, Consultation.published_at.is_not(None))
        .order_by(Consultation.opens_at.desc())).all()
    return {"consultations": consultations} if consultations else None


@section("home", "consultation/_home_section.html", order=10)
def home_consultations(_obj):
    consultations = db.session.scalars(svc.public_query("open").limit(HOME_LIMIT)).all()
    return {"consultations": consultations} if consultations else None


@section("me", "consultation/_me_section.html", order=10)
def my_comments(account):
    comments = db.session.scalars(svc.comments_of_account(account).limit(ME_LIMIT)).all()
    if not comments:
        return None
    return {"comments": comments, "titles": svc.titles_of({c.consultation_id for c in comments})}


@section("staff", "consultation/_staff_section.html", order=10)
def staff_pending(account):
    query = scope_to_unit(select(Consultation).where(Consultation.pending_count > 0), Consultation.unit_id, account)
    consultations = db.session.scalars(query.order_by(Consultation.pending_count.desc(), Consultation.id)
                                       .limit(STAFF_LIMIT)).all()
    return {"consultations": consultations, "now": clock.now()}


@exporter("consultation_comments")
def export_comments(account) -> list[dict]:
    comments = db.session.scalars(svc.comments_of_account(account)).all()
    return [{"tracking_number": c.tracking_number, "consultation_id": c.consultation_id,
             "section_id": c.section_id, "text": c.text, "published_text": c.public_text,
             "respondent_type": c.respondent_type,
             "shown_as": c.public_name, "status": c.status, "rejection_reason": c.rejection_reason,
             "rejection_note": c.rejection_note, "submitted_at": c.created_at.isoformat(),
             "consent_at": c.consent_at.isoformat(),
             "published_at": c.published_at.isoformat() if c.published_at else None} for c in comments]


@eraser
def erase_comments(account) -> None:
    """Comments stay part of the consultation's record (and its statistics), shown as 匿名."""
    for comment in db.session.scalars(select(Comment).where(Comment.author_id == account.id)):
        comment.author_id = None
        comment.public_name = "匿名"
        comment.anonymous = True
    db.session.flush()

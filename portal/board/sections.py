"""The board's sections on pages other features own (the policy hub, /me, the staff start page),
the figures it adds to the compliance dashboard and yearly report (template globals used by one
include each), and its part of a person's data export and erasure."""
from __future__ import annotations

from sqlalchemy import func, select

from .. import clock
from ..accounts.services import eraser, exporter
from ..auth.access import scope_to_unit
from ..extensions import db
from ..sections import section
from . import bp, evaluation, publication, stats
from . import services as svc
from .models import BoardMessage, MessageStatus

ME_LIMIT = 10
HUB_LIMIT = 10


@section("hub", "board/_hub_section.html", order=60)
def hub_board(item):
    """On an issued policy: ask, the evaluation window with count and average, FAQ and the
    published questions and answers."""
    if svc.issued_policy(item.id) is None:
        return None
    return {"item": item, "faq": publication.faq_of_policy(item.id),
            "published": [m for m in publication.published_of_policy(item.id, HUB_LIMIT) if not m.faq],
            "total": publication.count_published_of_policy(item.id), "score": evaluation.score_of(item.id)}


@section("me", "board/_me_section.html", order=40)
def my_messages(account):
    messages = db.session.scalars(svc.messages_of(account).limit(ME_LIMIT)).all()
    return {"messages": messages} if messages else None


@section("staff", "board/_staff_section.html", order=15)
def staff_board(account):
    today = clock.today()
    waiting = (MessageStatus.open.value, MessageStatus.signoff.value)
    base = scope_to_unit(select(func.count()).select_from(BoardMessage).where(BoardMessage.status.in_(waiting)),
                         BoardMessage.unit_id, account)
    return {"waiting": db.session.scalar(base) or 0,
            "due_today": db.session.scalar(base.where(BoardMessage.due_on == today)) or 0,
            "overdue": db.session.scalar(base.where(BoardMessage.due_on < today)) or 0}


@bp.app_template_global("board_unit_figures")
def board_unit_figures(year: int, unit_ids=None):
    """For the compliance dashboard: {unit id: BoardFigures} of ``year``."""
    return stats.unit_figures(year, unit_ids)


@bp.app_template_global("board_percent")
def board_percent(value):
    return stats.percent(value)


@bp.app_template_global("board_yearly")
def board_yearly(unit, year: int) -> dict:
    """For a unit's yearly report: the board's figures and the policy evaluations by policy."""
    figures = stats.unit_figures(year, [unit.id]).get(unit.id, stats.BoardFigures())
    by_policy: dict[int, dict] = {}
    for item in evaluation.of_unit_year(unit.id, year):
        entry = by_policy.setdefault(item.decision_id, {"decision": item.decision, "scores": [], "suggestions": []})
        entry["scores"].append(item.score)
        if item.public_suggestion:
            entry["suggestions"].append(item.public_suggestion)
    for entry in by_policy.values():
        entry["average"] = round(sum(entry["scores"]) / len(entry["scores"]), 1)
    return {"figures": figures, "evaluations": list(by_policy.values())}


@exporter("board_messages")
def export_messages(account) -> list[dict]:
    messages = db.session.scalars(svc.messages_of(account)).all()
    return [{"tracking_number": m.tracking_number, "kind": m.kind, "title": m.title, "text": m.text,
             "unit": m.unit.name, "decision_id": m.decision_id, "received_at": m.received_at.isoformat(),
             "status": m.status, "replies": [r.text for r in m.sent_replies], "follow_up": m.followup_text,
             "rating": m.rating, "rating_reason": m.rating_reason,
             "published_at": m.published_at.isoformat() if m.published_at else None} for m in messages]


@eraser
def erase_messages(account) -> None:
    """Messages stay with the unit that answered them (and on the board when published, where no
    name is shown); the link to the account is removed."""
    from .models import PolicyEvaluation

    for message in db.session.scalars(select(BoardMessage).where(BoardMessage.author_id == account.id)):
        message.author_id = None
    for item in db.session.scalars(select(PolicyEvaluation).where(PolicyEvaluation.author_id == account.id)):
        item.author_id = None
    db.session.flush()

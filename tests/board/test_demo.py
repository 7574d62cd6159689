from datetime import date

from sqlalchemy import select

from portal.board.models import BoardMessage, BoardTransfer, DeadlineState, PolicyEvaluation
from portal.demo import seed
from portal.extensions import db


def test_demo_messages(app):
    seed()
    messages = db.session.scalars(select(BoardMessage).order_by(BoardMessage.id)).all()
    today = date(2026, 10, 12)
    states = [m.deadline_state(today) for m in messages]
    assert states.count(DeadlineState.on_time) == 3 and DeadlineState.overdue in states
    published = [m for m in messages if m.is_published]
    assert len(published) == 3 and all(m.rating for m in published) and any(m.faq for m in published)
    simple = next(m for m in messages if m.simple)
    assert simple.answered_at.date() == simple.received_at.date() and simple.is_published
    assert db.session.scalar(select(BoardTransfer.reason)) == "社区养老服务点由区民政局负责管理。"
    assert any(m.status == "signoff" for m in messages)
    assert len(db.session.scalars(select(PolicyEvaluation)).all()) == 3

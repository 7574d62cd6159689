"""Shared helpers of the meeting tests."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import InboxMessage

DURING_SIGNUP = datetime(2026, 3, 5, 10, 0)
AFTER_SIGNUP = datetime(2026, 3, 11, 9, 0)
AFTER_CUTOFF = datetime(2026, 3, 14, 9, 0)
AFTER_MEETING = datetime(2026, 3, 16, 9, 0)


def set_now(app, when: datetime) -> None:
    app.config["CLOCK_NOW"] = when


def inbox(account) -> list[InboxMessage]:
    return list(db.session.scalars(select(InboxMessage).where(InboxMessage.account_id == account.id)
                                   .order_by(InboxMessage.id)))


def application_form(**overrides) -> dict:
    from tests.factories import id_number

    data = {"name": "张晓明", "mobile": "139 1234 5678", "id_number": id_number(), "category": "citizen",
            "organisation": "", "relation": "本人居住在改造范围内。", "points": "建议增加停车位。",
            "interests": "无", "consent": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}

"""Rules at their exact boundaries (issue 15.7), each failing on a planted off-by-one: a
consultation of exactly 30 days needs no reason, one a minute shorter does (service, form, and the
dashboard's count). The feedback deadline: tests/feedback/test_due_boundaries.py; the open-day
cut-off: tests/open_days/test_routes.py (exactly at the cut-off on time, one second after late)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from portal.consultation.models import Consultation
from portal.consultation.services import check_period
from portal.errors import UserInputError
from portal.extensions import db
from tests.factories import SAMPLE_DRAFT

OPENS = datetime(2026, 6, 1, 9, 0)


def test_exactly_30_days_needs_no_reason_a_minute_less_does():
    check_period(OPENS, OPENS + timedelta(days=30), "")
    with pytest.raises(UserInputError) as error:
        check_period(OPENS, OPENS + timedelta(days=30) - timedelta(minutes=1), "")
    assert error.value.field == "short_period_reason"
    check_period(OPENS, OPENS + timedelta(days=29), "汛期前必须出台")


def _form(decision, closes_at: datetime) -> dict:
    return {"decision_id": decision.id, "title": "关于《生活垃圾分类管理实施办法（草案）》公开征求意见",
            "draft": SAMPLE_DRAFT, "explanation": "起草说明", "opens_at": OPENS.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": closes_at.strftime("%Y-%m-%dT%H:%M"), "contact_email": "zqyj@example.gov.cn"}


def test_the_form_at_the_boundary(client, login, f):
    unit = f.unit()
    staff = f.staff(unit)
    decision = f.decision(unit, status="drafting")
    db.session.commit()
    login(staff)
    short = client.post("/staff/consultations/new", data=_form(decision, OPENS + timedelta(days=30, minutes=-1)))
    assert short.status_code == 422 and 'id="short_period_reason-error"' in short.get_data(as_text=True)
    exact = client.post("/staff/consultations/new", data=_form(decision, OPENS + timedelta(days=30)))
    assert exact.status_code == 302
    made = db.session.scalars(select(Consultation)).one()
    assert made.closes_at - made.opens_at == timedelta(days=30) and made.short_period_reason == ""


def test_the_period_counted_on_the_dashboard(f):
    item = f.decision(status="drafting")
    exact = f.consultation(item, opens_at=OPENS, closes_at=OPENS + timedelta(days=30), status="closed")
    short = f.consultation(item, opens_at=OPENS, closes_at=OPENS + timedelta(days=30, minutes=-1), status="closed")
    assert exact.period_days == 30 and short.period_days == 29

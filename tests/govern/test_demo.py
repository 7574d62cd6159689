"""The demo follows the participation rule and shows the district office's checks (issue 15.8): a
decision issued without consultation with its reason, a returned catalogue; every item open for
comments has a published consultation behind it, every issued one a closed consultation or a reason."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from portal.catalogue import governance
from portal.catalogue.models import DecisionItem, YearlyCatalogue
from portal.consultation.models import Consultation
from portal.demo import seed
from portal.extensions import db


@pytest.fixture
def clock_now():
    return datetime(2026, 12, 1, 10, 0)


def test_demo_shows_the_checks_and_follows_the_rule(client, login, f):
    seed()
    db.session.commit()
    returned = db.session.scalars(select(YearlyCatalogue).where(YearlyCatalogue.review_status == "returned")).all()
    assert len(returned) == 1 and returned[0].review_comment and returned[0].year == 2027
    without = governance.issued_without_consultation(2026)
    assert without and all(item.no_consultation_reason for item in without)
    for item in db.session.scalars(select(DecisionItem)):
        consultations = db.session.scalars(select(Consultation).where(
            Consultation.decision_id == item.id, Consultation.published_at.is_not(None))).all()
        if item.status == "consulting":
            assert consultations, item.title
        if item.status in ("decided", "feedback_published"):
            assert item.no_consultation_reason or consultations, item.title
    login(f.admin())
    db.session.commit()
    page = client.get("/admin/compliance?year=2027").get_data(as_text=True)
    assert 'data-stage="returned"' in page and returned[0].review_comment.splitlines()[0] in page
    page = client.get("/admin/compliance?year=2026").get_data(as_text=True)
    assert without[0].no_consultation_reason in page

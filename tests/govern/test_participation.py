"""Every decision's participation is checked (issue 15.3): 征求意见中 only with a published
consultation that has not closed; 已出台 only after a consultation closed or with a public reason
for not consulting, shown on the hub and listed on the dashboard."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.catalogue import governance, services
from portal.catalogue.lifecycle import change_status
from portal.consultation import services as consultation_services
from portal.errors import RuleViolation, UserInputError
from portal.extensions import db

from .conftest import NOW

REASON = "本办法为应对突发公共卫生事件须立即作出决策，依法不公开征求意见。"


def _result(reason: str = "", issued: date = date(2026, 5, 8)):
    return services.DecisionResult("青松区停车管理办法", "青府发〔2026〕5号", issued, "现予印发。", reason)


def test_consulting_needs_a_consultation_behind_it(f):
    item = f.decision(status="drafting")
    with pytest.raises(RuleViolation):
        change_status(item, "consulting", f.admin())
    with pytest.raises(RuleViolation):
        services.move_item(f.admin(), item, "consulting")
    f.consultation(item, status="draft")  # not published: still no
    with pytest.raises(RuleViolation):
        change_status(item, "consulting", f.admin())
    f.consultation(item, status="closed")  # closed: no either
    with pytest.raises(RuleViolation):
        change_status(item, "consulting", f.admin())
    assert item.status == "drafting"


def test_publishing_a_consultation_moves_the_item(f):
    item = f.decision(status="drafting")
    consultation = f.consultation(item, status="draft", opens_at=NOW, closes_at=NOW + timedelta(days=30))
    consultation_services.publish(f.staff(item.unit), consultation)
    assert item.status == "consulting"


@pytest.mark.parametrize("status", ["open", "upcoming"])
def test_a_published_consultation_not_closed_allows_consulting(f, status):
    item = f.decision(status="drafting")
    f.consultation(item, status=status)
    change_status(item, "consulting", f.admin())
    assert item.status == "consulting"


def test_issuing_without_a_closed_consultation_needs_a_public_reason(f):
    item = f.decision(status="deliberating")
    f.consultation(item, status="open")  # still running: not enough
    with pytest.raises(UserInputError) as error:
        services.record_decision(f.admin(), item, _result())
    assert error.value.field == "no_consultation_reason"
    assert item.status == "deliberating"
    services.record_decision(f.admin(), item, _result(f"  {REASON}  "))
    assert item.status == "decided" and item.no_consultation_reason == REASON
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "decision.result")).one()
    assert entry.after["no_consultation_reason"] == REASON


def test_change_status_to_issued_checks_it_too(f):
    item = f.decision(status="deliberating")
    with pytest.raises(UserInputError):
        change_status(item, "decided", f.admin())
    item.no_consultation_reason = REASON
    change_status(item, "decided", f.admin())
    assert item.status == "decided"


def test_a_consultation_closed_exactly_now_is_enough_one_second_before_it_is_not(app, f):
    item = f.decision(status="deliberating")
    f.consultation(item, opens_at=NOW - timedelta(days=30), closes_at=NOW + timedelta(seconds=1),
                   published_at=NOW - timedelta(days=31))
    with pytest.raises(UserInputError):
        services.record_decision(f.admin(), item, _result())
    app.config["CLOCK_NOW"] = NOW + timedelta(seconds=1)
    services.record_decision(f.admin(), item, _result(REASON))
    # Consulted: no reason is kept (and none is listed).
    assert item.status == "decided" and item.no_consultation_reason == ""
    assert governance.issued_without_consultation(2026) == []


def test_issued_without_consultation_are_listed_with_their_reason(client, login, f):
    consulted = f.decision(status="deliberating", title="已征求意见的办法")
    f.consultation(consulted, status="closed")
    services.record_decision(None, consulted, _result())
    bare = f.decision(status="deliberating", title="未征求意见的办法")
    services.record_decision(None, bare, _result(REASON))
    last_year = f.decision(status="deliberating", title="去年的办法", year=2025)
    services.record_decision(None, last_year, _result(REASON, date(2025, 12, 30)))
    assert governance.issued_without_consultation(2026) == [bare]
    db.session.commit()
    login(f.admin())
    db.session.commit()
    page = client.get("/admin/compliance?year=2026").get_data(as_text=True)
    section = page[page.index('id="issued-without-consultation"'):]
    assert "未征求意见的办法" in section and REASON in section
    assert "已征求意见的办法" not in section and "去年的办法" not in section
    hub = client.get(f"/decisions/{bare.id}").get_data(as_text=True)
    assert 'id="no-consultation"' in hub and REASON in hub
    assert 'id="no-consultation"' not in client.get(f"/decisions/{consulted.id}").get_data(as_text=True)


def test_refused_status_comes_back_on_the_form(client, login, f):
    unit = f.unit()
    staff = f.staff(unit)
    item = f.decision(unit, status="drafting")
    db.session.commit()
    login(staff)
    response = client.post(f"/staff/catalogue/items/{item.id}/status", data={"status": "consulting", "reason": ""})
    assert response.status_code == 422
    assert 'id="form-errors"' in response.get_data(as_text=True)
    db.session.refresh(item)
    assert item.status == "drafting"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "decision.status")) is None


def test_refused_decision_keeps_what_was_typed_and_stores_no_file(client, login, f, app, tmp_path):
    import io
    unit = f.unit()
    staff = f.staff(unit)
    item = f.decision(unit, status="deliberating")
    db.session.commit()
    login(staff)
    data = {"decision_title": "青松区停车管理办法", "decision_number": "青府发〔2026〕5号",
            "issue_date": "2026-05-08", "decision_text": "",
            "file": (io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"), "d.pdf")}
    before = set(_uploads(app))
    response = client.post(f"/staff/catalogue/items/{item.id}/decision", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="no_consultation_reason-error"' in text and "青府发〔2026〕5号" in text
    assert set(_uploads(app)) == before


def _uploads(app):
    import os
    folder = app.config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads")
    return os.listdir(folder) if os.path.isdir(folder) else []


def test_an_item_issued_before_the_rule_without_consultation_is_listed_as_without_reason(f, client, login):
    item = f.decision(status="decided", issue_date=date(2026, 3, 2), decision_number="青府发〔2026〕2号",
                      decision_title="旧办法", title="规则前出台的办法")
    assert governance.issued_without_consultation(2026) == [item]
    login(f.admin())
    db.session.commit()
    page = client.get("/admin/compliance?year=2026").get_data(as_text=True)
    assert "规则前出台的办法" in page and "未说明理由" in page



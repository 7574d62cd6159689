import csv
import io
import threading
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.consultation import services as svc
from portal.consultation.models import Consultation, OfflineOpinion
from portal.database import commit
from portal.errors import RuleViolation
from portal.extensions import db
from tests.factories import SAMPLE_DRAFT

from .conftest import NOW, section_by_number


def _form(decision, **kw):
    data = {"decision_id": decision.id, "title": "关于《生活垃圾分类管理实施办法（草案）》公开征求意见",
            "draft": SAMPLE_DRAFT, "explanation": "起草说明", "opens_at": "2026-04-02T09:00",
            "closes_at": "2026-05-10T17:00", "contact_email": "zqyj@example.gov.cn"}
    data.update(kw)
    return data


def test_staff_create_split_correct_and_publish(app, client, login, f):
    unit = f.unit()
    staff = f.staff(unit)
    decision = f.decision(unit, status="drafting")
    commit()
    login(staff)
    response = client.post("/staff/consultations/new", data=_form(decision))
    assert response.status_code == 302
    consultation = db.session.scalar(select(Consultation))
    assert consultation.status == "draft"
    assert [s.number for s in consultation.sections][:4] == ["", "第一章", "第一条", "第二条"]
    assert client.get(f"/consultations/{consultation.id}").status_code == 404  # not public
    # correct by hand: edit, add, move, delete
    first = section_by_number(consultation, "第一条")
    assert client.post(f"/staff/consultations/sections/{first.id}/edit",
                       data={"kind": "article", "number": "第一条", "heading": "目的",
                             "body": "为了加强管理。"}).status_code == 302
    assert client.post(f"/staff/consultations/{consultation.id}/sections/new",
                       data={"kind": "article", "number": "第七条", "body": "本办法自发布之日起施行。"}).status_code == 302
    preamble = consultation.sections[0]
    assert client.post(f"/staff/consultations/sections/{preamble.id}/delete").status_code == 302
    db.session.expire_all()
    chapter = consultation.sections[0]
    assert client.post(f"/staff/consultations/sections/{chapter.id}/move/down").status_code == 302
    db.session.expire_all()
    assert [s.number for s in consultation.sections][:2] == ["第一条", "第一章"]
    assert consultation.sections[0].heading == "目的" and consultation.sections[-1].number == "第七条"

    assert client.post(f"/staff/consultations/{consultation.id}/publish").status_code == 302
    db.session.expire_all()
    assert consultation.published_at == NOW and consultation.status == "upcoming"
    assert decision.status == "consulting"
    assert client.get(f"/consultations/{consultation.id}").status_code == 200
    # sections are frozen once comments may refer to them
    client.post(f"/staff/consultations/sections/{chapter.id}/delete")
    db.session.expire_all()
    assert chapter.id in [s.id for s in consultation.sections]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"consultation.create", "consultation.publish", "consultation.section_update",
            "consultation.section_add", "consultation.section_delete", "decision.status"} <= actions


def test_short_period_needs_a_public_reason(app, client, login, f):
    unit = f.unit()
    staff = f.staff(unit)
    decision = f.decision(unit, status="drafting")
    commit()
    login(staff)
    response = client.post("/staff/consultations/new", data=_form(decision, closes_at="2026-04-20T17:00"))
    assert response.status_code == 422
    assert "shorter than 30 days" in response.get_data(as_text=True)
    assert "关于《生活垃圾分类管理实施办法（草案）》公开征求意见" in response.get_data(as_text=True)
    wrong_order = client.post("/staff/consultations/new", data=_form(decision, closes_at="2026-04-01T17:00"))
    assert "must be after the opening time" in wrong_order.get_data(as_text=True)
    app.config["CONSULTATION_MIN_DAYS"] = 15
    assert client.post("/staff/consultations/new", data=_form(decision, closes_at="2026-04-20T17:00")).status_code == 302
    app.config["CONSULTATION_MIN_DAYS"] = 30
    assert client.post("/staff/consultations/new", data=_form(
        decision, closes_at="2026-04-20T17:00", short_period_reason="汛期前必须出台")).status_code == 302
    c = db.session.scalars(select(Consultation).order_by(Consultation.id.desc())).first()
    assert c.short_period_reason == "汛期前必须出台"
    svc.publish(staff, c)
    commit()
    assert "汛期前必须出台" in client.get(f"/consultations/{c.id}").get_data(as_text=True)


def test_extend_with_reason_never_shorten(app, client, login, setup):
    consultation, staff = setup["consultation"], setup["staff"]
    commit()
    login(staff)
    closes = consultation.closes_at
    shorter = client.post(f"/staff/consultations/{consultation.id}/extend",
                          data={"closes_at": (closes - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "reason": "x"})
    assert shorter.status_code == 422 and "never shortened" in shorter.get_data(as_text=True)
    later = (closes + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"/staff/consultations/{consultation.id}/extend",
                       data={"closes_at": later, "reason": ""}).status_code == 422
    assert client.post(f"/staff/consultations/{consultation.id}/extend",
                       data={"closes_at": later, "reason": "应群众要求延长"}).status_code == 302
    db.session.expire_all()
    assert consultation.closes_at == closes + timedelta(days=10) and consultation.original_closes_at == closes
    assert "应群众要求延长" in client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    app.config["CLOCK_NOW"] = consultation.closes_at + timedelta(hours=1)
    with pytest.raises(RuleViolation, match="has closed"):
        svc.extend(staff, consultation, consultation.closes_at + timedelta(days=1), "再延长")


def test_status_is_derived_from_time(app, setup):
    consultation = setup["consultation"]
    assert consultation.status == "open"
    app.config["CLOCK_NOW"] = consultation.closes_at
    assert consultation.status == "closed"
    app.config["CLOCK_NOW"] = consultation.opens_at - timedelta(seconds=1)
    assert consultation.status == "upcoming"
    consultation.published_at = None
    assert consultation.status == "draft"


def test_other_units_staff_get_403(app, client, login, setup, f):
    consultation = setup["consultation"]
    section = consultation.sections[0]
    comment = svc.submit_comment(consultation, setup["resident"], {"text": "意见", "consent": True})
    outsider = f.staff(f.unit())
    commit()
    login(outsider)
    cid = consultation.id
    for method, url in (("get", f"/staff/consultations/{cid}"), ("get", f"/staff/consultations/{cid}/edit"),
                        ("get", f"/staff/consultations/{cid}/moderation"), ("post", f"/staff/consultations/{cid}/publish"),
                        ("post", f"/staff/consultations/sections/{section.id}/delete"),
                        ("post", f"/staff/consultations/{cid}/export/csv"), ("get", f"/staff/consultations/{cid}/offline")):
        assert getattr(client, method)(url).status_code == 403, url
    assert client.post(f"/staff/consultations/{cid}/moderation",
                       data={"comment_ids": [comment.id], "action": "publish"}).status_code == 403
    assert db.session.get(type(comment), comment.id).status == "pending"
    assert client.post("/staff/consultations/new", data=_form(consultation.decision)).status_code == 403
    login(setup["resident"])
    assert client.get(f"/staff/consultations/{cid}").status_code == 403


def test_offline_opinions_and_export(app, client, login, setup):
    consultation, staff, resident = setup["consultation"], setup["staff"], setup["resident"]
    article = section_by_number(consultation, "第五条")
    comment = svc.submit_comment(consultation, resident, {"text": "=HYPERLINK(\"x\") 建议延长投放时间", "consent": True,
                                                          "section_id": article.id})
    commit()
    login(staff)
    future = client.post(f"/staff/consultations/{consultation.id}/offline", data={
        "channel": "symposium", "held_on": "2026-04-05", "participants": 12, "summary": "座谈会"})
    assert future.status_code == 422 and "座谈会" in future.get_data(as_text=True)
    response = client.post(f"/staff/consultations/{consultation.id}/offline", data={
        "channel": "symposium", "held_on": "2026-03-30", "participants": 12,
        "summary": "在盈溪街道召开居民座谈会。", "items": "第五条：建议增加投放点\n总体赞成"})
    assert response.status_code == 302
    opinion = db.session.scalar(select(OfflineOpinion))
    assert opinion.held_on == date(2026, 3, 30) and opinion.participants == 12
    assert [(i.section_id, i.text) for i in opinion.items] == [(article.id, "建议增加投放点"), (None, "总体赞成")]

    export = client.post(f"/staff/consultations/{consultation.id}/export/csv")
    raw = export.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1 + 1 + 1 + 2
    assert rows[1][1] == comment.tracking_number and rows[1][6].startswith("'=HYPERLINK")
    assert "在盈溪街道召开居民座谈会。" in [r[6] for r in rows]
    assert resident.email not in raw.decode("utf-8-sig") and "张三丰" not in raw.decode("utf-8-sig")

    xlsx = client.post(f"/staff/consultations/{consultation.id}/export/xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 5 and values[1][1] == comment.tracking_number
    assert values[3][2] == article.label


def _in_own_thread(call):
    """Run ``call`` where no app context is pushed, as in production: each request then has its
    own session, closed when the view returns (the test's app context would otherwise be reused)."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(call()))
    thread.start()
    thread.join(timeout=60)
    return result[0]


def test_csv_export_streams_after_the_request_session_closed(app, client, login, setup, f):
    consultation, staff = setup["consultation"], setup["staff"]
    article = section_by_number(consultation, "第五条")
    texts = [f"第{n}条建议：延长晚间投放时间。" for n in range(7)]
    for n, text in enumerate(texts):
        svc.submit_comment(consultation, f.resident(), {"text": text, "consent": True,
                                                        "section_id": article.id if n % 2 else None})
    svc.record_offline(staff, consultation, {"channel": "letter", "held_on": date(2026, 3, 30), "participants": 3,
                                             "summary": "来信三封", "items": "第五条：建议增加投放点"})
    commit()
    login(staff)
    url, label = f"/staff/consultations/{consultation.id}/export/csv", article.label

    def export():
        response = client.post(url)
        return response.status_code, response.get_data()

    status, raw = _in_own_thread(export)
    assert status == 200
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1 + len(texts) + 1 + 1
    assert [r[6] for r in rows[1:8]] == texts
    assert rows[2][2] == label and rows[1][2] == "Whole draft"
    assert rows[-1][2] == label and rows[-1][6] == "建议增加投放点"


def test_staff_section_shows_pending_counts(app, client, login, setup, f):
    consultation = setup["consultation"]
    svc.submit_comment(consultation, setup["resident"], {"text": "意见一", "consent": True})
    svc.submit_comment(consultation, f.resident(), {"text": "意见二", "consent": True})
    commit()
    login(setup["staff"])
    page = client.get("/staff").get_data(as_text=True)
    assert f'/staff/consultations/{consultation.id}/moderation">2<' in page
    login(f.staff(f.unit()))
    commit()
    assert f"/staff/consultations/{consultation.id}/moderation" not in client.get("/staff").get_data(as_text=True)

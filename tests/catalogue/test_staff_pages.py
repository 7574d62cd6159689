"""Staff build and publish a catalogue through the pages; staff of unit A get 403 on unit B."""
from datetime import date

import pytest
from sqlalchemy import select

from portal.catalogue.models import DecisionItem, Topic
from portal.extensions import db


@pytest.fixture
def two_units(f):
    a, b = f.unit(), f.unit()
    staff_a = f.staff(a)
    item_b = f.decision(b)
    db.session.commit()
    return a, b, staff_a, item_b


def _form(item_data, **kw):
    data = item_data(**kw)
    data["hearing_planned"] = "y"
    return data


def test_staff_build_and_publish_a_catalogue(client, login, f, item_data):
    unit = f.unit()
    topic = f.topic(name="交通出行", slug="transport")
    staff = f.staff(unit)
    db.session.commit()
    login(staff)
    assert client.get("/staff").status_code == 200
    assert f"/staff/catalogue/{unit.id}/2026" in client.get("/staff").get_data(as_text=True)
    page = client.get(f"/staff/catalogue/{unit.id}/2026/new")
    assert page.status_code == 200 and "交通出行" in page.get_data(as_text=True)
    response = client.post(f"/staff/catalogue/{unit.id}/2026/new", data=_form(item_data, topic_ids=[topic.id]))
    assert response.status_code == 302
    item = db.session.scalar(select(DecisionItem))
    assert item.title == "青松区停车管理办法" and [t.slug for t in item.topics] == ["transport"]
    # Not public before publication.
    client.post("/auth/logout")
    with client.session_transaction() as session:
        session.clear()
    assert client.get(f"/decisions/{item.id}").status_code == 404
    assert client.get(f"/catalogue/2026/{unit.slug}").status_code == 404
    login(staff)
    assert client.get(f"/decisions/{item.id}").status_code == 200   # staff preview
    # Submitted to the district office and approved before it can be published.
    assert client.post(f"/staff/catalogue/{unit.id}/2026/submit").status_code == 302
    admin = f.admin()
    db.session.commit()
    login(admin)
    assert client.post(f"/staff/catalogue/{unit.id}/2026/review", data={"approve": "1"}).status_code == 302
    login(staff)
    response = client.post(f"/staff/catalogue/{unit.id}/2026/publish")
    assert response.status_code == 302
    with client.session_transaction() as session:
        session.clear()
    public = client.get(f"/catalogue/2026/{unit.slug}")
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    assert "青松区停车管理办法" in text and "2026-05-10" in text
    assert client.get(f"/decisions/{item.id}").status_code == 200


def test_bad_input_keeps_what_was_typed(client, login, f, item_data):
    unit = f.unit()
    staff = f.staff(unit)
    f.decision(unit, code="2026-01", year=2026)
    db.session.commit()
    login(staff)
    response = client.post(f"/staff/catalogue/{unit.id}/2026/new",
                           data=_form(item_data, code="2026-01", summary="我写的摘要"))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="code-error"' in text and "我写的摘要" in text
    response = client.post(f"/staff/catalogue/{unit.id}/2026/new", data=_form(item_data, title=""))
    assert response.status_code == 422 and 'id="title-error"' in response.get_data(as_text=True)


def test_staff_of_another_unit_get_403(client, login, two_units, item_data):
    a, b, staff_a, item_b = two_units
    login(staff_a)
    for url in (f"/staff/catalogue/{b.id}/2026", f"/staff/catalogue/{b.id}/2026/new",
                f"/staff/catalogue/items/{item_b.id}", f"/staff/catalogue/items/{item_b.id}/edit",
                f"/staff/catalogue/items/{item_b.id}/documents/new",
                f"/staff/catalogue/items/{item_b.id}/decision"):
        assert client.get(url).status_code == 403, url
    for url, data in ((f"/staff/catalogue/{b.id}/2026/new", _form(item_data)),
                      (f"/staff/catalogue/{b.id}/2026/publish", {}),
                      (f"/staff/catalogue/items/{item_b.id}/edit", _form(item_data, title="改")),
                      (f"/staff/catalogue/items/{item_b.id}/status", {"status": "withdrawn", "reason": "x"}),
                      (f"/staff/catalogue/items/{item_b.id}/documents/new", {"kind": "other", "body": "x"})):
        assert client.post(url, data=data).status_code == 403, url
    db.session.refresh(item_b)
    assert item_b.status == "planned" and item_b.title != "改"
    assert db.session.scalar(select(DecisionItem).where(DecisionItem.unit_id == b.id, DecisionItem.code == "2026-01")) is None
    # Their own unit works.
    assert client.get(f"/staff/catalogue/{a.id}/2026").status_code == 200


def test_residents_and_visitors_cannot_reach_staff_pages(client, login, f):
    unit = f.unit()
    resident = f.resident()
    db.session.commit()
    assert client.get(f"/staff/catalogue/{unit.id}/2026").status_code in (302, 401)
    login(resident)
    assert client.get(f"/staff/catalogue/{unit.id}/2026").status_code == 403
    assert client.get("/admin/topics").status_code == 403


def test_admin_reaches_every_unit(client, login, f):
    unit = f.unit()
    admin = f.admin()
    item = f.decision(unit)
    db.session.commit()
    login(admin)
    assert client.get(f"/staff/catalogue/items/{item.id}").status_code == 200
    assert client.get(f"/staff/catalogue?unit={unit.id}").status_code == 200


def test_status_change_through_the_page(client, login, f):
    unit = f.unit()
    staff = f.staff(unit)
    item = f.decision(unit)
    db.session.commit()
    login(staff)
    response = client.post(f"/staff/catalogue/items/{item.id}/status", data={"status": "postponed", "reason": ""})
    assert response.status_code == 422 and 'id="reason-error"' in response.get_data(as_text=True)
    response = client.post(f"/staff/catalogue/items/{item.id}/status", data={"status": "decided", "reason": ""})
    assert response.status_code == 422
    db.session.refresh(item)
    assert item.status == "planned"
    response = client.post(f"/staff/catalogue/items/{item.id}/status", data={"status": "postponed", "reason": "等待市级政策"})
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.status == "postponed" and item.status_reason == "等待市级政策"
    assert "等待市级政策" in client.get(f"/decisions/{item.id}").get_data(as_text=True)


def test_record_the_decision_through_the_page(client, login, f):
    unit = f.unit()
    staff = f.staff(unit)
    item = f.decision(unit, status="deliberating")
    db.session.commit()
    login(staff)
    data = {"decision_title": "青松区停车管理办法", "decision_number": "青府发〔2026〕5号",
            "issue_date": "2026-05-20", "decision_text": "现予印发。"}
    response = client.post(f"/staff/catalogue/items/{item.id}/decision", data=data)
    assert response.status_code == 422 and 'id="issue_date-error"' in response.get_data(as_text=True)
    assert "青府发〔2026〕5号" in response.get_data(as_text=True)
    data["issue_date"] = "2026-05-08"
    # No consultation behind it: refused on the form until the public reason is given (15.3).
    response = client.post(f"/staff/catalogue/items/{item.id}/decision", data=data)
    assert response.status_code == 422 and 'id="no_consultation_reason-error"' in response.get_data(as_text=True)
    assert "青府发〔2026〕5号" in response.get_data(as_text=True)
    db.session.refresh(item)
    assert item.status == "deliberating"
    data["no_consultation_reason"] = "本办法涉及应对突发事件，须立即作出决策。"
    assert client.post(f"/staff/catalogue/items/{item.id}/decision", data=data).status_code == 302
    db.session.refresh(item)
    assert item.status == "decided" and item.issue_date == date(2026, 5, 8)
    hub = client.get(f"/decisions/{item.id}").get_data(as_text=True)
    assert "青府发〔2026〕5号" in hub and "本办法涉及应对突发事件，须立即作出决策。" in hub


def test_csrf_failure_is_shown_on_the_form(make_app, f):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        unit = f.unit()
        staff = f.staff(unit)
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = staff.get_id()
        response = client.post(f"/staff/catalogue/{unit.id}/2026/new", data={"code": "2026-01", "title": "保留的标题", "kind": "major"})
        assert response.status_code == 422
        assert "保留的标题" in response.get_data(as_text=True)
        assert db.session.scalar(select(DecisionItem)) is None
        db.session.remove()


def test_admin_manages_topics(client, login, f):
    admin = f.admin()
    f.topic(name="教育", slug="education")
    db.session.commit()
    login(admin)
    assert client.post("/admin/topics/new", data={"name": "教育", "slug": "edu", "position": "1"}).status_code == 422
    assert client.post("/admin/topics/new", data={"name": "养老服务", "slug": "elderly-care", "position": "2"}).status_code == 302
    assert "养老服务" in client.get("/admin/topics").get_data(as_text=True)
    topic = db.session.scalar(select(Topic).where(Topic.slug == "elderly-care"))
    assert client.post(f"/admin/topics/{topic.id}/edit", data={"name": "养老", "slug": "elderly-care", "position": "3"}).status_code == 302
    db.session.refresh(topic)
    assert topic.name == "养老"


def test_staff_start_pages_lead_to_the_unit_catalogue(client, login, f):
    unit = f.unit()
    staff = f.staff(unit)
    item = f.decision(unit)
    db.session.commit()
    login(staff)
    page = client.get("/staff/catalogue")
    assert page.status_code == 200 and unit.name in page.get_data(as_text=True)
    assert client.get("/staff/catalogue?year=2027").headers["Location"].endswith(f"/staff/catalogue/{unit.id}/2027")
    assert client.get("/staff/catalogue?year=1800").status_code == 200  # shown again with the error
    assert item.title in client.get(f"/staff/catalogue/{unit.id}/2026").get_data(as_text=True)
    for url in (f"/staff/catalogue/items/{item.id}", f"/staff/catalogue/items/{item.id}/edit",
                f"/staff/catalogue/items/{item.id}/documents/new", f"/staff/catalogue/items/{item.id}/decision"):
        assert client.get(url).status_code == 200, url

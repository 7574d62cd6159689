from datetime import datetime

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.meetings.sections import staff_meetings

from .helpers import AFTER_SIGNUP, DURING_SIGNUP, set_now


def _form(**overrides):
    data = {"meeting_type": "executive", "title": "区政府常务会议审议加装电梯实施意见",
            "starts_at": "2026-04-20T09:30", "place": "区政府第一会议室", "live_url": "",
            "seats_stakeholder": "2", "seats_enterprise": "1", "seats_citizen": "3", "seats_other": "0",
            "eligibility": "年满十八周岁的本区居民。", "signup_opens_at": "2026-04-01T09:00",
            "signup_closes_at": "2026-04-10T17:00", "selection_method": "lottery",
            "public_source": "中国福利彩票双色球 第2026041期开奖号码", "public_value_due": "2026-04-12T21:30",
            "withdrawal_cutoff": "2026-04-17T17:00"}
    data.update(overrides)
    return data


@pytest.fixture
def setup(app, f):
    set_now(app, datetime(2026, 3, 20, 9, 0))
    unit = f.unit()
    staff = f.staff(unit)
    item = f.decision(unit)
    db.session.commit()
    return {"unit": unit, "staff": staff, "item": item}


def test_staff_create_a_meeting(app, client, login, setup):
    login(setup["staff"])
    assert client.get("/staff/meetings/new").status_code == 200
    response = client.post("/staff/meetings/new", data=_form(unit_id=setup["unit"].id,
                                                             decision_ids=[setup["item"].id]))
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.unit_id == setup["unit"].id
    assert [d.id for d in meeting.decisions] == [setup["item"].id]
    assert {s.category: s.count for s in meeting.seats} == {"stakeholder": 2, "enterprise": 1, "citizen": 3, "other": 0}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.create")) is not None
    assert client.get(f"/staff/meetings/{meeting.id}").status_code == 200
    assert client.get(f"/staff/meetings/{meeting.id}/edit").status_code == 200


def test_decisions_of_another_unit_are_refused(app, client, login, f, setup):
    other = f.decision(f.unit())
    db.session.commit()
    login(setup["staff"])
    response = client.post("/staff/meetings/new", data=_form(unit_id=setup["unit"].id, decision_ids=[other.id]))
    assert response.status_code == 422
    assert db.session.scalar(select(Meeting)) is None


@pytest.mark.parametrize("overrides, field_text", [
    ({"signup_closes_at": "2026-03-31T09:00"}, "after it opens"),
    ({"starts_at": "2026-04-09T09:00", "withdrawal_cutoff": "2026-04-09T09:00"}, "before the meeting"),
    ({"withdrawal_cutoff": "2026-04-21T09:00"}, "cut-off"),
    ({"seats_stakeholder": "0", "seats_enterprise": "0", "seats_citizen": "0"}, "at least one seat"),
])
def test_inconsistent_meetings_are_refused_with_typed_values_kept(app, client, login, setup, overrides, field_text):
    login(setup["staff"])
    client.set_cookie("lang", "en")  # the assertions read the English messages
    response = client.post("/staff/meetings/new", data=_form(unit_id=setup["unit"].id, **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_text in html
    assert "区政府常务会议审议加装电梯实施意见" in html
    assert db.session.scalar(select(Meeting)) is None


def test_staff_of_another_unit_get_403(app, client, login, f, setup):
    meeting = f.meeting(setup["unit"])
    application = f.meeting_application(meeting)
    intruder = f.staff(f.unit())
    db.session.commit()
    login(intruder)
    base = f"/staff/meetings/{meeting.id}"
    assert client.get(base).status_code == 403
    assert client.get(f"{base}/edit").status_code == 403
    assert client.get(f"{base}/applications/{application.id}").status_code == 403
    assert client.post(f"{base}/applications/{application.id}", data={"decision": "selected", "reason": "x"}).status_code == 403
    assert client.post(f"{base}/draw", data={"public_value": "x", "public_value_origin": "y"}).status_code == 403
    assert client.post(f"{base}/extend", data={"closes_at": "2026-03-12T09:00", "reason": "x"}).status_code == 403
    assert client.post(f"{base}/draw").status_code == 403
    assert client.get(f"{base}/representatives/{application.id}").status_code == 403
    assert client.post(f"{base}/publish-record").status_code == 403
    assert client.post("/staff/meetings/new", data=_form(unit_id=setup["unit"].id)).status_code == 422
    assert db.session.scalar(select(Meeting.lottery_seed)) is None
    assert db.session.scalar(select(Meeting.signup_closes_at)) == meeting.signup_closes_at
    html = client.get("/staff/meetings").get_data(as_text=True)
    assert meeting.title not in html


def test_residents_cannot_reach_staff_pages(app, client, login, f, setup):
    meeting = f.meeting(setup["unit"])
    login(f.resident())
    db.session.commit()
    assert client.get(f"/staff/meetings/{meeting.id}").status_code == 403


def test_admin_manages_every_unit(app, client, login, f, setup):
    meeting = f.meeting(setup["unit"])
    login(f.admin())
    db.session.commit()
    assert client.get(f"/staff/meetings/{meeting.id}").status_code == 200


def test_staff_section_lists_meetings_awaiting_selection_and_record(app, client, login, f, setup):
    waiting = f.meeting(setup["unit"], title="待遴选会议")
    other_unit = f.meeting(f.unit(), title="别的单位的会议")
    set_now(app, AFTER_SIGNUP)
    context = staff_meetings(setup["staff"])
    assert [m.id for m in context["awaiting_selection"]] == [waiting.id]
    assert other_unit.id not in [m.id for m in context["awaiting_record"]]
    login(setup["staff"])
    db.session.commit()
    assert "待遴选会议" in client.get("/staff").get_data(as_text=True)


def test_meeting_cannot_change_after_selection(app, client, login, f, setup):
    set_now(app, DURING_SIGNUP)
    meeting = f.meeting(setup["unit"], selection_method="review")
    db.session.commit()
    set_now(app, AFTER_SIGNUP)
    from portal.meetings import selection as sel

    sel.publish_selection(setup["staff"], meeting)
    db.session.commit()
    login(setup["staff"])
    response = client.post(f"/staff/meetings/{meeting.id}/edit", data=_form(
        signup_opens_at="2026-03-01T09:00", signup_closes_at="2026-03-10T17:00",
        withdrawal_cutoff="2026-03-13T17:00", starts_at="2026-03-15T09:00", unit_id=setup["unit"].id))
    assert response.status_code == 422


def test_unit_choices_and_list_are_scoped_by_one_helper(app, client, login, f, setup):
    """``unit_choices`` / ``scope_to_unit``: admins pick and see every unit, staff their own."""
    other = f.unit(name="青松区松泽镇人民政府（测试）")
    theirs = f.meeting(other, title="别的单位的会议")
    db.session.commit()
    login(setup["staff"])
    form = client.get("/staff/meetings/new").get_data(as_text=True)
    assert "青松区松泽镇人民政府（测试）" not in form
    assert "别的单位的会议" not in client.get("/staff/meetings").get_data(as_text=True)
    login(f.admin())
    db.session.commit()
    form = client.get("/staff/meetings/new").get_data(as_text=True)
    assert "青松区松泽镇人民政府（测试）" in form and setup["unit"].name in form
    assert theirs.title in client.get("/staff/meetings").get_data(as_text=True)

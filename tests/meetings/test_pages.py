import json
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.accounts.services import delete_account
from portal.extensions import db
from portal.meetings import selection as sel
from portal.meetings.models import MeetingApplication
from tests.factories import PASSWORD
from tests.querycount import count_queries

from .helpers import AFTER_SIGNUP, DURING_SIGNUP, set_now


def _meetings(f, unit, n, start):
    for i in range(n):
        day = start + timedelta(days=i)
        f.meeting(unit, decisions=[f.decision(unit)], starts_at=day, signup_opens_at=day - timedelta(days=20),
                  signup_closes_at=day - timedelta(days=5), withdrawal_cutoff=day - timedelta(days=1))


def test_list_is_paginated_without_n_plus_one(app, client, f):
    set_now(app, DURING_SIGNUP)
    unit = f.unit()
    _meetings(f, unit, 3, datetime(2026, 4, 1, 9))
    db.session.commit()
    with count_queries() as few:
        assert client.get("/meetings").status_code == 200
    _meetings(f, f.unit(), 25, datetime(2026, 5, 1, 9))
    db.session.commit()
    with count_queries() as many:
        response = client.get("/meetings")
    assert many.count == few.count
    html = response.get_data(as_text=True)
    assert "?page=2" in html or "page=2" in html
    assert client.get("/meetings?page=2").status_code == 200


def test_past_meetings_tab(app, client, f):
    set_now(app, datetime(2026, 3, 20, 9))
    f.meeting(title="停车管理办法审议会（已召开）")
    f.meeting(title="加装电梯意见审议会（将召开）", starts_at=datetime(2026, 4, 15, 9), withdrawal_cutoff=datetime(2026, 4, 13, 9))
    db.session.commit()
    upcoming = client.get("/meetings").get_data(as_text=True)
    past = client.get("/meetings?show=past").get_data(as_text=True)
    assert "加装电梯意见审议会（将召开）" in upcoming and "停车管理办法审议会（已召开）" not in upcoming
    assert "停车管理办法审议会（已召开）" in past and "加装电梯意见审议会（将召开）" not in past


def test_home_shows_meetings_open_for_signup(app, client, f):
    set_now(app, DURING_SIGNUP)
    f.meeting(title="正在报名的会议")
    f.meeting(title="尚未开放报名的会议", signup_opens_at=datetime(2026, 3, 8, 9))
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "正在报名的会议" in html and "尚未开放报名的会议" not in html


def test_me_lists_my_applications(app, client, login, f):
    meeting = f.meeting(title="我报名的会议")
    resident = login(f.resident())
    application = f.meeting_application(meeting, resident)
    db.session.commit()
    html = client.get("/me").get_data(as_text=True)
    assert "我报名的会议" in html and application.application_number in html


def test_api_publishes_no_personal_data(app, client, f):
    set_now(app, DURING_SIGNUP)
    unit = f.unit()
    meeting = f.meeting(unit)
    people = [f.meeting_application(meeting, f.resident(name=n), mobile="13912345678")
              for n in ("欧阳修文", "李文静", "王建国")]
    staff = f.staff(unit)
    set_now(app, AFTER_SIGNUP)
    sel.run_lottery(staff, meeting, "01 02 03 04 05 06 + 07", "cwl.gov.cn")
    db.session.commit()
    listing = client.get("/api/v1/meetings").get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == meeting.id
    data = client.get(f"/api/v1/meetings/{meeting.id}").get_json()
    body = json.dumps(data, ensure_ascii=False)
    assert len(data["representatives"]) == 2 and len(data["alternates"]) == 1
    for person in people:
        assert person.name not in body and person.mobile not in body and person.id_last4 not in body
        assert person.id_hash not in body
    assert "欧**" in body
    assert client.get("/api/v1/meetings/999999").status_code == 404
    assert client.get("/api/v1/meetings?show=nonsense").status_code == 400


def test_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/meetings" in paths and "/meetings/{meeting_id}" in paths


def test_export_and_erase_applications(app, f):
    meeting = f.meeting()
    resident = f.resident(name="赵雅琴")
    application = f.meeting_application(meeting, resident, mobile="13700001111")
    from portal.accounts.services import export_data

    exported = export_data(resident)["meeting_applications"]
    assert exported[0]["number"] == application.application_number and exported[0]["mobile"] == "13700001111"
    delete_account(resident, PASSWORD)
    db.session.commit()
    row = db.session.scalar(select(MeetingApplication))
    assert row.account_id is None and row.name == "" and row.mobile is None
    assert row.id_hash is None and row.id_last4 is None
    assert row.masked_name == "匿名"

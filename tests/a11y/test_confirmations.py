"""Actions a resident cannot undo ask first, on a page of their own that works without
JavaScript (issue 18, point 2): withdrawing as a representative, cancelling an open-day seat,
deleting the account. Opening the page changes nothing; the page's button does it."""
from datetime import datetime

from portal.extensions import db
from portal.meetings.models import MeetingApplication
from portal.open_days import services as open_days
from portal.open_days.models import OpenRegistration


def test_withdrawing_asks_first_and_going_back_keeps_the_application(app, client, login, f):
    meeting = f.meeting()
    application = f.meeting_application(meeting)
    db.session.commit()
    login(application.account)
    app.config["CLOCK_NOW"] = datetime(2026, 3, 5, 10, 0)  # during sign-up
    detail = client.get(f"/meetings/{meeting.id}").text
    assert f'href="/meetings/{meeting.id}/withdraw"' in detail  # a link to the question, not a POST
    assert f'action="/meetings/{meeting.id}/withdraw"' not in detail
    page = client.get(f"/meetings/{meeting.id}/withdraw")
    assert page.status_code == 200
    html = page.text
    assert "确认撤回报名" in html and f'href="/meetings/{meeting.id}"' in html and "不能恢复" in html
    db.session.expire_all()
    assert db.session.get(MeetingApplication, application.id).status == "pending"
    assert client.post(f"/meetings/{meeting.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert db.session.get(MeetingApplication, application.id).status == "withdrawn"
    # Nothing left to withdraw: the question is not asked again.
    assert client.get(f"/meetings/{meeting.id}/withdraw").status_code == 302


def test_cancelling_a_seat_asks_first(app, client, login, f):
    app.config["CLOCK_NOW"] = datetime(2026, 7, 20, 10, 0)  # registration is open
    activity = f.open_activity()
    registration = open_days.register(activity.slots[0], f.resident(),
                                      {"name": "王芳", "mobile": "13900000001", "id_last4": "123X", "needs": ""})
    db.session.commit()
    login(registration.account)
    app.config["CLOCK_NOW"] = datetime(2026, 7, 20, 10, 0)
    mine = client.get(f"/me/open-days/{registration.id}").text
    assert f'href="/me/open-days/{registration.id}/cancel"' in mine
    html = client.get(f"/me/open-days/{registration.id}/cancel").text
    assert "确认取消报名" in html and "候补" in html and f'href="/me/open-days/{registration.id}"' in html
    db.session.expire_all()
    assert db.session.get(OpenRegistration, registration.id).status == "confirmed"
    client.post(f"/me/open-days/{registration.id}/cancel")
    db.session.expire_all()
    assert db.session.get(OpenRegistration, registration.id).status == "cancelled"


def test_deleting_the_account_is_its_own_page_with_the_password(client, login, f):
    resident = f.resident()
    db.session.commit()
    login(resident)
    html = client.get("/me/delete").text
    assert 'name="password"' in html and 'method="post"' in html.lower()
    db.session.expire_all()
    assert resident.is_active_flag

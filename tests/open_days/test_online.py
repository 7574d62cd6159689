"""Online open activities (线上开放活动): they take place on an https link, not at a place. The staff
form asks for the link (refused without one, or with one that is not https, keeping what was
typed), an ID check cannot be set for them; the public page, the resident's page, the calendar file
and the API give the link as the place; seats and registration work as for the others, but there
is no check-in at a door (no check-in desk, no no-shows)."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from portal.errors import RuleViolation, UserInputError
from portal.extensions import db
from portal.open_days import jobs, services
from portal.open_days.models import OpenActivity

URL = "https://live.example.gov.cn/room/7?from=portal"
FORM = {"title": "线上开放活动：民心工程进展直播", "kind": "online", "place": "", "online_url": URL,
        "registration_opens_at": "2026-07-01T09:00", "registration_closes_at": "2026-08-09T17:00",
        "cancel_cutoff_hours": "2"}


def _online(f, **kw):
    return f.open_activity(kind="online", place="", online_url=URL, **kw)


def _post(client, login, f, **changes):
    staff = f.staff()
    db.session.commit()
    login(staff)
    return client.post("/staff/open-days/new", data={**FORM, "unit_id": staff.unit_id, **changes})


def test_an_online_activity_is_created_with_its_link_as_its_place(client, login, f):
    response = _post(client, login, f)
    assert response.status_code == 302
    activity = db.session.scalar(select(OpenActivity).where(OpenActivity.title == FORM["title"]))
    assert (activity.kind, activity.online_url, activity.place, activity.id_check_required) == (
        "online", URL, URL, False)


def test_without_a_link_it_is_refused_on_the_form_keeping_what_was_typed(client, login, f):
    response = _post(client, login, f, online_url="  ", theme="民心工程")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写活动的线上地址。" in html
    assert f'value="{FORM["title"]}"' in html and 'value="民心工程"' in html
    assert db.session.scalar(select(OpenActivity)) is None


@pytest.mark.parametrize("link", ["http://live.example.gov.cn/room/7", "javascript:alert(1)", "live.example.gov.cn",
                                  "https://", "https://user@live.example.gov.cn/room", "https://live example.cn"])
def test_a_link_that_is_not_https_is_refused(client, login, f, link):
    response = _post(client, login, f, online_url=link)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写线上开放活动完整的https://地址。" in html
    assert db.session.scalar(select(OpenActivity)) is None


def test_an_id_check_cannot_be_set_for_an_online_activity(client, login, f):
    response = _post(client, login, f, id_check_required="y")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "线上开放活动不设现场入口，不能设置入场核验身份证。" in html and f'value="{URL}"' in html
    assert db.session.scalar(select(OpenActivity)) is None
    # Nor by editing one: the service refuses it whatever the caller.
    activity = _online(f)
    with pytest.raises(UserInputError) as refused:
        services.update_activity(None, activity, {**FORM, "id_check_required": True,
                                                  "registration_opens_at": activity.registration_opens_at,
                                                  "registration_closes_at": activity.registration_closes_at,
                                                  "cancel_cutoff_hours": 2})
    assert refused.value.field == "id_check_required"


def test_an_activity_at_a_place_still_needs_its_place_and_keeps_no_link(f):
    with pytest.raises(UserInputError) as refused:
        f.open_activity(place=" ")
    assert refused.value.field == "place"
    activity = f.open_activity(online_url=URL)  # a link typed for an open day is not kept
    assert (activity.place, activity.online_url) == ("青松区政府路 100 号", None)


def test_the_public_page_calendar_and_api_give_the_link_as_the_place(client, f):
    activity = _online(f)
    db.session.commit()
    html = client.get(f"/open-days/{activity.id}").get_data(as_text=True)
    place = html[html.index('id="online-url"'):]
    place = place[:place.index("</dd>")]
    assert f'href="{URL.replace("&", "&amp;")}"' in place and "线上开放活动" in html
    assert "请携带身份证" not in html
    ics = client.get(f"/open-days/{activity.id}.ics").get_data(as_text=True).replace("\r\n ", "")
    assert f"LOCATION:{URL}" in ics and f"URL:{URL}" in ics
    data = client.get(f"/api/v1/open-days/{activity.id}").get_json()
    assert (data["type"], data["online_url"], data["place"]) == ("online", URL, URL)
    other = client.get(f"/api/v1/open-days/{f.open_activity().id}").get_json()
    assert other["online_url"] is None


def test_seats_and_registration_work_but_there_is_no_check_in_at_a_door(client, login, app, f, person_data):
    activity = _online(f, slots=[(datetime(2026, 8, 10, 14, 0), datetime(2026, 8, 10, 15, 30), 1)])
    slot = activity.slots[0]
    first, second = f.resident(), f.resident()
    seat = services.register(slot, first, person_data(1))
    waiting = services.register(slot, second, person_data(2))
    assert (seat.status, waiting.status) == ("confirmed", "waiting")  # a unit may cap a session
    with pytest.raises(RuleViolation):
        services.check_in(slot, seat.code, None)
    staff = f.staff(activity.unit)
    db.session.commit()

    login(first)
    page = client.get(f"/me/open-days/{seat.id}").get_data(as_text=True)
    assert f'href="{URL.replace("&", "&amp;")}"' in page
    assert "/qr.png" not in page and seat.code not in page  # nothing to show at a door

    login(staff)
    page = client.get(f"/staff/open-days/slots/{slot.id}").get_data(as_text=True)
    assert 'id="no-check-in"' in page and 'name="code"' not in page

    # Once the session is over nobody is a no-show: there was no door to check in at.
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 16, 0)
    db.session.refresh(seat)
    assert seat.status_at(datetime(2026, 8, 10, 16, 0)) == "confirmed"
    assert jobs.record_no_shows() == 0
    db.session.refresh(seat)
    assert seat.status == "confirmed"


def test_the_reminder_and_the_confirmation_give_the_link_not_a_check_in_code(client, login, app, f, person_data):
    from portal.notifications.models import InboxMessage

    activity = _online(f)
    viewer = f.resident()
    db.session.commit()
    login(viewer)
    response = client.post(f"/open-days/{activity.id}", data={
        "slot_id": activity.slots[0].id, "name": "张三", "mobile": "13912345678", "consent": "y"},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "报名成功。线上地址见您的报名页面。" in html and "签到码为" not in html
    app.config["CLOCK_NOW"] = datetime(2026, 8, 9, 8, 0)
    assert jobs.send_reminders() == 1
    reminder = db.session.scalars(select(InboxMessage).where(InboxMessage.account_id == viewer.id)
                                  .order_by(InboxMessage.id.desc())).first()
    assert URL in reminder.body
    assert "签到码" not in reminder.body and "check-in code" not in reminder.body.lower()


def test_the_confirmation_email_gives_the_link_and_no_qr_image(f, person_data):
    """An online session has no door: its confirmation (and a seat freed for the waiting list)
    carries the link, not a check-in code to show with a QR image at the entrance."""
    from portal.notifications.models import OutboxEmail

    activity = _online(f)
    registration = services.register(activity.slots[0], f.resident(), person_data(0))
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.account_id == registration.account_id))
    assert URL in email.body and registration.code not in email.body and "入口" not in email.body
    assert email.attachment_recipe is None and email.attachment_data is None


def test_online_participants_answer_the_questionnaire_once_the_session_has_ended(app, f, person_data):
    """No check-in at an online activity: every confirmed participant is invited and may answer,
    from the end of the session on (not before; not someone on the waiting list)."""
    from portal.notifications.models import InboxMessage

    activity = _online(f, slots=[(datetime(2026, 8, 10, 9, 30), datetime(2026, 8, 10, 11, 0), 1)])
    slot = activity.slots[0]
    joined = services.register(slot, f.resident(), person_data(0))
    waiting = services.register(slot, f.resident(), person_data(1))
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 10, 59)
    with pytest.raises(RuleViolation, match="when the online session has ended"):
        services.submit_questionnaire(joined, joined.account, {"rating": 5})
    assert jobs.invite_to_questionnaire() == 0
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 11, 0)  # the session's end
    assert jobs.invite_to_questionnaire() == 1
    invited = db.session.scalars(select(InboxMessage.account_id).where(InboxMessage.link.like("%/questionnaire"))).all()
    assert invited == [joined.account_id]
    services.submit_questionnaire(joined, joined.account, {"rating": 4, "suggestions": "直播画面清晰"})
    with pytest.raises(RuleViolation):
        services.submit_questionnaire(waiting, waiting.account, {"rating": 5})


def test_after_an_online_session_its_participants_are_not_counted_as_no_shows(app, f, person_data):
    from portal.open_days.queries import slot_counts

    activity = _online(f, slots=[(datetime(2026, 8, 10, 9, 30), datetime(2026, 8, 10, 11, 0), 5)])
    slot = activity.slots[0]
    for n in range(2):
        services.register(slot, f.resident(), person_data(n))
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 11, 0)
    counts = slot_counts(slot)
    assert (counts["confirmed"], counts["no_show"]) == (2, 0)

from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import event, func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notifications.models import InboxMessage, OutboxEmail
from portal.notifications.services import attachment_bytes
from portal.open_days import jobs, queries, services
from portal.open_days.models import OpenActivity, OpenRegistration, OpenSlot
from tests.querycount import count_queries

FORM = {"name": "张三", "mobile": "13912345678", "needs": "需要轮椅通道", "consent": "y"}

def _as(client, login, account):
    login(account)
    return client

def test_full_journey_wait_list_promotion_code_and_check_in(client, login, f):
    unit = f.unit()
    staff = f.staff(unit)
    first, second = f.resident(), f.resident()
    db.session.commit()

    login(staff)
    response = client.post("/staff/open-days/new", data={
        "unit_id": unit.id, "title": "走进区政务服务中心", "theme": "营商环境", "kind": "open_month",
        "description": "参观与座谈", "place": "政府路 100 号", "accessibility": "无障碍通道",
        "registration_opens_at": "2026-07-01T09:00", "registration_closes_at": "2026-08-09T17:00",
        "cancel_cutoff_hours": "24"})
    assert response.status_code == 302
    activity = db.session.scalar(select(OpenActivity).where(OpenActivity.title == "走进区政务服务中心"))
    response = client.post(f"/staff/open-days/{activity.id}", data={
        "starts_at": "2026-08-10T09:30", "ends_at": "2026-08-10T11:00", "capacity": "1"})
    assert response.status_code == 302
    slot = db.session.scalar(select(OpenSlot).where(OpenSlot.activity_id == activity.id))

    login(first)
    response = client.post(f"/open-days/{activity.id}", data={**FORM, "slot_id": slot.id})
    assert response.status_code == 302
    login(second)
    response = client.post(f"/open-days/{activity.id}", data={**FORM, "name": "李四", "slot_id": slot.id},
                           follow_redirects=True)
    assert "1" in response.get_data(as_text=True)
    waiting = db.session.scalar(select(OpenRegistration).where(OpenRegistration.account_id == second.id))
    assert waiting.status == "waiting"
    page = client.get(f"/me/open-days/{waiting.id}").get_data(as_text=True)
    assert waiting.code not in page  # no code while waiting

    login(first)
    mine = db.session.scalar(select(OpenRegistration).where(OpenRegistration.account_id == first.id))
    assert client.post(f"/me/open-days/{mine.id}/cancel").status_code == 302
    db.session.expire_all()
    promoted = db.session.get(OpenRegistration, waiting.id)
    assert promoted.status == "confirmed"
    inbox = db.session.scalars(select(InboxMessage).where(InboxMessage.account_id == second.id)
                               .order_by(InboxMessage.id)).all()
    assert promoted.code in inbox[-1].body
    email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.account_id == second.id)
                               .order_by(OutboxEmail.id)).all()[-1]
    assert promoted.code in email.body and attachment_bytes(email).startswith(b"\x89PNG")

    login(second)
    me = client.get("/me").get_data(as_text=True)
    assert promoted.code in me
    page = client.get(f"/me/open-days/{promoted.id}").get_data(as_text=True)
    assert promoted.code in page and f"/me/open-days/{promoted.id}/qr.png" in page
    qr = client.get(f"/me/open-days/{promoted.id}/qr.png")
    assert qr.mimetype == "image/png" and qr.data.startswith(b"\x89PNG")
    ics = client.get(f"/me/open-days/{promoted.id}.ics")
    assert ics.mimetype == "text/calendar" and b"TZID=Asia/Shanghai" in ics.data

    login(staff)
    response = client.post(f"/staff/open-days/slots/{slot.id}", data={"code": mine.code})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and ("cancelled" in html or "取消" in html)
    response = client.post(f"/staff/open-days/slots/{slot.id}", data={"code": promoted.code.lower()})
    assert response.status_code == 302
    page = client.get(f"/staff/open-days/slots/{slot.id}").get_data(as_text=True)
    assert "李四" in page
    db.session.expire_all()
    assert queries.slot_counts(slot)["checked_in"] == 1

def test_staff_of_another_unit_get_403(client, login, f, person_data):
    activity = f.open_activity()
    slot = activity.slots[0]
    reg = services.register(slot, f.resident(), person_data())
    outsider = f.staff(f.unit())
    db.session.commit()
    login(outsider)
    for url in (f"/staff/open-days/{activity.id}", f"/staff/open-days/{activity.id}/edit",
                f"/staff/open-days/slots/{slot.id}", f"/staff/open-days/{activity.id}/summary"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/staff/open-days/registrations/{reg.id}/cancel").status_code == 403
    assert client.post(f"/staff/open-days/slots/{slot.id}", data={"code": reg.code}).status_code == 403
    assert client.post("/staff/open-days/new", data={
        "unit_id": activity.unit_id, "title": "t", "kind": "open_day", "place": "p",
        "registration_opens_at": "2026-07-01T09:00", "registration_closes_at": "2026-08-09T17:00",
        "cancel_cutoff_hours": "24"}).status_code == 422  # not a choice for this staff member
    assert db.session.get(OpenRegistration, reg.id).status == "confirmed"
    login(f.resident())
    assert client.get("/staff/open-days").status_code == 403

def test_residents_see_only_their_own_registrations(client, login, f, person_data):
    reg = services.register(f.open_activity().slots[0], f.resident(), person_data())
    other = f.resident()
    db.session.commit()
    login(other)
    assert client.get(f"/me/open-days/{reg.id}").status_code == 404
    assert client.get(f"/me/open-days/{reg.id}/qr.png").status_code == 404
    assert client.post(f"/me/open-days/{reg.id}/cancel").status_code == 404

def test_staff_form_errors_keep_what_was_typed(client, login, f):
    staff = f.staff()
    db.session.commit()
    login(staff)
    response = client.post("/staff/open-days/new", data={
        "unit_id": staff.unit_id, "title": "保留的标题", "kind": "open_day", "place": "某地",
        "registration_opens_at": "2026-08-01T09:00", "registration_closes_at": "2026-07-01T09:00",
        "cancel_cutoff_hours": "24"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "保留的标题" in html and ("close after it opens" in html or "晚于" in html)
    activity = f.open_activity(staff.unit)
    db.session.commit()
    response = client.post(f"/staff/open-days/{activity.id}", data={
        "starts_at": "2026-08-10T11:00", "ends_at": "2026-08-10T10:00", "capacity": "7"})
    assert response.status_code == 422 and 'value="7"' in response.get_data(as_text=True)

def test_registration_errors_keep_what_was_typed(client, login, f):
    activity = f.open_activity(id_check_required=True)
    resident = f.resident()
    db.session.commit()
    login(resident)
    response = client.post(f"/open-days/{activity.id}", data={
        **FORM, "mobile": "1234", "id_last4": "12AB", "slot_id": activity.slots[0].id})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "需要轮椅通道" in html and 'value="张三"' in html and 'value="1234"' in html
    assert db.session.scalar(select(OpenRegistration.id)) is None
    services.register(activity.slots[0], resident, {**FORM, "id_last4": "1234"})
    db.session.commit()
    response = client.post(f"/open-days/{activity.id}", data={
        **FORM, "id_last4": "1234", "slot_id": activity.slots[0].id})
    assert response.status_code == 422 and 'value="张三"' in response.get_data(as_text=True)

def test_forged_csrf_is_shown_on_the_form(make_app, f):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests import factories
        app.config["CLOCK_NOW"] = datetime(2026, 7, 15, 10)
        activity = factories.open_activity()
        resident = factories.resident()
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = resident.get_id()
        response = client.post(f"/open-days/{activity.id}", data={**FORM, "slot_id": activity.slots[0].id,
                                                                  "csrf_token": "forged"})
        assert response.status_code == 422
        assert 'value="13912345678"' in response.get_data(as_text=True)
        assert db.session.scalar(select(OpenRegistration.id)) is None
        db.session.remove()

def test_anonymous_visitors_are_asked_to_log_in(client, f):
    activity = f.open_activity()
    db.session.commit()
    assert "/auth/login" in client.get(f"/open-days/{activity.id}").get_data(as_text=True) or \
        "login" in client.get(f"/open-days/{activity.id}").get_data(as_text=True)
    response = client.post(f"/open-days/{activity.id}", data={**FORM, "slot_id": activity.slots[0].id})
    assert response.status_code == 302 and "login" in response.location

def test_public_pages_show_counts_but_no_personal_data(client, f, person_data):
    activity = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)])
    services.register(activity.slots[0], f.resident(), person_data(0, name="隐私甲", mobile="13987654321"))
    services.register(activity.slots[0], f.resident(), person_data(1, name="隐私乙"))
    db.session.commit()
    for url in (f"/open-days/{activity.id}", "/open-days", "/open-month/2026", "/",
                f"/api/v1/open-days/{activity.id}", "/api/v1/open-days"):
        body = client.get(url).get_data(as_text=True)
        assert "隐私甲" not in body and "13987654321" not in body and "隐私乙" not in body, url
    html = client.get(f"/open-days/{activity.id}").get_data(as_text=True)
    assert activity.title in html

def _activities(f, n, start_day=10):
    for _ in range(n):
        f.open_activity(f.unit(), slots=[(datetime(2026, 8, start_day, 9), datetime(2026, 8, start_day, 11), 5),
                                         (datetime(2026, 8, start_day + 1, 9), datetime(2026, 8, start_day + 1, 11), 5)])

def test_list_pages_have_no_n_plus_one(client, f, app):
    _activities(f, 2)
    db.session.commit()
    counts = []
    for _round in range(2):
        with count_queries() as counter:
            for url in ("/open-days", "/open-month/2026", "/api/v1/open-days", "/"):
                assert client.get(url).status_code == 200
        counts.append(counter.count)
        _activities(f, 8)
        db.session.commit()
    assert counts[0] == counts[1]

def test_upcoming_and_past_lists_paginate(client, app, f):
    for day in range(1, 13):
        f.open_activity(title=f"活动{day:02d}", registration_opens_at=datetime(2026, 5, 1),
                        registration_closes_at=datetime(2026, 6, 1),
                        slots=[(datetime(2026, 6, day, 9), datetime(2026, 6, day, 11), 5)])
    done = f.open_activity(title="已总结的活动", registration_opens_at=datetime(2026, 5, 1),
                           registration_closes_at=datetime(2026, 6, 1),
                           slots=[(datetime(2026, 6, 20, 9), datetime(2026, 6, 20, 11), 5)])
    services.add_summary_item(None, done, {"question": "周末能否开放？", "response": "下次安排周六场次。"})
    services.publish_summary(None, done, "活动顺利举行。")
    upcoming = f.open_activity(title="即将举行的活动")
    db.session.commit()
    html = client.get("/open-days").get_data(as_text=True)
    assert "即将举行的活动" in html and "活动01" not in html
    past = client.get("/open-days?when=past").get_data(as_text=True)
    assert "已总结的活动" in past and "活动12" in past and "活动01" not in past
    assert "活动01" in client.get("/open-days?when=past&page=2").get_data(as_text=True)
    detail = client.get(f"/open-days/{done.id}").get_data(as_text=True)
    assert "活动顺利举行。" in detail and "下次安排周六场次。" in detail and "周末能否开放？" in detail
    assert upcoming.id

def test_open_month_gathers_every_units_august_activities(client, f):
    a = f.open_activity(f.unit(name="青松区甲局"), title="八月甲活动")
    b = f.open_activity(f.unit(name="青松区乙镇"), title="八月乙活动",
                        slots=[(datetime(2026, 8, 28, 9), datetime(2026, 8, 28, 11), 5)])
    f.open_activity(title="九月活动", slots=[(datetime(2026, 9, 2, 9), datetime(2026, 9, 2, 11), 5)])
    f.open_activity(title="去年八月活动", registration_opens_at=datetime(2025, 7, 1),
                    registration_closes_at=datetime(2025, 8, 1),
                    slots=[(datetime(2025, 8, 2, 9), datetime(2025, 8, 2, 11), 5)])
    db.session.commit()
    html = client.get("/open-month/2026").get_data(as_text=True)
    assert "八月甲活动" in html and "八月乙活动" in html and "青松区甲局" in html and "青松区乙镇" in html
    assert "九月活动" not in html and "去年八月活动" not in html
    assert 'class="open-month-mark' in html
    assert client.get(f"/open-days/{a.id}").get_data(as_text=True).count("open-month-mark") == 1
    assert b.id
    assert client.get("/open-month/1900").status_code == 404

def test_home_staff_and_me_sections(client, login, f, person_data):
    activity = f.open_activity(title="首页上的开放日")
    staff = f.staff(activity.unit)
    resident = f.resident()
    services.register(activity.slots[0], resident, person_data())
    db.session.commit()
    assert "首页上的开放日" in client.get("/").get_data(as_text=True)
    login(resident)
    assert "首页上的开放日" in client.get("/me").get_data(as_text=True)
    login(staff)
    html = client.get("/staff").get_data(as_text=True)
    assert "首页上的开放日" in html and f"/staff/open-days/{activity.id}" in html

@contextmanager
def _writes():
    """The INSERT, UPDATE and DELETE statements sent to the database inside the block."""
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def test_staff_slot_page_shows_no_shows_after_the_end_without_writing(client, login, app, f, person_data):
    activity = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 5)])
    slot = activity.slots[0]
    staff = f.staff(activity.unit)
    came = services.register(slot, f.resident(), person_data(0))
    absent = services.register(slot, f.resident(), person_data(1))
    services.check_in(slot, came.code, staff)
    db.session.commit()
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 12, 0)
    login(staff)
    audit_before = db.session.scalar(select(func.count(AuditEntry.id)))
    with _writes() as writes:
        html = client.get(f"/staff/open-days/slots/{slot.id}").get_data(as_text=True)
    assert writes == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_before
    assert db.session.get(OpenRegistration, absent.id).status == "confirmed"
    assert db.session.get(OpenSlot, slot.id).no_shows_recorded_at is None
    # ...but the page shows what the scheduled job will record.
    assert "未到场" in html
    start = html.index('id="slot-counts"')
    counts = html[start:html.index("</ul>", start)]
    assert "<strong>1</strong> / 5" in counts and "未到场：<strong>1</strong>" in counts
    assert jobs.record_no_shows() == 1
    assert db.session.get(OpenRegistration, absent.id).status == "no_show"


def test_staff_slot_page_before_the_end_shows_confirmed_visitors(client, login, app, f, person_data):
    activity = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 5)])
    slot = activity.slots[0]
    staff = f.staff(activity.unit)
    services.register(slot, f.resident(), person_data(0))
    db.session.commit()
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 10, 59, 59)  # one second before the end
    login(staff)
    html = client.get(f"/staff/open-days/slots/{slot.id}").get_data(as_text=True)
    assert "未到场" not in html


def test_staff_cancel_promotes_and_notifies(client, login, f, person_data):
    activity = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)])
    staff = f.staff(activity.unit)
    first = services.register(activity.slots[0], f.resident(), person_data(0))
    second = services.register(activity.slots[0], f.resident(), person_data(1))
    db.session.commit()
    login(staff)
    assert client.post(f"/staff/open-days/registrations/{first.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(OpenRegistration, first.id).cancelled_by_staff
    assert db.session.get(OpenRegistration, second.id).status == "confirmed"

def test_questionnaire_and_summary_through_the_pages(client, login, app, f, person_data):
    activity = f.open_activity()
    staff = f.staff(activity.unit)
    resident = f.resident()
    reg = services.register(activity.slots[0], resident, person_data())
    services.check_in(activity.slots[0], reg.code, staff)
    db.session.commit()
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 12, 0)
    login(resident)
    response = client.post(f"/me/open-days/{reg.id}/questionnaire", data={"rating": "9"})
    assert response.status_code == 422
    response = client.post(f"/me/open-days/{reg.id}/questionnaire",
                           data={"rating": "4", "suggestions": "希望多开放周末场次"})
    assert response.status_code == 302
    login(staff)
    page = client.get(f"/staff/open-days/{activity.id}/summary").get_data(as_text=True)
    assert "希望多开放周末场次" in page
    assert client.post(f"/staff/open-days/{activity.id}/summary", data={
        "item-question": "能否周末开放？", "item-response": "将增加周六场次。", "item-submit": "y"}).status_code == 302
    assert client.post(f"/staff/open-days/{activity.id}/summary", data={
        "summary-summary_text": "本次开放日顺利举行。", "summary-submit": "y"}).status_code == 302
    html = client.get(f"/open-days/{activity.id}").get_data(as_text=True)
    assert "本次开放日顺利举行。" in html and "将增加周六场次。" in html and "4.0" in html

def test_activity_calendar_route(client, f):
    activity = f.open_activity()
    db.session.commit()
    response = client.get(f"/open-days/{activity.id}.ics")
    assert response.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in response.data and b"BEGIN:VTIMEZONE" in response.data


# --- the cancellation cut-off through the pages (issue 15, boundaries) ----------------------------

SLOT = (datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 5)  # cut-off: 9 August 09:00
CUTOFF = datetime(2026, 8, 9, 9, 0)
ONE_SECOND = timedelta(seconds=1)
LATE_NOTE = "已过取消截止时间"


def test_cancelling_exactly_at_the_cut_off_through_the_page_is_on_time(client, login, app, f, person_data):
    activity = f.open_activity(slots=[SLOT])
    reg = services.register(activity.slots[0], f.resident(), person_data())
    db.session.commit()
    login(reg.account)
    app.config["CLOCK_NOW"] = CUTOFF
    page = client.get(f"/me/open-days/{reg.id}").get_data(as_text=True)
    assert f"/me/open-days/{reg.id}/cancel" in page and LATE_NOTE not in page
    response = client.post(f"/me/open-days/{reg.id}/cancel", follow_redirects=True)
    assert "您的报名已取消。" in response.get_data(as_text=True)
    db.session.expire_all()
    cancelled = db.session.get(OpenRegistration, reg.id)
    assert cancelled.status == "cancelled" and not cancelled.cancelled_late


def test_one_second_after_the_cut_off_the_page_warns_and_records_it_late(client, login, app, f, person_data):
    activity = f.open_activity(slots=[SLOT])
    reg = services.register(activity.slots[0], f.resident(), person_data())
    db.session.commit()
    login(reg.account)
    app.config["CLOCK_NOW"] = CUTOFF + ONE_SECOND
    page = client.get(f"/me/open-days/{reg.id}").get_data(as_text=True)
    assert f"/me/open-days/{reg.id}/cancel" in page and LATE_NOTE in page
    assert client.post(f"/me/open-days/{reg.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(OpenRegistration, reg.id).cancelled_late


def test_once_the_slot_starts_cancelling_is_refused_and_nothing_changes(client, login, app, f, person_data):
    activity = f.open_activity(slots=[SLOT])
    slot = activity.slots[0]
    reg = services.register(slot, f.resident(), person_data())
    staff = f.staff(activity.unit)
    db.session.commit()
    audit_before = db.session.scalar(select(func.count(AuditEntry.id)))
    app.config["CLOCK_NOW"] = slot.starts_at
    login(reg.account)
    page = client.get(f"/me/open-days/{reg.id}").get_data(as_text=True)
    assert f"/me/open-days/{reg.id}/cancel" not in page
    response = client.post(f"/me/open-days/{reg.id}/cancel", follow_redirects=True)
    assert "场次已开始：不能取消报名。" in response.get_data(as_text=True)
    login(staff)
    page = client.get(f"/staff/open-days/slots/{slot.id}").get_data(as_text=True)
    assert f"/staff/open-days/registrations/{reg.id}/cancel" not in page
    response = client.post(f"/staff/open-days/registrations/{reg.id}/cancel", follow_redirects=True)
    assert response.status_code == 200 and "场次已开始：不能取消报名。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OpenRegistration, reg.id).status == "confirmed"
    assert db.session.get(OpenSlot, slot.id).confirmed_count == 1
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_before


def test_a_cancellation_through_the_page_writes_its_audit_entry(client, login, app, f, person_data):
    activity = f.open_activity(slots=[SLOT])
    reg = services.register(activity.slots[0], f.resident(), person_data())
    db.session.commit()
    login(reg.account)
    assert client.post(f"/me/open-days/{reg.id}/cancel").status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "open_day.cancel"))
    assert (entry.object_id, entry.actor_id, entry.after["status"]) == (reg.id, reg.account_id, "cancelled")


# --- one mobile check, unit scoping -------------------------------------------------------------

def test_the_mobile_number_is_read_as_everywhere_else(client, login, f):
    activity = f.open_activity()
    resident = f.resident()
    db.session.commit()
    login(resident)
    response = client.post(f"/open-days/{activity.id}", data={
        **FORM, "mobile": "1391234567", "slot_id": activity.slots[0].id})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "请输入11位大陆手机号。" in html and 'value="1391234567"' in html
    response = client.post(f"/open-days/{activity.id}", data={
        **FORM, "mobile": "+86 139-1234-5678", "slot_id": activity.slots[0].id})
    assert response.status_code == 302
    assert db.session.scalar(select(OpenRegistration.mobile)) == "13912345678"


def test_staff_list_their_units_activities_admins_every_units(client, login, f):
    mine = f.open_activity(title="本单位的活动")
    theirs = f.open_activity(title="其他单位的活动")
    staff, admin = f.staff(mine.unit), f.admin()
    db.session.commit()
    login(staff)
    html = client.get("/staff/open-days").get_data(as_text=True)
    assert "本单位的活动" in html and "其他单位的活动" not in html
    form = client.get("/staff/open-days/new").get_data(as_text=True)
    assert mine.unit.name in form and theirs.unit.name not in form
    login(admin)
    html = client.get("/staff/open-days").get_data(as_text=True)
    assert "本单位的活动" in html and "其他单位的活动" in html
    form = client.get("/staff/open-days/new").get_data(as_text=True)
    assert mine.unit.name in form and theirs.unit.name in form

def _statement(sql: str) -> str:
    """"UPDATE open_slot", "INSERT audit_entry", "SELECT": what a statement does, and to which table."""
    words = sql.split()
    verb = words[0].upper()
    return {"UPDATE": f"UPDATE {words[1]}", "INSERT": f"INSERT {words[2]}"}.get(verb, verb)


def test_a_registration_post_reads_nothing_while_it_holds_the_write_lock(client, login, f):
    """A flash crowd's workers take turns at the write lock (SQLite) or the slot's row lock
    (PostgreSQL): from the seat's UPDATE to the commit a registration only writes (the seats left
    come back from the UPDATE, the email's QR image is drawn when it is sent), confirmed or waiting."""
    activity = f.open_activity(slots=[(datetime(2026, 8, 10, 9, 30), datetime(2026, 8, 10, 11, 0), 1)])
    people = [f.resident(), f.resident()]
    db.session.commit()
    for person, status in zip(people, ("confirmed", "waiting"), strict=True):
        login(person)
        client.get(f"/open-days/{activity.id}")
        with count_queries() as counter:
            response = client.post(f"/open-days/{activity.id}", data={**FORM, "slot_id": activity.slots[0].id})
        assert response.status_code == 302
        done = [_statement(sql) for sql in counter.statements]
        locked = done[done.index("UPDATE open_slot"):]
        assert locked == ["UPDATE open_slot", "INSERT open_registration", "INSERT audit_entry",
                          "INSERT inbox_message", "INSERT outbox_email", "INSERT data_version"], (status, done)
        assert db.session.scalar(select(OpenRegistration.status).where(
            OpenRegistration.account_id == person.id)) == status

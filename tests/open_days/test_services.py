from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEntry
from portal.errors import RuleViolation, UserInputError
from portal.extensions import db
from portal.notifications.models import InboxMessage, OutboxEmail
from portal.notifications.services import attachment_bytes
from portal.open_days import calendar_files, jobs, queries, services
from portal.open_days.models import (
    ActivityKind,
    OpenActivity,
    OpenRegistration,
    OpenSlot,
    QuestionnaireAnswer,
    RegistrationStatus,
)

from .conftest import NOW


def _register(slot, f, person_data, n=0, **kw):
    return services.register(slot, f.resident(), person_data(n, **kw))


# --- activities and slots -----------------------------------------------------------------------

def test_registration_must_close_after_it_opens(f):
    with pytest.raises(UserInputError) as info:
        f.open_activity(registration_opens_at=datetime(2026, 8, 1), registration_closes_at=datetime(2026, 7, 1))
    assert info.value.field == "registration_closes_at"


def test_slot_must_end_after_it_starts_and_start_after_registration_opens(f):
    activity = f.open_activity()
    with pytest.raises(UserInputError) as info:
        services.add_slot(None, activity, {"starts_at": datetime(2026, 8, 11, 10), "ends_at": datetime(2026, 8, 11, 9),
                                           "capacity": 5})
    assert info.value.field == "ends_at"
    with pytest.raises(UserInputError) as info:
        services.add_slot(None, activity, {"starts_at": datetime(2026, 6, 1, 10), "ends_at": datetime(2026, 6, 1, 11),
                                           "capacity": 5})
    assert info.value.field == "starts_at"
    with pytest.raises(UserInputError) as info:
        services.add_slot(None, activity, {"starts_at": datetime(2026, 8, 11, 9), "ends_at": datetime(2026, 8, 11, 10),
                                           "capacity": 0})
    assert info.value.field == "capacity"


def test_editing_cannot_open_registration_after_a_slot(f):
    activity = f.open_activity()
    data = {k: getattr(activity, k) for k in services.ACTIVITY_FIELDS}
    data["registration_opens_at"] = datetime(2026, 8, 10, 10)
    data["registration_closes_at"] = datetime(2026, 8, 10, 12)
    with pytest.raises(UserInputError) as info:
        services.update_activity(None, activity, data)
    assert info.value.field == "registration_opens_at"


def test_activity_span_follows_its_slots(f):
    activity = f.open_activity(slots=[(datetime(2026, 8, 12, 9), datetime(2026, 8, 12, 10), 5),
                                      (datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 10), 5)])
    assert activity.starts_at == datetime(2026, 8, 10, 9)
    assert activity.ends_at == datetime(2026, 8, 12, 10)
    assert activity.in_open_month


# --- registration -------------------------------------------------------------------------------

def test_confirmed_while_seats_remain_then_waiting_list_in_order(f, person_data):
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 2)]).slots[0]
    regs = [_register(slot, f, person_data, n) for n in range(5)]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waiting", "waiting", "waiting"]
    assert [r.queue_no for r in regs[2:]] == [1, 2, 3]
    assert [queries.waiting_position(r) for r in regs] == [None, None, 1, 2, 3]
    db.session.refresh(slot)
    assert (slot.confirmed_count, slot.waiting_count, slot.seats_left) == (2, 3, 0)
    assert all(r.code and len(r.code) == 8 and set(r.code) <= set(services.CODE_ALPHABET) for r in regs)
    assert len({r.code for r in regs}) == 5


def test_confirmation_is_notified_with_the_qr_image(f, person_data):
    slot = f.open_activity().slots[0]
    reg = _register(slot, f, person_data)
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.account_id == reg.account_id))
    assert reg.code in email.body
    assert email.attachment_type == "image/png" and attachment_bytes(email).startswith(b"\x89PNG")
    inbox = db.session.scalar(select(InboxMessage).where(InboxMessage.account_id == reg.account_id))
    assert inbox.link == f"/me/open-days/{reg.id}"


def test_one_active_registration_per_account_and_slot(f, person_data):
    slot = f.open_activity().slots[0]
    resident = f.resident()
    first = services.register(slot, resident, person_data())
    with pytest.raises(UserInputError):
        services.register(slot, resident, person_data())
    services.cancel(first, resident)
    again = services.register(slot, resident, person_data())
    assert again.status == "confirmed"


def test_the_database_refuses_a_second_active_registration(f, person_data):
    slot = f.open_activity().slots[0]
    reg = _register(slot, f, person_data)
    db.session.add(OpenRegistration(slot_id=slot.id, activity_id=slot.activity_id, account_id=reg.account_id,
                                    status="waiting", code="AAAA3333"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_more_seats_than_capacity(f):
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)]).slots[0]
    slot.confirmed_count = 2
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("now", [datetime(2026, 6, 30, 23, 59), datetime(2026, 8, 9, 17, 0)])
def test_registration_only_while_the_window_is_open(app, f, person_data, now):
    slot = f.open_activity().slots[0]
    app.config["CLOCK_NOW"] = now
    with pytest.raises(RuleViolation):
        _register(slot, f, person_data)


def test_registration_closes_when_the_slot_starts(app, f, person_data):
    slot = f.open_activity(registration_closes_at=datetime(2026, 8, 20),
                           slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 5)]).slots[0]
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 9, 0)
    with pytest.raises(RuleViolation):
        _register(slot, f, person_data)


@pytest.mark.parametrize("field,data", [
    ("name", {"name": " "}),
    ("mobile", {"mobile": "12345678901"}),
    ("mobile", {"mobile": "1390000000"}),
    ("id_last4", {"id_last4": "12Y4"}),
    ("id_last4", {"id_last4": ""}),
    ("needs", {"needs": "x" * 501}),
])
def test_bad_registration_input(f, person_data, field, data):
    slot = f.open_activity(id_check_required=True).slots[0]
    with pytest.raises(UserInputError) as info:
        _register(slot, f, person_data, **data)
    assert info.value.field == field
    assert db.session.get(OpenSlot, slot.id).confirmed_count == 0


def test_id_digits_kept_only_when_the_check_is_needed(f, person_data):
    with_check = f.open_activity(id_check_required=True).slots[0]
    without = f.open_activity().slots[0]
    assert _register(with_check, f, person_data, id_last4="123x").id_last4 == "123X"
    assert _register(without, f, person_data).id_last4 == ""


# --- cancellation and promotion -----------------------------------------------------------------

def test_cancellation_promotes_the_first_waiting_person_who_is_notified(f, person_data):
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)]).slots[0]
    first, second, third = (_register(slot, f, person_data, n) for n in range(3))
    promoted = services.cancel(first, first.account)
    assert promoted.id == second.id
    db.session.refresh(second)
    db.session.refresh(third)
    assert second.status == "confirmed" and third.status == "waiting"
    assert queries.waiting_position(third) == 1
    assert not db.session.get(OpenRegistration, first.id).cancelled_late
    db.session.refresh(slot)
    assert (slot.confirmed_count, slot.waiting_count) == (1, 1)
    emails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.account_id == second.account_id)
                                .order_by(OutboxEmail.id)).all()
    assert second.code in emails[-1].body and attachment_bytes(emails[-1]).startswith(b"\x89PNG")


def test_cancelling_without_waiting_list_frees_the_seat(f, person_data):
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)]).slots[0]
    reg = _register(slot, f, person_data)
    assert services.cancel(reg, reg.account) is None
    assert db.session.get(OpenSlot, slot.id).confirmed_count == 0
    assert _register(slot, f, person_data, 1).status == "confirmed"


def test_cancelling_a_waiting_registration_promotes_nobody(f, person_data):
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)]).slots[0]
    first, second, third = (_register(slot, f, person_data, n) for n in range(3))
    assert services.cancel(second, second.account) is None
    db.session.refresh(third)
    assert queries.waiting_position(third) == 1
    db.session.refresh(slot)
    assert (slot.confirmed_count, slot.waiting_count) == (1, 1)


def test_late_cancellation_is_recorded_and_still_promotes(app, f, person_data):
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)]).slots[0]
    first, second = (_register(slot, f, person_data, n) for n in range(2))
    app.config["CLOCK_NOW"] = datetime(2026, 8, 9, 10, 0)  # 23 hours before, cut-off is 24
    assert services.cancel(first, first.account).id == second.id
    assert db.session.get(OpenRegistration, first.id).cancelled_late


# A slot on 10 August 2026 09:00 with the default cut-off of 24 hours: 9 August 09:00.
SLOT = (datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 5)
CUTOFF = datetime(2026, 8, 9, 9, 0)
ONE_SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(("now", "late"), [(CUTOFF - ONE_SECOND, False), (CUTOFF, False),
                                           (CUTOFF + ONE_SECOND, True)])
def test_cancelling_exactly_at_the_cut_off_is_on_time_one_second_after_is_late(app, f, person_data, now, late):
    slot = f.open_activity(slots=[SLOT]).slots[0]
    reg = _register(slot, f, person_data)
    app.config["CLOCK_NOW"] = now
    assert reg.can_cancel(now) and reg.cancel_is_late(now) == late
    services.cancel(reg, reg.account)
    cancelled = db.session.get(OpenRegistration, reg.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_late == late


def test_a_waiting_place_is_never_cancelled_late(app, f, person_data):
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)]).slots[0]
    _register(slot, f, person_data, 0)
    waiting = _register(slot, f, person_data, 1)
    app.config["CLOCK_NOW"] = CUTOFF + ONE_SECOND
    services.cancel(waiting, waiting.account)
    assert not db.session.get(OpenRegistration, waiting.id).cancelled_late


def test_cancelling_is_possible_until_the_slot_starts_and_refused_from_then(app, f, person_data):
    slot = f.open_activity(slots=[SLOT]).slots[0]
    before, at_start = _register(slot, f, person_data, 0), _register(slot, f, person_data, 1)
    app.config["CLOCK_NOW"] = slot.starts_at - ONE_SECOND
    assert before.can_cancel(slot.starts_at - ONE_SECOND)
    services.cancel(before, before.account)
    app.config["CLOCK_NOW"] = slot.starts_at
    assert not at_start.can_cancel(slot.starts_at)
    with pytest.raises(RuleViolation, match="already started"):
        services.cancel(at_start, at_start.account)
    assert db.session.get(OpenRegistration, at_start.id).status == "confirmed"


def test_a_cancellation_writes_its_audit_entry(app, f, person_data):
    slot = f.open_activity(slots=[SLOT]).slots[0]
    reg = _register(slot, f, person_data)
    app.config["CLOCK_NOW"] = CUTOFF + ONE_SECOND
    services.cancel(reg, reg.account)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "open_day.cancel")).all()
    assert [(e.object_type, e.object_id, e.actor_id, e.unit_id) for e in entries] == \
        [("open_registration", reg.id, reg.account_id, slot.activity.unit_id)]
    assert entries[0].before == {"status": "confirmed"}
    assert entries[0].after == {"status": "cancelled", "late": True, "by_staff": False, "promoted_id": None}


def test_no_cancellation_once_the_slot_started_or_twice(app, f, person_data):
    slot = f.open_activity().slots[0]
    reg = _register(slot, f, person_data)
    services.cancel(reg, reg.account, by_staff=True)
    assert db.session.get(OpenRegistration, reg.id).cancelled_by_staff
    with pytest.raises(RuleViolation):
        services.cancel(reg, reg.account)
    other = _register(slot, f, person_data, 1)
    app.config["CLOCK_NOW"] = slot.starts_at
    with pytest.raises(RuleViolation):
        services.cancel(other, other.account)


def test_a_checked_in_visitor_cannot_be_cancelled_so_the_seat_is_not_given_twice(f, person_data):
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)]).slots[0]
    inside, waiting = (_register(slot, f, person_data, n) for n in range(2))
    services.check_in(slot, inside.code, f.staff())
    with pytest.raises(RuleViolation, match="already checked in"):
        services.cancel(inside, inside.account, by_staff=True)
    db.session.refresh(waiting)
    db.session.refresh(slot)
    assert waiting.status == "waiting" and (slot.confirmed_count, slot.waiting_count) == (1, 1)


# --- check-in and no-shows ----------------------------------------------------------------------

def test_check_in_refuses_what_is_not_a_confirmed_code_of_this_slot(f, person_data):
    activity = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1),
                                      (datetime(2026, 8, 11, 9), datetime(2026, 8, 11, 11), 1)])
    slot, other_slot = activity.slots
    confirmed, waiting = _register(slot, f, person_data, 0), _register(slot, f, person_data, 1)
    elsewhere = _register(other_slot, f, person_data, 2)
    cancelled = _register(other_slot, f, person_data, 3)  # waiting there, then cancelled
    services.cancel(cancelled, cancelled.account)
    staff = f.staff(activity.unit)
    cases = [("", "enter"), ("ZZZZZZZZ", "No registration"), (elsewhere.code, "another time slot"),
             (waiting.code, "waiting list"), (cancelled.code, "another time slot")]
    for code, words in cases:
        with pytest.raises(UserInputError) as info:
            services.check_in(slot, code, staff)
        assert words in info.value.message and info.value.field == "code"
    cancelled_here = _register(slot, f, person_data, 4)
    services.cancel(cancelled_here, cancelled_here.account)
    with pytest.raises(UserInputError, match="cancelled"):
        services.check_in(slot, cancelled_here.code, staff)
    checked = services.check_in(slot, " " + confirmed.code.lower()[:4] + "-" + confirmed.code[4:], staff)
    assert checked.checked_in_at == NOW
    with pytest.raises(UserInputError, match="already checked in"):
        services.check_in(slot, confirmed.code, staff)
    assert queries.slot_counts(slot) == {"confirmed": 1, "checked_in": 1, "waiting": 1, "cancelled": 1,
                                          "no_show": 0}


def test_no_shows_after_the_slot_ends(app, f, person_data):
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 3)]).slots[0]
    came, missed = _register(slot, f, person_data, 0), _register(slot, f, person_data, 1)
    services.check_in(slot, came.code, None)
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 10, 59)
    assert jobs.record_no_shows() == 0
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 11, 0)
    assert jobs.record_no_shows() == 1
    assert db.session.get(OpenRegistration, missed.id).status == "no_show"
    assert db.session.get(OpenRegistration, came.id).status == "confirmed"
    assert jobs.record_no_shows() == 0
    with pytest.raises(UserInputError, match="no-show"):
        services.check_in(slot, missed.code, None)


# --- reminders ----------------------------------------------------------------------------------

def test_reminders_the_day_before_only_once(app, f, person_data):
    slot = f.open_activity().slots[0]  # 10 August 09:30
    confirmed = _register(slot, f, person_data, 0)
    app.config["CLOCK_NOW"] = datetime(2026, 8, 8, 8, 0)
    assert jobs.send_reminders() == 0
    app.config["CLOCK_NOW"] = datetime(2026, 8, 9, 8, 0)
    assert jobs.send_reminders() == 1
    assert jobs.send_reminders() == 0
    subjects = db.session.scalars(select(InboxMessage.subject).where(
        InboxMessage.account_id == confirmed.account_id)).all()
    assert sum(s.startswith("Reminder") or s.startswith("提醒") for s in subjects) == 1


# --- questionnaire and summary ------------------------------------------------------------------

def test_questionnaire_only_for_checked_in_visitors_once(f, person_data):
    slot = f.open_activity().slots[0]
    came, other = _register(slot, f, person_data, 0), _register(slot, f, person_data, 1)
    with pytest.raises(RuleViolation):
        services.submit_questionnaire(other, other.account, {"rating": 5})
    services.check_in(slot, came.code, None)
    with pytest.raises(UserInputError) as info:
        services.submit_questionnaire(came, came.account, {"rating": 6})
    assert info.value.field == "rating"
    services.submit_questionnaire(came, came.account, {"rating": 4, "suggestions": "多安排周末场次"})
    with pytest.raises(RuleViolation):
        services.submit_questionnaire(came, came.account, {"rating": 5})
    assert queries.questionnaire_stats(slot.activity) == {"answers": 1, "average": 4.0}


def test_summary_only_after_the_activity(app, f):
    activity = f.open_activity()
    with pytest.raises(RuleViolation):
        services.publish_summary(None, activity, "总结")
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 12, 0)
    with pytest.raises(UserInputError):
        services.publish_summary(None, activity, "  ")
    with pytest.raises(UserInputError):
        services.add_summary_item(None, activity, {"question": "问题", "response": ""})
    services.add_summary_item(None, activity, {"question": "问题", "response": "答复"})
    services.publish_summary(None, activity, "总结")
    assert activity.summary_published_at == datetime(2026, 8, 10, 12, 0)


# --- privacy ------------------------------------------------------------------------------------

def test_purge_blanks_personal_data_after_the_configured_days_keeping_counts(app, f, person_data):
    app.config["OPEN_DAY_PURGE_AFTER_DAYS"] = 30
    slot = f.open_activity().slots[0]  # ends 10 August 11:00
    reg = _register(slot, f, person_data, 0, needs="轮椅")
    app.config["CLOCK_NOW"] = datetime(2026, 9, 9, 10, 0)
    assert jobs.purge_personal_data() == 0
    app.config["CLOCK_NOW"] = datetime(2026, 9, 9, 11, 0)
    assert jobs.purge_personal_data() == 1
    db.session.refresh(reg)
    assert (reg.name, reg.mobile, reg.id_last4, reg.needs) == ("", "", "", "")
    assert reg.status == "confirmed" and db.session.get(OpenSlot, slot.id).confirmed_count == 1
    assert jobs.purge_personal_data() == 0


def test_export_and_erasure(f, person_data):
    from portal.accounts.services import ERASERS, export_data

    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)]).slots[0]
    leaving = f.resident()
    reg = services.register(slot, leaving, person_data(0, name="李四"))
    waiting = _register(slot, f, person_data, 1)
    exported = export_data(leaving)["open_day_registrations"]
    assert exported[0]["name"] == "李四" and exported[0]["code"] == reg.code
    assert services.erase_registrations in ERASERS
    services.erase_registrations(leaving)
    gone = db.session.get(OpenRegistration, reg.id)
    assert gone.account_id is None and gone.name == "" and gone.status == "cancelled"
    assert db.session.get(OpenRegistration, waiting.id).status == "confirmed"


# --- calendars and QR ---------------------------------------------------------------------------

def test_calendar_files_carry_the_shanghai_zone(f, person_data):
    activity = f.open_activity()
    reg = _register(activity.slots[0], f, person_data)
    for ics in (calendar_files.activity_ics(activity), calendar_files.registration_ics(reg)):
        text = ics.decode()
        assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Shanghai" in text
        assert "DTSTART;TZID=Asia/Shanghai:20260810T093000" in text
        assert activity.title in text or "SUMMARY:" in text


def test_the_qr_image_is_drawn_when_the_email_is_sent_not_in_the_registration(f, person_data):
    """A flash crowd confirms fifty registrations at once: the request queues the email with the
    image's recipe, and the sender draws the image (the same PNG) when it builds the message."""
    from portal.notifications.services import _build_message

    reg = _register(f.open_activity().slots[0], f, person_data)
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.account_id == reg.account_id))
    assert email.attachment_data is None and email.attachment_recipe == f"checkin-qr:{reg.code}"
    [part] = list(_build_message(email).iter_attachments())
    assert part.get_filename() == f"check-in-{reg.code}.png" and part.get_content_type() == "image/png"
    assert part.get_content() == calendar_files.qr_png(reg.code)


def test_qr_png_encodes_a_png():
    assert calendar_files.qr_png("ACDE3479").startswith(b"\x89PNG\r\n\x1a\n")


def test_codes_are_unique_in_the_database(f, person_data):
    slot = f.open_activity().slots[0]
    reg = _register(slot, f, person_data)
    db.session.add(OpenRegistration(slot_id=slot.id, activity_id=slot.activity_id, account_id=f.resident().id,
                                    status="confirmed", code=reg.code))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- partial undo with a savepoint ----------------------------------------------------------------

def test_a_parallel_duplicate_registration_gives_its_seat_back_and_keeps_the_session(
        f, person_data):
    """The same account registering twice (or twice at the same moment): no query checks first,
    the unique index refuses the second row, and the savepoint gives its seat back; the first
    stays."""
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 5)]).slots[0]
    resident = f.resident()
    first = services.register(slot, resident, person_data())
    with pytest.raises(UserInputError, match="already registered"):
        services.register(slot, resident, person_data())
    db.session.refresh(slot)
    assert slot.confirmed_count == 1
    assert db.session.scalars(select(OpenRegistration.id)).all() == [first.id]
    db.session.commit()  # the session is still usable: nothing was rolled back but the duplicate


def test_a_registration_is_not_committed_by_its_savepoint(f, person_data):
    """The savepoint stays inside the request's transaction (on SQLite too): rolling the request
    back removes the registration and its seat."""
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 5)]).slots[0]
    resident = f.resident()
    db.session.commit()
    services.register(slot, resident, person_data())
    db.session.rollback()
    assert db.session.scalar(select(OpenRegistration.id)) is None
    assert db.session.get(OpenSlot, slot.id).confirmed_count == 0


def test_a_questionnaire_answer_is_not_committed_by_its_savepoint(f, person_data):
    slot = f.open_activity().slots[0]
    reg = _register(slot, f, person_data)
    services.check_in(slot, reg.code, f.staff())
    db.session.commit()
    services.submit_questionnaire(reg, reg.account, {"rating": 5})
    db.session.rollback()
    assert db.session.scalar(select(QuestionnaireAnswer.id)) is None


# --- the August open month: one definition --------------------------------------------------------

@pytest.mark.parametrize(("starts_at", "in_month"), [
    (datetime(2026, 7, 31, 23, 59, 59), False), (datetime(2026, 8, 1, 0, 0), True),
    (datetime(2026, 8, 31, 23, 59, 59), True), (datetime(2026, 9, 1, 0, 0), False)])
def test_the_open_month_is_the_month_in_which_the_first_slot_starts(f, starts_at, in_month):
    activity = f.open_activity(registration_opens_at=datetime(2026, 7, 1), registration_closes_at=datetime(2026, 7, 2),
                               kind="open_week", slots=[(starts_at, starts_at + timedelta(days=3), 5)])
    assert activity.in_open_month == in_month
    in_sql = db.session.scalar(select(OpenActivity.id).where(OpenActivity.in_open_month))
    assert (in_sql == activity.id) == in_month
    of_year = db.session.scalar(select(OpenActivity.id).where(OpenActivity.in_open_month_of(2026)))
    assert (of_year == activity.id) == in_month
    assert db.session.scalar(select(OpenActivity.id).where(OpenActivity.in_open_month_of(2025))) is None


def test_the_type_open_month_activity_does_not_decide_the_open_month(f):
    october = f.open_activity(kind="open_month", registration_closes_at=datetime(2026, 9, 30),
                              slots=[(datetime(2026, 10, 8, 9), datetime(2026, 10, 8, 11), 5)])
    assert not october.in_open_month
    assert october.kind_label == "Open month activity"


def test_labels_come_with_the_enums():
    assert RegistrationStatus.waiting.label == "On the waiting list"
    assert RegistrationStatus.label_of("no_show") == "Did not come"
    assert ActivityKind.choices()[1] == ("open_week", "Open week")


def test_qr_png_holds_the_code_module_by_module():
    """The PNG written with zlib reads back (with the pypng reader) as the QR matrix, each module a
    square of 8 black or white pixels, the quiet zone white."""
    import png
    import qrcode

    qr = qrcode.QRCode(box_size=8, border=3)
    qr.add_data("ACDE3479")
    qr.make(fit=True)
    matrix = qr.get_matrix()
    width, height, rows, info = png.Reader(bytes=calendar_files.qr_png("ACDE3479")).read()
    assert width == height == len(matrix) * 8 and info["bitdepth"] == 1 and info["greyscale"]
    pixels = [list(row) for row in rows]
    for y, modules in enumerate(matrix):
        for x, dark in enumerate(modules):
            block = {pixels[y * 8 + dy][x * 8 + dx] for dy in range(8) for dx in range(8)}
            assert block == {0 if dark else 1}
    assert not any(matrix[0]) and set(pixels[0]) == {1}


def test_a_check_in_code_drawn_twice_is_drawn_again(f, person_data, monkeypatch):
    """The unique index on the code catches a repeated draw; the registration gets another code."""
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 5)]).slots[0]
    first = services.register(slot, f.resident(), person_data())
    draws = iter([first.code, "KEEPTHIS"])
    monkeypatch.setattr(services, "_new_code", lambda: next(draws))
    second = services.register(slot, f.resident(), person_data(1))
    assert second.code == "KEEPTHIS" and second.status == "confirmed"
    db.session.refresh(slot)
    assert slot.confirmed_count == 2


def test_the_waiting_position_is_told_without_a_count(f, person_data):
    """The position comes from the slot's own counter: after a cancellation on the waiting list the
    next one is told the right number."""
    slot = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)]).slots[0]
    people = [f.resident() for _ in range(4)]
    regs = [services.register(slot, person, person_data(i)) for i, person in enumerate(people[:3])]
    assert [r.joined_position for r in regs] == [None, 1, 2]
    services.cancel(regs[1], people[1])
    last = services.register(slot, people[3], person_data(3))
    assert last.joined_position == 2 == queries.waiting_position(last)

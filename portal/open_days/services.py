"""Rules of government open activities: activities and slots, registration with seats and a FIFO
waiting list, cancellation and promotion, check-in, no-shows, reminders, questionnaire, summary,
calendar files and the purge of personal data.

Seats and waiting-list numbers are only ever changed by single atomic UPDATE statements on the
slot row, so that capacity is never exceeded on SQLite or PostgreSQL under any concurrency. On
SQLite the first statement of each such transaction is that UPDATE, so the write lock is taken
(waiting on busy_timeout) before anything is read inside the transaction.
"""
from __future__ import annotations

import io
import re
import secrets
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import clock
from ..accounts.services import eraser, exporter
from ..audit.services import record, snapshot
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..notifications.services import absolute_url, notify
from .models import (
    ACTIVE_STATUSES,
    ActivityKind,
    OpenActivity,
    OpenRegistration,
    OpenSlot,
    QuestionnaireAnswer,
    SummaryItem,
)

ACTIVITY_FIELDS = ("unit_id", "title", "theme", "kind", "description", "place", "accessibility",
                   "registration_opens_at", "registration_closes_at", "cancel_cutoff_hours",
                   "id_check_required")
SLOT_FIELDS = ("starts_at", "ends_at", "capacity")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_LAST4_RE = re.compile(r"^[0-9]{3}[0-9Xx]$")
# Check-in codes avoid look-alikes (0/O/Q, 1/I/L, 2/Z, 5/S, 6/G/b, 8/B) for reading aloud and typing.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 8
MAX_TEXT = 500

_slots = OpenSlot.__table__
_registrations = OpenRegistration.__table__


# --- activities and slots ---------------------------------------------------------------------

def _clean_activity(data: dict, activity: OpenActivity | None) -> dict:
    clean = {k: data.get(k) for k in ACTIVITY_FIELDS}
    for key in ("title", "theme", "description", "place", "accessibility"):
        clean[key] = (clean[key] or "").strip()
    if not clean["title"]:
        raise UserInputError("title", _("Please enter a title."))
    if not clean["place"]:
        raise UserInputError("place", _("Please enter the place."))
    if clean["kind"] not in {k.value for k in ActivityKind}:
        raise UserInputError("kind", _("Please choose the type of activity."))
    opens, closes = clean["registration_opens_at"], clean["registration_closes_at"]
    if not isinstance(opens, datetime):
        raise UserInputError("registration_opens_at", _("Please enter when registration opens."))
    if not isinstance(closes, datetime):
        raise UserInputError("registration_closes_at", _("Please enter when registration closes."))
    if closes <= opens:
        raise UserInputError("registration_closes_at",
                             _("Registration must close after it opens."))
    hours = clean["cancel_cutoff_hours"]
    if hours is None or int(hours) < 0:
        raise UserInputError("cancel_cutoff_hours", _("Please enter a number of hours, 0 or more."))
    clean["cancel_cutoff_hours"] = int(hours)
    clean["id_check_required"] = bool(clean["id_check_required"])
    if activity is not None:
        for slot in activity.slots:
            if slot.starts_at <= opens:
                raise UserInputError("registration_opens_at",
                                     _("Registration must open before every time slot starts."))
    return clean


def create_activity(actor, data: dict) -> OpenActivity:
    clean = _clean_activity(data, None)
    activity = OpenActivity(**clean)
    db.session.add(activity)
    db.session.flush()
    record(actor, "open_day.create", activity, after=snapshot(activity, ACTIVITY_FIELDS))
    return activity


def update_activity(actor, activity: OpenActivity, data: dict) -> OpenActivity:
    clean = _clean_activity({**data, "unit_id": activity.unit_id}, activity)
    before = snapshot(activity, ACTIVITY_FIELDS)
    for key, value in clean.items():
        setattr(activity, key, value)
    db.session.flush()
    after = snapshot(activity, ACTIVITY_FIELDS)
    if before != after:
        record(actor, "open_day.update", activity, before=before, after=after)
    return activity


def add_slot(actor, activity: OpenActivity, data: dict) -> OpenSlot:
    starts, ends, capacity = data.get("starts_at"), data.get("ends_at"), data.get("capacity")
    if not isinstance(starts, datetime):
        raise UserInputError("starts_at", _("Please enter when the slot starts."))
    if not isinstance(ends, datetime):
        raise UserInputError("ends_at", _("Please enter when the slot ends."))
    if ends <= starts:
        raise UserInputError("ends_at", _("The slot must end after it starts."))
    if starts <= activity.registration_opens_at:
        raise UserInputError("starts_at", _("The slot must start after registration opens."))
    if capacity is None or int(capacity) < 1:
        raise UserInputError("capacity", _("Please enter at least one seat."))
    slot = OpenSlot(activity=activity, starts_at=starts, ends_at=ends, capacity=int(capacity))
    db.session.add(slot)
    db.session.flush()
    _refresh_span(activity)
    record(actor, "open_day.slot_add", slot, after=snapshot(slot, SLOT_FIELDS), unit_id=activity.unit_id)
    return slot


def _refresh_span(activity: OpenActivity) -> None:
    activity.starts_at = min(s.starts_at for s in activity.slots)
    activity.ends_at = max(s.ends_at for s in activity.slots)
    db.session.flush()


# --- registration -----------------------------------------------------------------------------

def _clean_registration(activity: OpenActivity, data: dict) -> dict:
    name = (data.get("name") or "").strip()
    mobile = (data.get("mobile") or "").strip()
    id_last4 = (data.get("id_last4") or "").strip().upper()
    needs = (data.get("needs") or "").strip()
    if not name or len(name) > 50:
        raise UserInputError("name", _("Please enter your name (at most 50 characters)."))
    if not MOBILE_RE.match(mobile):
        raise UserInputError("mobile", _("Please enter a mainland mobile number of 11 digits starting with 1."))
    if activity.id_check_required:
        if not ID_LAST4_RE.match(id_last4):
            raise UserInputError("id_last4", _("Please enter the last 4 characters of your ID number "
                                               "(3 digits, then a digit or X)."))
    else:
        id_last4 = ""
    if len(needs) > MAX_TEXT:
        raise UserInputError("needs", _("Please keep this to %(n)s characters.", n=MAX_TEXT))
    return {"name": name, "mobile": mobile, "id_last4": id_last4, "needs": needs}


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if db.session.scalar(select(OpenRegistration.id).where(OpenRegistration.code == code)) is None:
            return code


def _take_seat(slot_id: int) -> bool:
    result = db.session.execute(
        update(_slots).where(_slots.c.id == slot_id, _slots.c.confirmed_count < _slots.c.capacity)
        .values(confirmed_count=_slots.c.confirmed_count + 1))
    return result.rowcount == 1


def _take_queue_number(slot_id: int) -> int | None:
    """The next waiting-list number, only while the slot is full (None if a seat came free)."""
    return db.session.execute(
        update(_slots).where(_slots.c.id == slot_id, _slots.c.confirmed_count >= _slots.c.capacity)
        .values(next_queue_no=_slots.c.next_queue_no + 1, waiting_count=_slots.c.waiting_count + 1)
        .returning(_slots.c.next_queue_no)).scalar_one_or_none()


def active_registration(slot: OpenSlot, account) -> OpenRegistration | None:
    return db.session.scalar(select(OpenRegistration).where(
        OpenRegistration.slot_id == slot.id, OpenRegistration.account_id == account.id,
        OpenRegistration.status.in_(ACTIVE_STATUSES)))


def register(slot: OpenSlot, account, data: dict) -> OpenRegistration:
    """Register ``account`` for ``slot``: confirmed while seats remain, else on the waiting list.

    May roll the session back (a concurrent duplicate registration); the caller commits.
    """
    activity = slot.activity
    now = clock.now()
    if not slot.registration_open(now):
        raise RuleViolation(_("Registration for this time slot is not open."))
    clean = _clean_registration(activity, data)
    if active_registration(slot, account) is not None:
        raise UserInputError(None, _("You have already registered for this time slot."))
    code = _new_code()
    slot_id, activity_id, account_id = slot.id, activity.id, account.id
    # The seat (or the waiting-list number) first: on SQLite this takes the write lock.
    status, queue_no = None, None
    for _attempt in range(10):
        if _take_seat(slot_id):
            status = "confirmed"
            break
        queue_no = _take_queue_number(slot_id)
        if queue_no is not None:
            status = "waiting"
            break
    if status is None:  # seats freed and taken again ten times in a row: not a real situation
        raise RuleViolation(_("Registration for this time slot is not open."))
    registration = OpenRegistration(slot_id=slot_id, activity_id=activity_id, account_id=account_id,
                                    status=status, queue_no=queue_no, code=code,
                                    confirmed_at=now if status == "confirmed" else None, **clean)
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:
        # The same account registered in a parallel request: undo this one (seat included).
        db.session.rollback()
        raise UserInputError(None, _("You have already registered for this time slot.")) from None
    db.session.expire(slot, ["confirmed_count", "next_queue_no", "waiting_count"])
    record(account, "open_day.register", registration, unit_id=activity.unit_id,
           after={"slot_id": slot_id, "status": status, "queue_no": queue_no})
    if status == "confirmed":
        _notify_confirmed(registration)
    else:
        position = waiting_position(registration)
        notify(account, _("On the waiting list for %(title)s", title=activity.title),
               _("All seats of %(when)s are taken. You are number %(position)s on the waiting list; "
                 "you will be told at once if a seat becomes free.",
                 when=_slot_label(registration.slot), position=position),
               link=f"/me/open-days/{registration.id}", kind="open_day")
    return registration


def waiting_position(registration: OpenRegistration) -> int | None:
    """1 for the first person waiting; None unless the registration is waiting."""
    if registration.status != "waiting":
        return None
    ahead = db.session.scalar(select(func.count(OpenRegistration.id)).where(
        OpenRegistration.slot_id == registration.slot_id, OpenRegistration.status == "waiting",
        OpenRegistration.queue_no < registration.queue_no))
    return (ahead or 0) + 1


def _slot_label(slot: OpenSlot) -> str:
    return f"{slot.starts_at:%Y-%m-%d %H:%M}–{slot.ends_at:%H:%M}"


def _notify_confirmed(registration: OpenRegistration, promoted: bool = False) -> None:
    if registration.account is None:
        return
    activity, slot = registration.activity, registration.slot
    subject = (_("A seat is yours: %(title)s", title=activity.title) if promoted
               else _("Registration confirmed: %(title)s", title=activity.title))
    body = _("Time: %(when)s\nPlace: %(place)s\nCheck-in code: %(code)s\n"
             "Show the code or the attached QR image at the entrance.",
             when=_slot_label(slot), place=activity.place, code=registration.code)
    if activity.id_check_required:
        body += "\n" + _("Please bring your ID card: it is checked at the door.")
    notify(registration.account, subject, body, link=f"/me/open-days/{registration.id}", kind="open_day",
           attachment=(f"check-in-{registration.code}.png", "image/png", qr_png(registration.code)))


# --- cancellation and promotion ---------------------------------------------------------------

def cancel(registration: OpenRegistration, actor, *, by_staff: bool = False) -> OpenRegistration | None:
    """Cancel a registration; a freed seat goes to the first person waiting, who is returned."""
    now = clock.now()
    slot = registration.slot
    old = registration.status
    if old not in ACTIVE_STATUSES:
        raise RuleViolation(_("This registration is no longer active."))
    if registration.checked_in_at is not None:
        # The visitor is inside: freeing the seat would give it to a second person.
        raise RuleViolation(_("This visitor has already checked in: the registration cannot be cancelled."))
    if slot.starts_at <= now:
        raise RuleViolation(_("The time slot has already started: the registration cannot be cancelled."))
    late = old == "confirmed" and now > slot.cancel_cutoff()
    changed = db.session.execute(
        update(_registrations).where(_registrations.c.id == registration.id, _registrations.c.status == old)
        .values(status="cancelled", cancelled_at=now, cancelled_late=late, cancelled_by_staff=by_staff))
    if changed.rowcount != 1:
        raise RuleViolation(_("This registration is no longer active."))
    promoted = None
    if old == "confirmed":
        # Free the seat; this also locks the slot row until commit, so promotions never race.
        db.session.execute(update(_slots).where(_slots.c.id == slot.id)
                           .values(confirmed_count=_slots.c.confirmed_count - 1))
        promoted = _promote_first_waiting(slot, now)
    else:
        db.session.execute(update(_slots).where(_slots.c.id == slot.id)
                           .values(waiting_count=_slots.c.waiting_count - 1))
    db.session.expire(registration)
    db.session.expire(slot, ["confirmed_count", "waiting_count"])
    record(actor, "open_day.cancel", registration, unit_id=registration.activity.unit_id,
           before={"status": old}, after={"status": "cancelled", "late": late, "by_staff": by_staff,
                                          "promoted_id": promoted.id if promoted else None})
    if by_staff and registration.account is not None:
        notify(registration.account, _("Registration cancelled: %(title)s", title=registration.activity.title),
               _("The organising unit cancelled your registration for %(when)s.", when=_slot_label(slot)),
               link=f"/me/open-days/{registration.id}", kind="open_day")
    return promoted


def _promote_first_waiting(slot: OpenSlot, now: datetime) -> OpenRegistration | None:
    while True:
        candidate_id = db.session.scalar(
            select(OpenRegistration.id).where(OpenRegistration.slot_id == slot.id,
                                              OpenRegistration.status == "waiting")
            .order_by(OpenRegistration.queue_no).limit(1))
        if candidate_id is None:
            return None
        changed = db.session.execute(
            update(_registrations).where(_registrations.c.id == candidate_id,
                                         _registrations.c.status == "waiting")
            .values(status="confirmed", confirmed_at=now))
        if changed.rowcount == 1:
            break  # else the candidate withdrew at this very moment: try the next one
    seat = db.session.execute(
        update(_slots).where(_slots.c.id == slot.id, _slots.c.confirmed_count < _slots.c.capacity)
        .values(confirmed_count=_slots.c.confirmed_count + 1, waiting_count=_slots.c.waiting_count - 1))
    if seat.rowcount != 1:  # we hold the slot row and have just freed a seat
        raise RuntimeError("promotion found no free seat")
    promoted = db.session.get(OpenRegistration, candidate_id)
    db.session.refresh(promoted)
    record(None, "open_day.promote", promoted, unit_id=slot.activity.unit_id,
           before={"status": "waiting"}, after={"status": "confirmed"})
    _notify_confirmed(promoted, promoted=True)
    return promoted


# --- check-in and no-shows --------------------------------------------------------------------

def normalise_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()


def check_in(slot: OpenSlot, raw_code: str, actor) -> OpenRegistration:
    code = normalise_code(raw_code)
    if not code:
        raise UserInputError("code", _("Please enter or scan a check-in code."))
    registration = db.session.scalar(select(OpenRegistration).where(OpenRegistration.code == code))
    if registration is None:
        raise UserInputError("code", _("No registration has the code %(code)s.", code=code))
    if registration.slot_id != slot.id:
        raise UserInputError("code", _("The code %(code)s is for another time slot (%(when)s), not this one.",
                                       code=code, when=_slot_label(registration.slot)))
    if registration.status == "waiting":
        raise UserInputError("code", _("The code %(code)s is on the waiting list: it has no seat.", code=code))
    if registration.status == "cancelled":
        raise UserInputError("code", _("The registration %(code)s was cancelled.", code=code))
    if registration.status == "no_show":
        raise UserInputError("code", _("The registration %(code)s was recorded as a no-show after the slot "
                                       "ended.", code=code))
    if registration.checked_in_at is not None:
        raise UserInputError("code", _("The code %(code)s was already checked in at %(at)s.", code=code,
                                       at=f"{registration.checked_in_at:%H:%M}"))
    now = clock.now()
    changed = db.session.execute(
        update(_registrations).where(_registrations.c.id == registration.id,
                                     _registrations.c.status == "confirmed",
                                     _registrations.c.checked_in_at.is_(None))
        .values(checked_in_at=now))
    if changed.rowcount != 1:
        raise UserInputError("code", _("The code %(code)s was already checked in.", code=code))
    db.session.refresh(registration)
    record(actor, "open_day.check_in", registration, unit_id=slot.activity.unit_id,
           after={"checked_in_at": now})
    return registration


def record_no_shows(slot: OpenSlot | None = None) -> int:
    """Mark unchecked confirmed registrations of ended slots as no-shows; returns how many."""
    now = clock.now()
    query = select(OpenSlot).where(OpenSlot.ends_at <= now, OpenSlot.no_shows_recorded_at.is_(None))
    if slot is not None:
        query = query.where(OpenSlot.id == slot.id)
    total = 0
    for ended in db.session.scalars(query.options(selectinload(OpenSlot.activity))).all():
        changed = db.session.execute(
            update(_registrations).where(_registrations.c.slot_id == ended.id,
                                         _registrations.c.status == "confirmed",
                                         _registrations.c.checked_in_at.is_(None))
            .values(status="no_show")).rowcount
        ended.no_shows_recorded_at = now
        db.session.flush()
        record(None, "open_day.no_shows", ended, unit_id=ended.activity.unit_id, after={"no_shows": changed})
        total += changed
    db.session.expire_all()  # the bulk UPDATEs bypassed the loaded registrations
    return total


def slot_counts(slot: OpenSlot) -> dict[str, int]:
    rows = db.session.execute(
        select(OpenRegistration.status, func.count(OpenRegistration.id),
               func.count(OpenRegistration.checked_in_at))
        .where(OpenRegistration.slot_id == slot.id).group_by(OpenRegistration.status)).all()
    by_status = {status: (n, checked) for status, n, checked in rows}
    return {
        "confirmed": by_status.get("confirmed", (0, 0))[0],
        "checked_in": by_status.get("confirmed", (0, 0))[1],
        "waiting": by_status.get("waiting", (0, 0))[0],
        "cancelled": by_status.get("cancelled", (0, 0))[0],
        "no_show": by_status.get("no_show", (0, 0))[0],
    }


# --- reminders --------------------------------------------------------------------------------

def send_reminders() -> int:
    """Remind confirmed visitors whose slot starts before the end of tomorrow; never twice."""
    now = clock.now()
    until = datetime.combine(clock.today() + timedelta(days=2), time.min)
    due = db.session.scalars(
        select(OpenRegistration).join(OpenSlot, OpenSlot.id == OpenRegistration.slot_id)
        .where(OpenRegistration.status == "confirmed", OpenRegistration.reminded_at.is_(None),
               OpenSlot.starts_at > now, OpenSlot.starts_at < until)
        .options(selectinload(OpenRegistration.slot), selectinload(OpenRegistration.activity))
        .order_by(OpenRegistration.id)).all()
    sent = 0
    for registration in due:
        changed = db.session.execute(
            update(_registrations).where(_registrations.c.id == registration.id,
                                         _registrations.c.reminded_at.is_(None))
            .values(reminded_at=now)).rowcount
        if changed != 1 or registration.account is None:
            continue
        activity = registration.activity
        notify(registration.account, _("Reminder: %(title)s", title=activity.title),
               _("Your visit is at %(when)s, %(place)s. Check-in code: %(code)s.",
                 when=_slot_label(registration.slot), place=activity.place, code=registration.code),
               link=f"/me/open-days/{registration.id}", kind="open_day")
        sent += 1
    return sent


# --- questionnaire and summary ----------------------------------------------------------------

def can_answer_questionnaire(registration: OpenRegistration) -> bool:
    return registration.checked_in_at is not None and registration.status == "confirmed"


def submit_questionnaire(registration: OpenRegistration, account, data: dict) -> QuestionnaireAnswer:
    if not can_answer_questionnaire(registration):
        raise RuleViolation(_("Only visitors who were checked in can answer the questionnaire."))
    existing = db.session.scalar(select(QuestionnaireAnswer.id).where(
        QuestionnaireAnswer.registration_id == registration.id))
    if existing is not None:
        raise RuleViolation(_("You have already answered the questionnaire. Thank you."))
    try:
        rating = int(data.get("rating"))
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise UserInputError("rating", _("Please choose a rating from 1 to 5."))
    suggestions = (data.get("suggestions") or "").strip()
    if len(suggestions) > 2000:
        raise UserInputError("suggestions", _("Please keep this to %(n)s characters.", n=2000))
    answer = QuestionnaireAnswer(registration_id=registration.id, activity_id=registration.activity_id,
                                 rating=rating, suggestions=suggestions)
    db.session.add(answer)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise RuleViolation(_("You have already answered the questionnaire. Thank you.")) from None
    record(account, "open_day.questionnaire", answer, unit_id=registration.activity.unit_id,
           after={"rating": rating})
    return answer


def questionnaire_stats(activity: OpenActivity) -> dict:
    count, average = db.session.execute(
        select(func.count(QuestionnaireAnswer.id), func.avg(QuestionnaireAnswer.rating))
        .where(QuestionnaireAnswer.activity_id == activity.id)).one()
    return {"answers": count or 0, "average": round(float(average), 1) if average is not None else None}


def collected_suggestions(activity: OpenActivity) -> list[QuestionnaireAnswer]:
    return db.session.scalars(select(QuestionnaireAnswer).where(
        QuestionnaireAnswer.activity_id == activity.id, QuestionnaireAnswer.suggestions != "")
        .order_by(QuestionnaireAnswer.id)).all()


def add_summary_item(actor, activity: OpenActivity, data: dict) -> SummaryItem:
    question = (data.get("question") or "").strip()
    response = (data.get("response") or "").strip()
    if not question:
        raise UserInputError("question", _("Please enter the question or suggestion."))
    if not response:
        raise UserInputError("response", _("Please enter the unit's response."))
    position = (db.session.scalar(select(func.max(SummaryItem.position))
                                  .where(SummaryItem.activity_id == activity.id)) or 0) + 1
    item = SummaryItem(activity_id=activity.id, question=question, response=response, position=position)
    db.session.add(item)
    db.session.flush()
    record(actor, "open_day.summary_item", item, unit_id=activity.unit_id,
           after={"question": question, "response": response})
    return item


def publish_summary(actor, activity: OpenActivity, summary_text: str) -> None:
    now = clock.now()
    if activity.ends_at is None or activity.ends_at > now:
        raise RuleViolation(_("The summary can be published once the activity is over."))
    text = (summary_text or "").strip()
    if not text:
        raise UserInputError("summary_text", _("Please write the summary."))
    before = snapshot(activity, ("summary_text", "summary_published_at"))
    activity.summary_text = text
    if activity.summary_published_at is None:
        activity.summary_published_at = now
    db.session.flush()
    record(actor, "open_day.summary_publish", activity, before=before,
           after=snapshot(activity, ("summary_text", "summary_published_at")))


# --- privacy ----------------------------------------------------------------------------------

PERSONAL_FIELDS = {"name": "", "mobile": "", "id_last4": "", "needs": ""}


def purge_personal_data() -> int:
    """Blank the personal data of registrations of activities ended more than
    OPEN_DAY_PURGE_AFTER_DAYS days ago; statuses (and so every count) are kept."""
    now = clock.now()
    cutoff = now - timedelta(days=current_app.config["OPEN_DAY_PURGE_AFTER_DAYS"])
    activities = db.session.scalars(select(OpenActivity).where(
        OpenActivity.ends_at <= cutoff, OpenActivity.purged_at.is_(None))).all()
    total = 0
    for activity in activities:
        changed = db.session.execute(
            update(_registrations).where(_registrations.c.activity_id == activity.id)
            .values(purged_at=now, **PERSONAL_FIELDS)).rowcount
        activity.purged_at = now
        db.session.flush()
        record(None, "open_day.purge", activity, after={"registrations": changed})
        total += changed
    db.session.expire_all()  # the bulk UPDATEs bypassed the loaded registrations
    return total


@exporter("open_day_registrations")
def export_registrations(account) -> list[dict]:
    rows = db.session.scalars(
        select(OpenRegistration).where(OpenRegistration.account_id == account.id)
        .options(selectinload(OpenRegistration.slot), selectinload(OpenRegistration.activity))
        .order_by(OpenRegistration.id)).all()
    answers = {a.registration_id: a for a in db.session.scalars(
        select(QuestionnaireAnswer).where(QuestionnaireAnswer.registration_id.in_([r.id for r in rows])))}
    return [{
        "activity": r.activity.title, "starts_at": r.slot.starts_at.isoformat(),
        "ends_at": r.slot.ends_at.isoformat(), "status": r.status, "name": r.name, "mobile": r.mobile,
        "id_last4": r.id_last4, "needs": r.needs, "code": r.code,
        "registered_at": r.created_at.isoformat(),
        "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
        "questionnaire": ({"rating": answers[r.id].rating, "suggestions": answers[r.id].suggestions}
                          if r.id in answers else None),
    } for r in rows]


@eraser
def erase_registrations(account) -> None:
    """Cancel future registrations (their seats go to people waiting), then blank the rest."""
    now = clock.now()
    rows = db.session.scalars(select(OpenRegistration).where(OpenRegistration.account_id == account.id)
                              .order_by(OpenRegistration.id)).all()
    for registration in rows:
        if registration.status in ACTIVE_STATUSES and registration.slot.starts_at > now:
            cancel(registration, account)
    db.session.execute(update(_registrations).where(_registrations.c.account_id == account.id)
                       .values(account_id=None, purged_at=now, **PERSONAL_FIELDS))
    db.session.expire_all()


# --- QR codes and calendars -------------------------------------------------------------------

def qr_png(code: str) -> bytes:
    import qrcode
    from qrcode.image.pure import PyPNGImage

    image = qrcode.make(code, image_factory=PyPNGImage, box_size=8, border=3)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def _event(slot: OpenSlot, uid: str, stamp: datetime):
    from icalendar import Event

    activity = slot.activity
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", clock.aware(slot.starts_at))
    event.add("dtend", clock.aware(slot.ends_at))
    event.add("summary", activity.title)
    event.add("location", activity.place)
    event.add("description", activity.description)
    event.add("url", absolute_url(f"/open-days/{activity.id}"))
    return event


def _calendar(events) -> bytes:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//Public Participation Portal//open days//ZH")
    calendar.add("version", "2.0")
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def activity_ics(activity: OpenActivity) -> bytes:
    stamp = clock.aware(clock.now())
    host = current_app.config["PORTAL_BASE_URL"].split("//")[-1].split("/")[0]
    return _calendar(_event(slot, f"open-slot-{slot.id}@{host}", stamp) for slot in activity.slots)


def registration_ics(registration: OpenRegistration) -> bytes:
    stamp = clock.aware(clock.now())
    host = current_app.config["PORTAL_BASE_URL"].split("//")[-1].split("/")[0]
    return _calendar([_event(registration.slot, f"open-registration-{registration.id}@{host}", stamp)])


# --- lists ------------------------------------------------------------------------------------

def public_activities():
    """A select() of every activity with at least one slot (unit and slots loaded in bulk)."""
    return (select(OpenActivity).where(OpenActivity.starts_at.is_not(None))
            .options(selectinload(OpenActivity.slots)))


def upcoming_activities(now: datetime | None = None):
    now = now or clock.now()
    return public_activities().where(OpenActivity.ends_at > now).order_by(OpenActivity.starts_at,
                                                                          OpenActivity.id)


def past_activities(now: datetime | None = None):
    now = now or clock.now()
    return public_activities().where(OpenActivity.ends_at <= now).order_by(OpenActivity.ends_at.desc(),
                                                                           OpenActivity.id.desc())


def open_month_activities(year: int):
    """Every unit's activities with a slot in August of ``year`` (政府开放月)."""
    start, end = datetime(year, 8, 1), datetime(year, 9, 1)
    return public_activities().where(OpenActivity.starts_at < end, OpenActivity.ends_at > start) \
        .order_by(OpenActivity.starts_at, OpenActivity.id)


def seats_left(activity: OpenActivity, now: datetime) -> int:
    return sum(s.seats_left for s in activity.slots if s.starts_at > now)


def my_registrations(account, limit: int = 50) -> list[OpenRegistration]:
    return db.session.scalars(
        select(OpenRegistration).where(OpenRegistration.account_id == account.id)
        .options(selectinload(OpenRegistration.slot), selectinload(OpenRegistration.activity))
        .order_by(OpenRegistration.created_at.desc(), OpenRegistration.id.desc()).limit(limit)).all()

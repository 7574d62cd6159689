"""Rules of government open activities: activities and slots, registration with seats and a FIFO
waiting list, cancellation and promotion, check-in, questionnaire, summary, and the account's
export and erasure. Read-only queries live in ``queries.py``, the QR image and calendar files in
``calendar_files.py``, the scheduled jobs (no-shows, reminders, purge) in ``jobs.py``.

Seats and waiting-list numbers are only ever changed by single atomic UPDATE statements on the
slot row, so that capacity is never exceeded on SQLite or PostgreSQL under any concurrency. On
SQLite the first statement of each such transaction is that UPDATE, so the write lock is taken
(waiting on busy_timeout) before anything is read inside the transaction.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any, NamedTuple, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import CursorResult, Result, Table, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import clock
from ..accounts.services import eraser, exporter
from ..audit.services import record, snapshot
from ..database import savepoint
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..notifications.services import notify
from ..subscriptions import events
from ..textutil import HTTPS_URL_MESSAGE, MOBILE_MESSAGE, normalize_https_url, normalize_mobile
from .calendar_files import checkin_qr_attachment
from .models import (
    ActivityKind,
    OpenActivity,
    OpenRegistration,
    OpenSlot,
    QuestionnaireAnswer,
    RegistrationStatus,
    SummaryItem,
)

ACTIVITY_FIELDS = ("unit_id", "title", "theme", "kind", "description", "place", "online_url", "accessibility",
                   "registration_opens_at", "registration_closes_at", "cancel_cutoff_hours",
                   "id_check_required")
SLOT_FIELDS = ("starts_at", "ends_at", "capacity")
ID_LAST4_RE = re.compile(r"^[0-9]{3}[0-9Xx]$")
# Check-in codes avoid look-alikes (0/O/Q, 1/I/L, 2/Z, 5/S, 6/G/b, 8/B) for reading aloud and typing.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 8
MAX_TEXT = 500

# The tables themselves: seats and statuses change only by single atomic UPDATE statements.
slots_table = cast(Table, OpenSlot.__table__)
registrations_table = cast(Table, OpenRegistration.__table__)
_slots, _registrations = slots_table, registrations_table


def changed_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE changed."""
    return cast(CursorResult[Any], result).rowcount


# --- activities and slots ---------------------------------------------------------------------

def _clean_activity(data: dict, activity: OpenActivity | None) -> dict:
    clean = {k: data.get(k) for k in ACTIVITY_FIELDS}
    for key in ("title", "theme", "description", "place", "accessibility"):
        clean[key] = (clean[key] or "").strip()
    if not clean["title"]:
        raise UserInputError("title", _("Please enter a title."))
    if clean["kind"] not in ActivityKind.values():
        raise UserInputError("kind", _("Please choose the type of activity."))
    _clean_place(clean)
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
    if clean["id_check_required"] and clean["kind"] == ActivityKind.online:
        raise UserInputError("id_check_required",
                             _("An online activity has no door: there is no ID check at it."))
    if activity is not None:
        for slot in activity.slots:
            if slot.starts_at <= opens:
                raise UserInputError("registration_opens_at",
                                     _("Registration must open before every time slot starts."))
    return clean


def _clean_place(clean: dict) -> None:
    """An online activity takes place on its https link, which is also stored as its place (every
    message naming the place gives the link); the others at a place, without a link."""
    if clean["kind"] == ActivityKind.online:
        typed = (clean["online_url"] or "").strip()
        if not typed:
            raise UserInputError("online_url", _("Please enter the online address of the activity."))
        url = normalize_https_url(typed)
        if url is None:
            raise UserInputError("online_url", str(HTTPS_URL_MESSAGE))
        clean["online_url"] = clean["place"] = url
    else:
        clean["online_url"] = None
        if not clean["place"]:
            raise UserInputError("place", _("Please enter the place."))


def create_activity(actor, data: dict) -> OpenActivity:
    clean = _clean_activity(data, None)
    activity = OpenActivity(**clean)
    db.session.add(activity)
    db.session.flush()
    record(actor, "open_day.create", activity, after=snapshot(activity, ACTIVITY_FIELDS))
    events.emit(events.EventKind.open_day_published, activity)
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
    mobile = normalize_mobile(data.get("mobile"))
    id_last4 = (data.get("id_last4") or "").strip().upper()
    needs = (data.get("needs") or "").strip()
    if not name or len(name) > 50:
        raise UserInputError("name", _("Please enter your name (at most 50 characters)."))
    if mobile is None:
        raise UserInputError("mobile", str(MOBILE_MESSAGE))
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
    """A random check-in code. 22^8 ≈ 5.5·10^10 codes: the unique index catches the rare repeat
    (``register`` then draws another), so no query is spent on it."""
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def _code_taken(code: str | None) -> bool:
    return db.session.scalar(select(OpenRegistration.id).where(OpenRegistration.code == code)) is not None


# The two statements a registration runs under the write lock, built once: building one costs
# about five times as much as running it (SQLAlchemy memoizes the cache key of a built statement).
_TAKE_SEAT = (update(_slots).where(_slots.c.id == bindparam("slot_id"), _slots.c.confirmed_count < _slots.c.capacity)
              .values(confirmed_count=_slots.c.confirmed_count + 1)
              .returning(_slots.c.capacity - _slots.c.confirmed_count))
_TAKE_QUEUE_NUMBER = (
    update(_slots).where(_slots.c.id == bindparam("slot_id"), _slots.c.confirmed_count >= _slots.c.capacity)
    .values(next_queue_no=_slots.c.next_queue_no + 1, waiting_count=_slots.c.waiting_count + 1)
    .returning(_slots.c.next_queue_no, _slots.c.waiting_count))


def _take_seat(slot_id: int) -> int | None:
    """A seat while one is free: the seats left after it (None if the slot is full)."""
    return db.session.execute(_TAKE_SEAT, {"slot_id": slot_id}).scalar_one_or_none()


def _take_queue_number(slot_id: int) -> tuple[int, int] | None:
    """The next waiting-list number and the number now waiting, only while the slot is full (None
    if a seat came free). Every waiting registration ahead holds a smaller number and every later
    one a larger, so the number waiting is this registration's position."""
    row = db.session.execute(_TAKE_QUEUE_NUMBER, {"slot_id": slot_id}).one_or_none()
    return (row[0], row[1]) if row is not None else None


class _Place(NamedTuple):
    status: RegistrationStatus
    queue_no: int | None = None    # waiting-list number
    position: int | None = None    # position on the waiting list
    seats_left: int | None = None  # after this seat


def _take_place(slot_id: int, looks_full: bool = False) -> _Place:
    """A seat while one is free, else the next waiting-list number (arrival order). Both updates
    are conditional and atomic, so the order in which they are tried only saves a statement: a slot
    that looked full when the page was loaded is first asked for a number."""
    for _attempt in range(10):
        if not looks_full and (seats_left := _take_seat(slot_id)) is not None:
            return _Place(RegistrationStatus.confirmed, seats_left=seats_left)
        looks_full = False
        queued = _take_queue_number(slot_id)
        if queued is not None:
            return _Place(RegistrationStatus.waiting, queue_no=queued[0], position=queued[1])
    # Seats freed and taken again ten times in a row: not a real situation.
    raise RuleViolation(_("Registration for this time slot is not open."))


def register(slot: OpenSlot, account, data: dict) -> OpenRegistration:
    """Register ``account`` for ``slot``: confirmed while seats remain, else on the waiting list.

    The registration's ``joined_position`` (1 for the first person waiting) is set when it joins
    the waiting list. A flash crowd sends hundreds of these at once, so each costs a handful of
    statements: no query checks beforehand what the unique indexes decide (one active
    registration per account and slot, one check-in code)."""
    activity = slot.activity
    now = clock.now()
    if not slot.registration_open(now):
        raise RuleViolation(_("Registration for this time slot is not open."))
    clean = _clean_registration(activity, data)
    slot_id, activity_id, account_id = slot.id, activity.id, account.id
    looks_full = slot.confirmed_count >= slot.capacity
    try:
        for _attempt in range(5):
            try:
                # The seat (or the waiting-list number) and the row that holds it, undone together
                # if the same account registered in a parallel request (the unique index decides).
                with savepoint():
                    place = _take_place(slot_id, looks_full)
                    status, queue_no, position = place.status, place.queue_no, place.position
                    registration = OpenRegistration(
                        slot_id=slot_id, activity_id=activity_id, account_id=account_id, status=status,
                        queue_no=queue_no, code=_new_code(),
                        confirmed_at=now if status == RegistrationStatus.confirmed else None, **clean)
                    db.session.add(registration)
                    db.session.flush()
                break
            except IntegrityError:
                if not _code_taken(registration.code):
                    raise UserInputError(None, _("You have already registered for this time slot.")) from None
                # else the check-in code was drawn before: draw another
        else:
            raise RuleViolation(_("Registration for this time slot is not open."))
    finally:
        db.session.expire(slot, ["confirmed_count", "next_queue_no", "waiting_count"])
    registration.joined_position = position
    record(account, "open_day.register", registration, unit_id=activity.unit_id,
           after={"slot_id": slot_id, "status": status.value, "queue_no": queue_no})
    if status == RegistrationStatus.confirmed:
        _notify_confirmed(registration)
        _announce_seats_low(slot, place.seats_left)
    else:
        notify(account, _("On the waiting list for %(title)s", title=activity.title),
               _("All seats of %(when)s are taken. You are number %(position)s on the waiting list; "
                 "you will be told at once if a seat becomes free.",
                 when=slot.label, position=position),
               link=f"/me/open-days/{registration.id}", kind="open_day")
    return registration


def _announce_seats_low(slot: OpenSlot, left: int | None) -> None:
    """Followers are told once per slot when its free seats (``left``, as the seat was taken)
    fall to OPEN_DAY_SEATS_LOW."""
    if left is not None and 0 < left <= int(current_app.config["OPEN_DAY_SEATS_LOW"]):
        events.emit(events.EventKind.open_day_seats_low, slot.activity, dedup_key=f"open_day.seats_low:{slot.id}",
                    summary=_("%(when)s: %(left)s seats left.", when=slot.label, left=left))


def _notify_confirmed(registration: OpenRegistration, promoted: bool = False) -> None:
    if registration.account is None or registration.code is None:
        return
    activity, slot = registration.activity, registration.slot
    subject = (_("A seat is yours: %(title)s", title=activity.title) if promoted
               else _("Registration confirmed: %(title)s", title=activity.title))
    if activity.is_online:  # no door: no check-in code, no QR image
        notify(registration.account, subject,
               _("Time: %(when)s\nOnline at: %(url)s", when=slot.label, url=activity.online_url),
               link=f"/me/open-days/{registration.id}", kind="open_day")
        return
    body = _("Time: %(when)s\nPlace: %(place)s\nCheck-in code: %(code)s\n"
             "Show the code or the attached QR image at the entrance.",
             when=slot.label, place=activity.place, code=registration.code)
    if activity.id_check_required:
        body += "\n" + _("Please bring your ID card: it is checked at the door.")
    notify(registration.account, subject, body, link=f"/me/open-days/{registration.id}", kind="open_day",
           attachment=checkin_qr_attachment(registration.code))


# --- cancellation and promotion ---------------------------------------------------------------

def cancel(registration: OpenRegistration, actor, *, by_staff: bool = False) -> OpenRegistration | None:
    """Cancel a registration; a freed seat goes to the first person waiting, who is returned."""
    now = clock.now()
    slot = registration.slot
    old = RegistrationStatus(registration.status)
    if not registration.can_cancel(now):
        raise RuleViolation(_cancel_refusal(registration))
    late = registration.cancel_is_late(now)
    changed = db.session.execute(
        update(_registrations).where(_registrations.c.id == registration.id, _registrations.c.status == old)
        .values(status=RegistrationStatus.cancelled, cancelled_at=now, cancelled_late=late,
                cancelled_by_staff=by_staff))
    if changed_rows(changed) != 1:
        raise RuleViolation(_("This registration is no longer active."))
    promoted = None
    if old == RegistrationStatus.confirmed:
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
           before={"status": old.value},
           after={"status": RegistrationStatus.cancelled.value, "late": late, "by_staff": by_staff,
                  "promoted_id": promoted.id if promoted else None})
    if by_staff and registration.account is not None:
        notify(registration.account, _("Registration cancelled: %(title)s", title=registration.activity.title),
               _("The organising unit cancelled your registration for %(when)s.", when=slot.label),
               link=f"/me/open-days/{registration.id}", kind="open_day")
    return promoted


def _cancel_refusal(registration: OpenRegistration) -> str:
    """Why ``registration.can_cancel(now)`` is false."""
    if not registration.is_active:
        return _("This registration is no longer active.")
    if registration.checked_in_at is not None:
        # The visitor is inside: freeing the seat would give it to a second person.
        return _("This visitor has already checked in: the registration cannot be cancelled.")
    return _("The time slot has already started: the registration cannot be cancelled.")


def _promote_first_waiting(slot: OpenSlot, now: datetime) -> OpenRegistration | None:
    while True:
        candidate_id = db.session.scalar(
            select(OpenRegistration.id).where(OpenRegistration.slot_id == slot.id,
                                              OpenRegistration.status == RegistrationStatus.waiting)
            .order_by(OpenRegistration.queue_no).limit(1))
        if candidate_id is None:
            return None
        changed = db.session.execute(
            update(_registrations).where(_registrations.c.id == candidate_id,
                                         _registrations.c.status == RegistrationStatus.waiting)
            .values(status=RegistrationStatus.confirmed, confirmed_at=now))
        if changed_rows(changed) == 1:
            break  # else the candidate withdrew at this very moment: try the next one
    seat = db.session.execute(
        update(_slots).where(_slots.c.id == slot.id, _slots.c.confirmed_count < _slots.c.capacity)
        .values(confirmed_count=_slots.c.confirmed_count + 1, waiting_count=_slots.c.waiting_count - 1))
    if changed_rows(seat) != 1:  # we hold the slot row and have just freed a seat
        raise RuntimeError("promotion found no free seat")
    promoted = db.session.get(OpenRegistration, candidate_id)
    assert promoted is not None
    db.session.refresh(promoted)
    record(None, "open_day.promote", promoted, unit_id=slot.activity.unit_id,
           before={"status": RegistrationStatus.waiting.value},
           after={"status": RegistrationStatus.confirmed.value})
    _notify_confirmed(promoted, promoted=True)
    return promoted


# --- check-in --------------------------------------------------------------------------

def normalise_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()


def check_in(slot: OpenSlot, raw_code: str, actor) -> OpenRegistration:
    if slot.activity.is_online:
        raise RuleViolation(_("An online activity has no check-in at a door."))
    code = normalise_code(raw_code)
    if not code:
        raise UserInputError("code", _("Please enter or scan a check-in code."))
    registration = db.session.scalar(select(OpenRegistration).where(OpenRegistration.code == code))
    if registration is None:
        raise UserInputError("code", _("No registration has the code %(code)s.", code=code))
    if registration.slot_id != slot.id:
        raise UserInputError("code", _("The code %(code)s is for another time slot (%(when)s), not this one.",
                                       code=code, when=registration.slot.label))
    if registration.status == RegistrationStatus.waiting:
        raise UserInputError("code", _("The code %(code)s is on the waiting list: it has no seat.", code=code))
    if registration.status == RegistrationStatus.cancelled:
        raise UserInputError("code", _("The registration %(code)s was cancelled.", code=code))
    if registration.status == RegistrationStatus.no_show:
        raise UserInputError("code", _("The registration %(code)s was recorded as a no-show after the slot "
                                       "ended.", code=code))
    if registration.checked_in_at is not None:
        raise UserInputError("code", _("The code %(code)s was already checked in at %(at)s.", code=code,
                                       at=f"{registration.checked_in_at:%H:%M}"))
    now = clock.now()
    changed = db.session.execute(
        update(_registrations).where(_registrations.c.id == registration.id,
                                     _registrations.c.status == RegistrationStatus.confirmed,
                                     _registrations.c.checked_in_at.is_(None))
        .values(checked_in_at=now))
    if changed_rows(changed) != 1:
        raise UserInputError("code", _("The code %(code)s was already checked in.", code=code))
    db.session.refresh(registration)
    record(actor, "open_day.check_in", registration, unit_id=slot.activity.unit_id,
           after={"checked_in_at": now})
    return registration


# --- questionnaire and summary ----------------------------------------------------------------

def submit_questionnaire(registration: OpenRegistration, account, data: dict) -> QuestionnaireAnswer:
    if not registration.can_answer_questionnaire:
        raise RuleViolation(str(registration.questionnaire_refusal))
    existing = db.session.scalar(select(QuestionnaireAnswer.id).where(
        QuestionnaireAnswer.registration_id == registration.id))
    if existing is not None:
        raise RuleViolation(_("You have already answered the questionnaire. Thank you."))
    try:
        rating = int(data.get("rating") or 0)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise UserInputError("rating", _("Please choose a rating from 1 to 5."))
    suggestions = (data.get("suggestions") or "").strip()
    if len(suggestions) > 2000:
        raise UserInputError("suggestions", _("Please keep this to %(n)s characters.", n=2000))
    answer = QuestionnaireAnswer(registration_id=registration.id, activity_id=registration.activity_id,
                                 rating=rating, suggestions=suggestions)
    try:
        with savepoint():  # a second answer sent at the same moment: the unique index decides
            db.session.add(answer)
            db.session.flush()
    except IntegrityError:
        raise RuleViolation(_("You have already answered the questionnaire. Thank you.")) from None
    record(account, "open_day.questionnaire", answer, unit_id=registration.activity.unit_id,
           after={"rating": rating})
    return answer


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
        if registration.can_cancel(now):
            cancel(registration, account)
    db.session.execute(update(_registrations).where(_registrations.c.account_id == account.id)
                       .values(account_id=None, purged_at=now, **PERSONAL_FIELDS))
    db.session.expire_all()

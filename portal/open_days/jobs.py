"""Work driven by time, run by the scheduled jobs (`flask --app portal open-days no-shows | remind |
purge`, daily from cron), never when somebody opens a page: recording no-shows, reminding visitors
the day before, purging personal data after the activity. Each job flushes; the command commits."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from .. import clock
from ..audit.services import record
from ..extensions import db
from ..notifications.services import notify
from ..subscriptions import notices
from .models import ActivityKind, OpenActivity, OpenRegistration, OpenSlot, RegistrationStatus
from .services import PERSONAL_FIELDS, changed_rows, registrations_table


def record_no_shows(slot: OpenSlot | None = None) -> int:
    """Mark unchecked confirmed registrations of ended slots as no-shows; returns how many."""
    now = clock.now()
    # An online activity has no check-in at a door: nobody of it is a no-show.
    query = select(OpenSlot).join(OpenActivity, OpenActivity.id == OpenSlot.activity_id).where(
        OpenSlot.ends_at <= now, OpenSlot.no_shows_recorded_at.is_(None), OpenActivity.kind != ActivityKind.online)
    if slot is not None:
        query = query.where(OpenSlot.id == slot.id)
    total = 0
    for ended in db.session.scalars(query.options(selectinload(OpenSlot.activity))).all():
        changed = changed_rows(db.session.execute(
            update(registrations_table).where(registrations_table.c.slot_id == ended.id,
                                              registrations_table.c.status == RegistrationStatus.confirmed,
                                              registrations_table.c.checked_in_at.is_(None))
            .values(status=RegistrationStatus.no_show)))
        ended.no_shows_recorded_at = now
        db.session.flush()
        record(None, "open_day.no_shows", ended, unit_id=ended.activity.unit_id, after={"no_shows": changed})
        total += changed
    db.session.expire_all()  # the bulk UPDATEs bypassed the loaded registrations
    return total


def invite_to_questionnaire() -> int:
    """Invite the checked-in visitors of slots that ended (in the last two days) to the
    questionnaire (at an online activity every confirmed participant), each slot once; returns how many were invited. Run every 15 minutes by
    `subscriptions closing-soon`, so the invitation comes soon after the visit, not at night."""
    now = clock.now()
    slots = db.session.scalars(select(OpenSlot).where(
        OpenSlot.ends_at <= now, OpenSlot.ends_at > now - timedelta(days=2),
        OpenSlot.questionnaire_invited_at.is_(None)).order_by(OpenSlot.id)).all()
    invited = 0
    for slot in slots:
        changed = changed_rows(db.session.execute(
            update(OpenSlot).where(OpenSlot.id == slot.id, OpenSlot.questionnaire_invited_at.is_(None))
            .values(questionnaire_invited_at=now).execution_options(synchronize_session=False)))
        if changed != 1:
            continue
        for visitor in db.session.scalars(select(OpenRegistration).where(
                OpenRegistration.slot_id == slot.id, OpenRegistration.status == RegistrationStatus.confirmed,
                or_(OpenRegistration.checked_in_at.is_not(None),
                    OpenRegistration.activity_id.in_(select(OpenActivity.id).where(
                        OpenActivity.kind == ActivityKind.online)))).order_by(OpenRegistration.id)):
            notices.questionnaire_invitation(visitor)
            invited += 1
    return invited


def send_reminders() -> int:
    """Remind confirmed visitors whose slot starts before the end of tomorrow; never twice."""
    now = clock.now()
    until = datetime.combine(clock.today() + timedelta(days=2), time.min)
    due = db.session.scalars(
        select(OpenRegistration).join(OpenSlot, OpenSlot.id == OpenRegistration.slot_id)
        .where(OpenRegistration.status == RegistrationStatus.confirmed, OpenRegistration.reminded_at.is_(None),
               OpenSlot.starts_at > now, OpenSlot.starts_at < until)
        .options(selectinload(OpenRegistration.slot), selectinload(OpenRegistration.activity))
        .order_by(OpenRegistration.id)).all()
    sent = 0
    for registration in due:
        changed = changed_rows(db.session.execute(
            update(registrations_table).where(registrations_table.c.id == registration.id,
                                              registrations_table.c.reminded_at.is_(None))
            .values(reminded_at=now)))
        if changed != 1 or registration.account is None:
            continue
        activity = registration.activity
        body = (_("Your online session is at %(when)s, at %(url)s.", when=registration.slot.label,
                  url=activity.online_url)
                if activity.is_online else  # no door: no check-in code
                _("Your visit is at %(when)s, %(place)s. Check-in code: %(code)s.",
                  when=registration.slot.label, place=activity.place, code=registration.code))
        notify(registration.account, _("Reminder: %(title)s", title=activity.title), body,
               link=f"/me/open-days/{registration.id}", kind="open_day")
        sent += 1
    return sent


def purge_personal_data() -> int:
    """Blank the personal data of registrations of activities ended more than
    OPEN_DAY_PURGE_AFTER_DAYS days ago; statuses (and so every count) are kept."""
    now = clock.now()
    cutoff = now - timedelta(days=current_app.config["OPEN_DAY_PURGE_AFTER_DAYS"])
    activities = db.session.scalars(select(OpenActivity).where(
        OpenActivity.ends_at <= cutoff, OpenActivity.purged_at.is_(None))).all()
    total = 0
    for activity in activities:
        changed = changed_rows(db.session.execute(
            update(registrations_table).where(registrations_table.c.activity_id == activity.id)
            .values(purged_at=now, **PERSONAL_FIELDS)))
        activity.purged_at = now
        db.session.flush()
        record(None, "open_day.purge", activity, after={"registrations": changed})
        total += changed
    db.session.expire_all()  # the bulk UPDATEs bypassed the loaded registrations
    return total

"""Read-only queries for the pages, the sections and the API: they never write, so a page can be
opened by anybody at any time (docs/architecture.md, "No GET request writes")."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import clock
from ..auth.access import scope_to_unit
from ..extensions import db
from .models import (
    ACTIVE_STATUSES,
    OpenActivity,
    OpenRegistration,
    OpenSlot,
    QuestionnaireAnswer,
    RegistrationStatus,
)

# --- activities -------------------------------------------------------------------------------


def public_activities() -> Select[OpenActivity]:
    """A select() of every activity with at least one slot (unit and slots loaded in bulk)."""
    return (select(OpenActivity).where(OpenActivity.starts_at.is_not(None))
            .options(selectinload(OpenActivity.slots)))


# Built once: a flash crowd's pages and registration POSTs load the activity every time, and
# building the statement cost more than running it.
_PUBLIC_ACTIVITY = (select(OpenActivity)
                    .where(OpenActivity.id == bindparam("activity_id"), OpenActivity.starts_at.is_not(None))
                    .options(joinedload(OpenActivity.slots)))


def public_activity(activity_id: int) -> OpenActivity | None:
    """An activity shown to the public (it has a slot), or None: one query, its slots joined."""
    return db.session.execute(_PUBLIC_ACTIVITY, {"activity_id": activity_id}).unique().scalar_one_or_none()


def upcoming_activities(now: datetime | None = None) -> Select[OpenActivity]:
    now = now or clock.now()
    return public_activities().where(OpenActivity.ends_at > now).order_by(OpenActivity.starts_at,
                                                                          OpenActivity.id)


def past_activities(now: datetime | None = None) -> Select[OpenActivity]:
    now = now or clock.now()
    return public_activities().where(OpenActivity.ends_at <= now).order_by(OpenActivity.ends_at.desc(),
                                                                           OpenActivity.id.desc())


def open_month_activities(year: int) -> Select[OpenActivity]:
    """Every unit's activities of the August open month of ``year`` (政府开放月)."""
    return public_activities().where(OpenActivity.in_open_month_of(year)) \
        .order_by(OpenActivity.starts_at, OpenActivity.id)


def staff_activities(account=None) -> Select[OpenActivity]:
    """The activities the account manages, newest first (every unit's for the district office)."""
    query = select(OpenActivity).options(selectinload(OpenActivity.slots)) \
        .order_by(OpenActivity.created_at.desc(), OpenActivity.id.desc())
    return scope_to_unit(query, OpenActivity.unit_id, account)


def staff_recent_activities(account) -> Sequence[OpenActivity]:
    """The ten activities of the staff home page, latest first (activities without a slot last)."""
    query = select(OpenActivity).options(selectinload(OpenActivity.slots)) \
        .order_by(OpenActivity.starts_at.desc().nulls_last(), OpenActivity.id.desc()).limit(10)
    return db.session.scalars(scope_to_unit(query, OpenActivity.unit_id, account)).all()


def seats_left(activity: OpenActivity, now: datetime) -> int:
    return sum(s.seats_left for s in activity.slots if s.starts_at > now)


# --- registrations ----------------------------------------------------------------------------

def my_registrations(account, limit: int = 50) -> Sequence[OpenRegistration]:
    return db.session.scalars(
        select(OpenRegistration).where(OpenRegistration.account_id == account.id)
        .options(selectinload(OpenRegistration.slot), selectinload(OpenRegistration.activity))
        .order_by(OpenRegistration.created_at.desc(), OpenRegistration.id.desc()).limit(limit)).all()


def registrations_for(activity: OpenActivity, account) -> Sequence[OpenRegistration]:
    """The account's registrations (any status) for the activity's slots."""
    return db.session.scalars(select(OpenRegistration).where(
        OpenRegistration.activity_id == activity.id, OpenRegistration.account_id == account.id)
        .order_by(OpenRegistration.id)).all()


def active_registration(slot: OpenSlot, account) -> OpenRegistration | None:
    return db.session.scalar(select(OpenRegistration).where(
        OpenRegistration.slot_id == slot.id, OpenRegistration.account_id == account.id,
        OpenRegistration.status.in_(ACTIVE_STATUSES)))


def waiting_position(registration: OpenRegistration) -> int | None:
    """1 for the first person waiting; None unless the registration is waiting."""
    if registration.status != RegistrationStatus.waiting:
        return None
    ahead = db.session.scalar(select(func.count(OpenRegistration.id)).where(
        OpenRegistration.slot_id == registration.slot_id, OpenRegistration.status == RegistrationStatus.waiting,
        OpenRegistration.queue_no < registration.queue_no))
    return (ahead or 0) + 1


def waiting_positions(registrations: Sequence[OpenRegistration]) -> dict[int, int]:
    """{registration id: its place on the waiting list} for the waiting ones of one slot, counted as
    ``waiting_position`` counts it for the resident (1 for the first person waiting)."""
    waiting = sorted((r for r in registrations if r.status == RegistrationStatus.waiting),
                     key=lambda r: (r.queue_no, r.id))
    return {r.id: position for position, r in enumerate(waiting, start=1)}


def slot_registrations(slot: OpenSlot) -> Sequence[OpenRegistration]:
    """The check-in list: confirmed first, then by waiting-list number and arrival."""
    return db.session.scalars(
        select(OpenRegistration).where(OpenRegistration.slot_id == slot.id)
        .order_by(OpenRegistration.status != RegistrationStatus.confirmed, OpenRegistration.queue_no,
                  OpenRegistration.id)).all()


def slot_counts(slot: OpenSlot, now: datetime | None = None) -> dict[str, int]:
    """Registrations of a slot by status, as they stand at ``now``: once the slot has ended, the
    confirmed visitors not checked in count as no-shows even before the scheduled job records
    them (``OpenRegistration.status_at``); an online activity has no check-in and no no-shows."""
    now = now or clock.now()
    rows = db.session.execute(
        select(OpenRegistration.status, func.count(OpenRegistration.id),
               func.count(OpenRegistration.checked_in_at))
        .where(OpenRegistration.slot_id == slot.id).group_by(OpenRegistration.status)).all()
    by_status = {RegistrationStatus(status): (n, checked) for status, n, checked in rows}
    confirmed, checked_in = by_status.get(RegistrationStatus.confirmed, (0, 0))
    no_show = by_status.get(RegistrationStatus.no_show, (0, 0))[0]
    if slot.has_ended(now) and not slot.activity.is_online:  # online: no door, nobody a no-show
        no_show += confirmed - checked_in
        confirmed = checked_in
    return {
        "confirmed": confirmed,
        "checked_in": checked_in,
        "waiting": by_status.get(RegistrationStatus.waiting, (0, 0))[0],
        "cancelled": by_status.get(RegistrationStatus.cancelled, (0, 0))[0],
        "no_show": no_show,
    }


# --- questionnaire ----------------------------------------------------------------------------

def has_answered(registration: OpenRegistration) -> bool:
    return db.session.scalar(select(QuestionnaireAnswer.id).where(
        QuestionnaireAnswer.registration_id == registration.id)) is not None


def questionnaire_stats(activity: OpenActivity) -> dict:
    count, average = db.session.execute(
        select(func.count(QuestionnaireAnswer.id), func.avg(QuestionnaireAnswer.rating))
        .where(QuestionnaireAnswer.activity_id == activity.id)).one()
    return {"answers": count or 0, "average": round(float(average), 1) if average is not None else None}


def collected_suggestions(activity: OpenActivity) -> Sequence[QuestionnaireAnswer]:
    return db.session.scalars(select(QuestionnaireAnswer).where(
        QuestionnaireAnswer.activity_id == activity.id, QuestionnaireAnswer.suggestions != "")
        .order_by(QuestionnaireAnswer.id)).all()

"""Rules of meetings with public representatives: creating and changing a meeting (with the
lottery's commitment and the extension of a committed sign-up window), sign-up and withdrawal.

Selection (staff review, the lottery, alternates) is in ``selection.py``, the draw itself in
``lottery.py``, ID numbers in ``identity.py`` and the meeting record in ``record.py``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit.services import record, snapshot
from ..auth.access import scope_to_unit
from ..catalogue.models import DecisionItem
from ..database import savepoint
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..notifications.services import notify
from ..subscriptions import events
from ..textutil import MOBILE_MESSAGE, normalize_mobile
from . import lottery
from .identity import check_id_number, id_hash
from .models import (
    CATEGORIES,
    ApplicationStatus,
    Meeting,
    MeetingApplication,
    MeetingExtension,
    MeetingSeat,
    MeetingType,
    SeatCategory,
    SelectionMethod,
    meeting_decision,
)
from .selection import promote_first_alternate, release_seat, set_status

MEETING_FIELDS = ("unit_id", "meeting_type", "title", "starts_at", "place", "live_url", "eligibility",
                  "signup_opens_at", "signup_closes_at", "selection_method", "withdrawal_cutoff",
                  "public_source", "public_value_due")
# Fixed by the lottery's commitment: changing them could steer the draw.
COMMITTED_FIELDS = ("signup_opens_at", "signup_closes_at", "selection_method", "public_source",
                    "public_value_due")


def check_mobile(raw: str) -> str:
    mobile = normalize_mobile(raw)
    if mobile is None:
        raise UserInputError("mobile", str(MOBILE_MESSAGE))
    return mobile


# --- meetings ------------------------------------------------------------------------------------

def _clean_meeting(data: dict, unit_id: int) -> tuple[dict[str, Any], list[DecisionItem], dict[str, int]]:
    values: dict[str, Any] = {
        "unit_id": unit_id,
        "meeting_type": data["meeting_type"],
        "title": (data.get("title") or "").strip(),
        "starts_at": data["starts_at"],
        "place": (data.get("place") or "").strip(),
        "live_url": (data.get("live_url") or "").strip() or None,
        "eligibility": (data.get("eligibility") or "").strip(),
        "signup_opens_at": data["signup_opens_at"],
        "signup_closes_at": data["signup_closes_at"],
        "selection_method": data["selection_method"],
        "withdrawal_cutoff": data["withdrawal_cutoff"],
        "public_source": (data.get("public_source") or "").strip(),
        "public_value_due": data.get("public_value_due"),
    }
    if values["meeting_type"] not in MeetingType.values():
        raise UserInputError("meeting_type", _("Please choose a meeting type."))
    if values["selection_method"] not in SelectionMethod.values():
        raise UserInputError("selection_method", _("Please choose a selection method."))
    if values["signup_closes_at"] <= values["signup_opens_at"]:
        raise UserInputError("signup_closes_at", _("Sign-up must close after it opens."))
    if values["starts_at"] < values["signup_closes_at"]:
        raise UserInputError("signup_closes_at", _("Sign-up must close before the meeting starts."))
    if not values["signup_closes_at"] <= values["withdrawal_cutoff"] <= values["starts_at"]:
        raise UserInputError("withdrawal_cutoff", _("The withdrawal cut-off must be between the close "
                                                    "of sign-up and the start of the meeting."))
    if values["selection_method"] == SelectionMethod.lottery:
        if not values["public_source"]:
            raise UserInputError("public_source", _("Name the public value the draw will use, e.g. a "
                                                    "named official lottery draw after sign-up closes."))
        due = values["public_value_due"]
        if due is None:
            raise UserInputError("public_value_due", _("Say when the public value will be known."))
        if due <= values["signup_closes_at"]:
            raise UserInputError("public_value_due", _("The public value must become known after "
                                                       "sign-up closes, so that nobody knows it in time "
                                                       "to steer the applications."))
        if due > values["starts_at"]:
            raise UserInputError("public_value_due", _("The public value must be known before the "
                                                       "meeting starts."))
    else:
        values["public_source"] = ""
        values["public_value_due"] = None
    seats = {c: int(data.get("seats", {}).get(c) or 0) for c in CATEGORIES}
    if any(n < 0 for n in seats.values()):
        raise UserInputError("seats_citizen", _("A number of seats cannot be negative."))
    if sum(seats.values()) == 0:
        raise UserInputError("seats_citizen", _("Offer at least one seat to public representatives."))
    ids = sorted(set(data.get("decision_ids") or []))
    decisions = list(db.session.scalars(select(DecisionItem).where(DecisionItem.id.in_(ids)))) if ids else []
    if len(decisions) != len(ids) or any(d.unit_id != unit_id for d in decisions):
        raise UserInputError("decision_ids", _("Link only decision items of the meeting's unit."))
    return values, decisions, seats


def _snapshot(meeting: Meeting) -> dict[str, Any]:
    data = snapshot(meeting, MEETING_FIELDS)
    data["decision_ids"] = [d.id for d in meeting.decisions]
    data["seats"] = {s.category: s.count for s in meeting.seats}
    data["lottery_commitment"] = meeting.lottery_commitment
    return data


def _commit(meeting: Meeting, now: datetime) -> None:
    """Fix the lottery: a fresh secret, whose SHA-256 is published from now on."""
    secret = lottery.new_secret()
    meeting.lottery_secret = secret
    meeting.lottery_commitment = lottery.commitment_of(secret)
    meeting.committed_at = now


def create_meeting(actor, unit_id: int, data: dict) -> Meeting:
    values, decisions, seats = _clean_meeting(data, unit_id)
    now = clock.now()
    if values["signup_closes_at"] <= now:
        raise UserInputError("signup_closes_at", _("Sign-up must close in the future."))
    meeting = Meeting(**values)
    meeting.decisions = decisions
    meeting.seats = [MeetingSeat(category=c, position=i, count=seats[c]) for i, c in enumerate(CATEGORIES)]
    if meeting.is_lottery:
        _commit(meeting, now)
    db.session.add(meeting)
    db.session.flush()
    record(actor, "meeting.create", meeting, after=_snapshot(meeting))
    if meeting.signup_opens_at <= now:  # a later opening is emitted by `subscriptions closing-soon`
        events.emit(events.EventKind.meeting_signup_opened, meeting, dedup_key=f"meeting.signup_opened:{meeting.id}")
    return meeting


def update_meeting(actor, meeting: Meeting, data: dict) -> Meeting:
    if meeting.selected_at is not None:
        raise RuleViolation(_("The representatives have been selected: the meeting can no longer be "
                              "changed."))
    values, decisions, seats = _clean_meeting(data, meeting.unit_id)
    now = clock.now()
    if meeting.is_committed:
        for name in COMMITTED_FIELDS:
            if values[name] != getattr(meeting, name):
                raise UserInputError(name, _("The lottery's commitment is published: this can no longer "
                                             "change. The sign-up window can only be extended, before "
                                             "it closes, with a public reason."))
    elif values["selection_method"] == SelectionMethod.lottery and meeting.signup_closed(now):
        raise UserInputError("selection_method", _("A lottery must be announced before sign-up closes."))
    counts = dict(db.session.execute(
        select(MeetingApplication.category, func.count()).where(
            MeetingApplication.meeting_id == meeting.id,
            MeetingApplication.status != ApplicationStatus.withdrawn,
        ).group_by(MeetingApplication.category)).tuples().all())
    for category in CATEGORIES:
        if seats[category] == 0 and counts.get(category):
            raise UserInputError(f"seats_{category}", _("People have applied in this category: it "
                                                        "needs at least one seat."))
        seat = next(s for s in meeting.seats if s.category == category)
        if seats[category] < seat.taken:
            raise UserInputError(f"seats_{category}", _("%(taken)s representatives are already "
                                                        "selected in this category.", taken=seat.taken))
    before = _snapshot(meeting)
    for key, value in values.items():
        setattr(meeting, key, value)
    meeting.decisions = decisions
    for seat in meeting.seats:
        seat.count = seats[seat.category]
    if meeting.is_lottery and not meeting.is_committed:
        _commit(meeting, now)
    db.session.flush()
    after = _snapshot(meeting)
    if before != after:
        record(actor, "meeting.update", meeting, before=before, after=after)
    return meeting


def extend_signup(actor, meeting: Meeting, new_closes_at: datetime | None, reason: str) -> MeetingExtension:
    """Extend the sign-up window of a meeting, before it closes, with a public reason (the only
    change of the window once a lottery is committed)."""
    now = clock.now()
    reason = (reason or "").strip()
    if meeting.selected_at is not None or meeting.signup_closed(now):
        raise RuleViolation(_("Sign-up has closed: its window can no longer change."))
    old = meeting.signup_closes_at
    if new_closes_at is None or new_closes_at <= old:
        raise UserInputError("closes_at", _("An extension must close sign-up later than %(closes)s.",
                                            closes=old.strftime("%Y-%m-%d %H:%M")))
    if new_closes_at > meeting.withdrawal_cutoff:
        raise UserInputError("closes_at", _("Sign-up must close before the withdrawal cut-off (%(cutoff)s).",
                                            cutoff=meeting.withdrawal_cutoff.strftime("%Y-%m-%d %H:%M")))
    if meeting.public_value_due is not None and new_closes_at >= meeting.public_value_due:
        raise UserInputError("closes_at", _("Sign-up must close before the public value of the draw is "
                                            "known (%(due)s).",
                                            due=meeting.public_value_due.strftime("%Y-%m-%d %H:%M")))
    if not reason:
        raise UserInputError("reason", _("Please give the public reason for the extension."))
    result = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.signup_closes_at == old,
                              Meeting.selected_at.is_(None))
        .values(signup_closes_at=new_closes_at).execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise RuleViolation(_("The meeting was changed meanwhile. Please look at it again."))
    db.session.expire(meeting, ["signup_closes_at"])
    extension = MeetingExtension(meeting_id=meeting.id, old_closes_at=old, new_closes_at=new_closes_at,
                                 reason=reason, created_at=now)
    db.session.add(extension)
    db.session.flush()
    db.session.expire(meeting, ["extensions"])
    record(actor, "meeting.extend_signup", meeting, before={"signup_closes_at": old},
           after={"signup_closes_at": new_closes_at, "reason": reason})
    return extension


# --- sign-up -------------------------------------------------------------------------------------

def issue_number(meeting: Meeting) -> int:
    number = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id)
        .values(applications_issued=Meeting.applications_issued + 1)
        .returning(Meeting.applications_issued)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.expire(meeting, ["applications_issued"])
    return number


def find_application(meeting: Meeting, account) -> MeetingApplication | None:
    return db.session.scalar(select(MeetingApplication).where(
        MeetingApplication.meeting_id == meeting.id, MeetingApplication.account_id == account.id))


def apply(meeting: Meeting, account, data: dict) -> MeetingApplication:
    """A resident's application; refused outside the sign-up window (server time)."""
    now = clock.now()
    if account.role != "resident":
        raise RuleViolation(_("Only resident accounts can apply to attend as a public representative."))
    if not meeting.signup_open(now):
        raise RuleViolation(_("Sign-up for this meeting is not open."))
    name = (data.get("name") or "").strip()
    if not name:
        raise UserInputError("name", _("Please enter your real name."))
    mobile = check_mobile(data.get("mobile") or "")
    number = check_id_number(data.get("id_number") or "", meeting.starts_at.date(), now.date())
    category = data.get("category")
    if category not in meeting.offered_categories:
        raise UserInputError("category", _("This meeting has no seats for this category."))
    organisation = (data.get("organisation") or "").strip()
    if category == SeatCategory.enterprise and not organisation:
        raise UserInputError("organisation", _("Enterprise representatives must name their enterprise."))
    if not data.get("consent"):
        raise UserInputError("consent", _("Please agree to the processing of your personal data to apply."))
    existing = find_application(meeting, account)
    if existing is not None:
        raise UserInputError(None, _("You have already applied for this meeting (application %(number)s).",
                                     number=existing.application_number))
    hashed = id_hash(number)
    if db.session.scalar(select(MeetingApplication.id).where(
            MeetingApplication.meeting_id == meeting.id, MeetingApplication.id_hash == hashed)):
        raise UserInputError("id_number", _("An application with this ID number has already been made "
                                            "for this meeting."))
    application = MeetingApplication(
        meeting_id=meeting.id, account_id=account.id, number=issue_number(meeting), name=name,
        mobile=mobile, id_last4=number[-4:], id_hash=hashed, category=category,
        organisation=organisation, relation=(data.get("relation") or "").strip(),
        points=(data.get("points") or "").strip(), interests=(data.get("interests") or "").strip(),
        consent_at=now,
    )
    try:
        with savepoint():
            db.session.add(application)
    except IntegrityError:
        # Two submissions at the same moment: the unique indexes decided, say which one.
        if find_application(meeting, account) is not None:
            raise UserInputError(None, _("You have already applied for this meeting.")) from None
        raise UserInputError("id_number", _("An application with this ID number has already been made "
                                            "for this meeting.")) from None
    record(account, "meeting.apply", application, unit_id=meeting.unit_id,
           after={"number": application.application_number, "category": category})
    notify(account, _("Application received: %(title)s", title=meeting.title),
           _("Your application %(number)s has been received. Selection takes place after sign-up "
             "closes on %(closes)s; you will be told the result.", number=application.application_number,
             closes=meeting.signup_closes_at.strftime("%Y-%m-%d %H:%M")),
           link=f"/meetings/{meeting.id}", kind="meeting")
    return application


def withdraw(application: MeetingApplication, account) -> MeetingApplication | None:
    """The applicant withdraws. A selected representative's seat goes to the first alternate of
    the category before the cut-off; after it the seat stays empty. Returns the promoted one."""
    meeting = application.meeting
    now = clock.now()
    if application.account_id != account.id:
        raise RuleViolation(_("This is not your application."))
    if meeting.has_started(now):
        raise RuleViolation(_("The meeting has started: applications can no longer be withdrawn."))
    if not application.can_withdraw(now):
        raise RuleViolation(_("This application cannot be withdrawn."))
    current = application.status
    if not set_status(application, current, {"status": ApplicationStatus.withdrawn,
                                             "withdrawn_at": now, "withdrawn_from": current}):
        raise RuleViolation(_("This application was changed meanwhile. Please look at it again."))
    promoted = None
    after_cutoff = now >= meeting.withdrawal_cutoff
    if current == ApplicationStatus.selected:
        release_seat(meeting, application.category)
        if meeting.selected_at is not None and not after_cutoff:
            promoted = promote_first_alternate(meeting, application.category)
    record(account, "meeting.withdraw", application, unit_id=meeting.unit_id,
           before={"status": str(current)},
           after={"status": ApplicationStatus.withdrawn.value, "after_cutoff": after_cutoff,
                  "promoted": promoted.application_number if promoted else None})
    return promoted


# --- reading -------------------------------------------------------------------------------------

def public_meetings(show: str | None):
    now = clock.now()
    query = select(Meeting)
    if show == "past":
        return query.where(Meeting.starts_at <= now).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    return query.where(Meeting.starts_at > now).order_by(Meeting.starts_at, Meeting.id)


def open_for_signup(limit: int = 5) -> list[Meeting]:
    now = clock.now()
    return list(db.session.scalars(select(Meeting).where(
        Meeting.signup_opens_at <= now, Meeting.signup_closes_at > now, Meeting.selected_at.is_(None),
    ).order_by(Meeting.signup_closes_at, Meeting.id).limit(limit)))


def awaiting_staff(account, limit: int = 20) -> tuple[list[Meeting], list[Meeting]]:
    """(meetings awaiting selection, meetings awaiting their record) of the account's unit(s)."""
    now = clock.now()
    base = scope_to_unit(select(Meeting), Meeting.unit_id, account)
    selection = db.session.scalars(base.where(
        Meeting.signup_closes_at <= now, Meeting.selected_at.is_(None)
    ).order_by(Meeting.starts_at).limit(limit)).all()
    records = db.session.scalars(base.where(
        Meeting.starts_at <= now, Meeting.record_published_at.is_(None)
    ).order_by(Meeting.starts_at).limit(limit)).all()
    return list(selection), list(records)


def meetings_of_decision(item: DecisionItem) -> list[Meeting]:
    return list(db.session.scalars(select(Meeting).join(
        meeting_decision, meeting_decision.c.meeting_id == Meeting.id,
    ).where(meeting_decision.c.decision_id == item.id).order_by(Meeting.starts_at.desc())))


def applications_of_account(account) -> list[MeetingApplication]:
    return list(db.session.scalars(select(MeetingApplication).where(
        MeetingApplication.account_id == account.id).order_by(MeetingApplication.id.desc())))


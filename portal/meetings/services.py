"""Rules of meetings with public representatives: creating a meeting, sign-up, selection by staff
review or public lottery, withdrawal with promotion of alternates, and the published record."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from .. import clock
from ..audit.services import record, snapshot
from ..auth.services import normalise_login
from ..catalogue.models import DecisionItem
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..notifications.services import notify
from . import lottery
from .models import (
    ADOPTION_REASON_REQUIRED,
    CATEGORIES,
    Adoption,
    ApplicationStatus,
    Meeting,
    MeetingApplication,
    MeetingSeat,
    MeetingType,
    SelectionMethod,
)

TYPE_LABELS = {
    MeetingType.executive.value: _l("District government executive meeting"),
    MeetingType.special.value: _l("Special-topic meeting"),
    MeetingType.bureau.value: _l("Bureau director's office meeting"),
    MeetingType.town.value: _l("Town head's office meeting"),
    MeetingType.other.value: _l("Other meeting"),
}
CATEGORY_LABELS = {
    "stakeholder": _l("Stakeholders"),
    "enterprise": _l("Enterprise representatives"),
    "citizen": _l("Citizen representatives"),
    "other": _l("Others"),
}
METHOD_LABELS = {
    SelectionMethod.review.value: _l("Review by staff"),
    SelectionMethod.lottery.value: _l("Public lottery"),
}
STATUS_LABELS = {
    ApplicationStatus.pending.value: _l("Awaiting selection"),
    ApplicationStatus.selected.value: _l("Selected"),
    ApplicationStatus.alternate.value: _l("Alternate"),
    ApplicationStatus.not_selected.value: _l("Not selected"),
    ApplicationStatus.withdrawn.value: _l("Withdrawn"),
}
ADOPTION_LABELS = {
    Adoption.adopted.value: _l("Adopted"),
    Adoption.partly.value: _l("Partly adopted"),
    Adoption.not_adopted.value: _l("Not adopted"),
    Adoption.explained.value: _l("Explained"),
}
PHASE_LABELS = {
    "upcoming": _l("Sign-up not yet open"),
    "signup": _l("Sign-up open"),
    "selection": _l("Selection under way"),
    "selected": _l("Representatives selected"),
    "held": _l("Meeting held"),
    "recorded": _l("Record published"),
}

MEETING_FIELDS = ("unit_id", "meeting_type", "title", "starts_at", "place", "live_url", "eligibility",
                  "signup_opens_at", "signup_closes_at", "selection_method", "withdrawal_cutoff")


# --- ID numbers ----------------------------------------------------------------------------------

def id_hash_key() -> bytes:
    key = current_app.config.get("ID_HASH_KEY")
    if key:
        return key.encode("utf-8")
    # Derived, so that the hash key is not the session-signing key itself.
    return hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"), b"portal.meetings.id-hash",
                    hashlib.sha256).digest()


def id_hash(number: str) -> str:
    return hmac.new(id_hash_key(), ric.compact(number).encode("ascii"), hashlib.sha256).hexdigest()


def check_id_number(raw: str, on_day: date) -> str:
    """The compact ID number if it is valid (GB 11643) and its holder is an adult on ``on_day``."""
    number = ric.compact(raw or "")
    if not number:
        raise UserInputError("id_number", _("Please enter your ID number."))
    try:
        ric.validate(number)
    except InvalidChecksum:
        raise UserInputError("id_number", _("This ID number is not valid: its last character (the "
                                            "check digit) does not match. Please check it.")) from None
    except InvalidComponent:
        raise UserInputError("id_number", _("This ID number is not valid: its region code or date "
                                            "of birth does not exist.")) from None
    except ValidationError:
        raise UserInputError("id_number", _("An ID number has 18 characters: 17 digits and a final "
                                            "digit or X.")) from None
    born = ric.get_birth_date(number)
    min_age = current_app.config["MEETING_MIN_AGE"]
    try:
        adult_on = born.replace(year=born.year + min_age)
    except ValueError:  # born on 29 February
        adult_on = date(born.year + min_age, 3, 1)
    if adult_on > on_day:
        raise UserInputError("id_number", _("Representatives must be at least %(age)s years old on "
                                            "the day of the meeting.", age=min_age))
    return number


def check_mobile(raw: str) -> str:
    try:
        _email, mobile = normalise_login(raw)
    except UserInputError:
        mobile = None
    if not mobile:
        raise UserInputError("mobile", _("Please enter an 11-digit mainland mobile number."))
    return mobile


# --- meetings ------------------------------------------------------------------------------------

def _clean_meeting(data: dict, unit_id: int) -> tuple[dict, list[DecisionItem], dict[str, int]]:
    values = {
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
    }
    if values["meeting_type"] not in TYPE_LABELS:
        raise UserInputError("meeting_type", _("Please choose a meeting type."))
    if values["selection_method"] not in METHOD_LABELS:
        raise UserInputError("selection_method", _("Please choose a selection method."))
    if values["signup_closes_at"] <= values["signup_opens_at"]:
        raise UserInputError("signup_closes_at", _("Sign-up must close after it opens."))
    if values["starts_at"] < values["signup_closes_at"]:
        raise UserInputError("signup_closes_at", _("Sign-up must close before the meeting starts."))
    if not values["signup_closes_at"] <= values["withdrawal_cutoff"] <= values["starts_at"]:
        raise UserInputError("withdrawal_cutoff", _("The withdrawal cut-off must be between the close "
                                                    "of sign-up and the start of the meeting."))
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


def _snapshot(meeting: Meeting) -> dict:
    data = snapshot(meeting, MEETING_FIELDS)
    data["decision_ids"] = [d.id for d in meeting.decisions]
    data["seats"] = {s.category: s.count for s in meeting.seats}
    return data


def create_meeting(actor, unit_id: int, data: dict) -> Meeting:
    values, decisions, seats = _clean_meeting(data, unit_id)
    if values["signup_closes_at"] <= clock.now():
        raise UserInputError("signup_closes_at", _("Sign-up must close in the future."))
    meeting = Meeting(**values)
    meeting.decisions = decisions
    meeting.seats = [MeetingSeat(category=c, position=i, count=seats[c]) for i, c in enumerate(CATEGORIES)]
    db.session.add(meeting)
    db.session.flush()
    record(actor, "meeting.create", meeting, after=_snapshot(meeting))
    return meeting


def update_meeting(actor, meeting: Meeting, data: dict) -> Meeting:
    if meeting.selected_at is not None:
        raise RuleViolation(_("The representatives have been selected: the meeting can no longer be "
                              "changed."))
    values, decisions, seats = _clean_meeting(data, meeting.unit_id)
    if meeting.lottery_seed is not None and values["selection_method"] != meeting.selection_method:
        raise UserInputError("selection_method", _("The lottery seed has been announced: the selection "
                                                   "method can no longer change."))
    counts = dict(db.session.execute(
        select(MeetingApplication.category, func.count()).where(
            MeetingApplication.meeting_id == meeting.id,
            MeetingApplication.status != ApplicationStatus.withdrawn.value,
        ).group_by(MeetingApplication.category)).all())
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
    db.session.flush()
    after = _snapshot(meeting)
    if before != after:
        record(actor, "meeting.update", meeting, before=before, after=after)
    return meeting


# --- sign-up -------------------------------------------------------------------------------------

def _issue_number(meeting: Meeting) -> int:
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
    number = check_id_number(data.get("id_number") or "", meeting.starts_at.date())
    category = data.get("category")
    if category not in meeting.offered_categories:
        raise UserInputError("category", _("This meeting has no seats for this category."))
    organisation = (data.get("organisation") or "").strip()
    if category == "enterprise" and not organisation:
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
        meeting_id=meeting.id, account_id=account.id, number=_issue_number(meeting), name=name,
        mobile=mobile, id_last4=number[-4:], id_hash=hashed, category=category,
        organisation=organisation, relation=(data.get("relation") or "").strip(),
        points=(data.get("points") or "").strip(), interests=(data.get("interests") or "").strip(),
        consent_at=now,
    )
    try:
        with db.session.begin_nested():
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


# --- seats ---------------------------------------------------------------------------------------

def _take_seat(meeting: Meeting, category: str) -> bool:
    result = db.session.execute(
        update(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id, MeetingSeat.category == category,
                                  MeetingSeat.taken < MeetingSeat.count)
        .values(taken=MeetingSeat.taken + 1).execution_options(synchronize_session=False))
    _expire_seats(meeting)
    return result.rowcount == 1


def _release_seat(meeting: Meeting, category: str) -> None:
    db.session.execute(
        update(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id, MeetingSeat.category == category,
                                  MeetingSeat.taken > 0)
        .values(taken=MeetingSeat.taken - 1).execution_options(synchronize_session=False))
    _expire_seats(meeting)


def _expire_seats(meeting: Meeting) -> None:
    for seat in meeting.seats:
        db.session.expire(seat, ["taken"])


def _set_status(application: MeetingApplication, expected: str, values: dict) -> bool:
    """Change an application's status only if it still is ``expected`` (one atomic UPDATE)."""
    result = db.session.execute(
        update(MeetingApplication).where(MeetingApplication.id == application.id,
                                         MeetingApplication.status == expected)
        .values(**values).execution_options(synchronize_session=False))
    db.session.expire(application)
    return result.rowcount == 1


# --- selection -----------------------------------------------------------------------------------

def _check_selection_time(meeting: Meeting, method: str) -> None:
    if meeting.selection_method != method:
        raise RuleViolation(_("This meeting uses another selection method."))
    if meeting.selected_at is not None:
        raise RuleViolation(_("The representatives of this meeting have already been selected."))
    if not meeting.signup_closed():
        raise RuleViolation(_("Selection can only take place after sign-up closes (%(closes)s).",
                              closes=meeting.signup_closes_at.strftime("%Y-%m-%d %H:%M")))


def decide(actor, application: MeetingApplication, decision: str, reason: str) -> MeetingApplication:
    """Staff review: select, make alternate (appended to the category's order) or decline."""
    meeting = application.meeting
    _check_selection_time(meeting, SelectionMethod.review.value)
    reason = (reason or "").strip()
    if decision not in (ApplicationStatus.selected.value, ApplicationStatus.alternate.value,
                        ApplicationStatus.not_selected.value):
        raise UserInputError("decision", _("Please choose a decision."))
    if not reason:
        raise UserInputError("reason", _("Please give the reason for this decision."))
    current = application.status
    if current == ApplicationStatus.withdrawn.value:
        raise RuleViolation(_("This application has been withdrawn."))
    before = snapshot(application, ("status", "alternate_position", "decision_reason"))
    values: dict = {"decision_reason": reason, "status": decision, "alternate_position": None}
    if decision == ApplicationStatus.selected.value and current != decision:
        if not _take_seat(meeting, application.category):
            raise RuleViolation(_("All %(count)s seats for %(category)s are taken.",
                                  count=meeting.seat_count(application.category),
                                  category=CATEGORY_LABELS[application.category]))
    if current == ApplicationStatus.selected.value and decision != current:
        _release_seat(meeting, application.category)
    if decision == ApplicationStatus.alternate.value:
        if current == decision:
            values["alternate_position"] = application.alternate_position
        else:
            last = db.session.scalar(select(func.max(MeetingApplication.alternate_position)).where(
                MeetingApplication.meeting_id == meeting.id,
                MeetingApplication.category == application.category)) or 0
            values["alternate_position"] = last + 1
    if not _set_status(application, current, values):
        raise RuleViolation(_("This application was changed meanwhile. Please look at it again."))
    record(actor, "meeting.decide", application, unit_id=meeting.unit_id, before=before,
           after=snapshot(application, ("status", "alternate_position", "decision_reason")))
    return application


def publish_selection(actor, meeting: Meeting) -> None:
    """Staff review: publish the decisions and notify every applicant."""
    _check_selection_time(meeting, SelectionMethod.review.value)
    applications = _applications(meeting)
    undecided = [a for a in applications if a.status == ApplicationStatus.pending.value]
    if undecided:
        raise RuleViolation(_("%(count)s applications still need a decision.", count=len(undecided)))
    _mark_selected(meeting)
    record(actor, "meeting.selection_publish", meeting, after=_tally(applications))
    for application in applications:
        _notify_outcome(application)


def announce_seed(actor, meeting: Meeting, seed: str) -> Meeting:
    """Publish the lottery seed; it can never change afterwards."""
    if not meeting.is_lottery:
        raise RuleViolation(_("This meeting does not select its representatives by lottery."))
    if meeting.selected_at is not None:
        raise RuleViolation(_("The lottery has already been drawn."))
    if not meeting.signup_closed():
        # Announced while sign-up is open, a seed would let an applicant time an application to
        # get a favourable number: the list must be closed first.
        raise RuleViolation(_("The seed can be announced only after sign-up has closed."))
    seed = (seed or "").strip() or secrets.token_hex(16)
    if len(seed) > 200:
        raise UserInputError("seed", _("The seed can have at most 200 characters."))
    now = clock.now()
    result = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.lottery_seed.is_(None))
        .values(lottery_seed=seed, seed_announced_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise RuleViolation(_("The seed has already been announced and cannot be changed."))
    db.session.expire(meeting)
    record(actor, "meeting.seed_announce", meeting, after={"seed": seed, "announced_at": now})
    return meeting


def run_lottery(actor, meeting: Meeting) -> dict[str, lottery.CategoryResult]:
    """Draw every category with ``portal.meetings.lottery`` and notify every applicant."""
    _check_selection_time(meeting, SelectionMethod.lottery.value)
    if meeting.lottery_seed is None:
        raise RuleViolation(_("Announce the seed before the draw."))
    applications = [a for a in _applications(meeting) if a.status == ApplicationStatus.pending.value]
    _mark_selected(meeting)
    results = {}
    for category in CATEGORIES:
        entries = {a.application_number: a for a in applications if a.category == category}
        seats = meeting.seat_count(category)
        result = lottery.draw(meeting.lottery_seed, list(entries), seats)
        results[category] = result
        for rank, number in enumerate(result.selected + result.alternates, start=1):
            application = entries[number]
            application.draw_rank = rank
            if rank <= seats:
                application.status = ApplicationStatus.selected.value
            else:
                application.status = ApplicationStatus.alternate.value
                application.alternate_position = rank - seats
        if result.selected:
            db.session.execute(update(MeetingSeat).where(
                MeetingSeat.meeting_id == meeting.id, MeetingSeat.category == category)
                .values(taken=len(result.selected)).execution_options(synchronize_session=False))
    db.session.flush()
    _expire_seats(meeting)
    record(actor, "meeting.lottery_draw", meeting, after={
        "seed": meeting.lottery_seed,
        "result": {c: {"selected": r.selected, "alternates": r.alternates} for c, r in results.items()},
    })
    for application in applications:
        _notify_outcome(application)
    return results


def _mark_selected(meeting: Meeting) -> None:
    now = clock.now()
    result = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.selected_at.is_(None))
        .values(selected_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise RuleViolation(_("The representatives of this meeting have already been selected."))
    db.session.expire(meeting, ["selected_at"])


def _tally(applications) -> dict:
    tally: dict[str, int] = defaultdict(int)
    for application in applications:
        tally[application.status] += 1
    return dict(tally)


def _notify_outcome(application: MeetingApplication) -> None:
    if application.account is None:
        return
    meeting = application.meeting
    link = f"/meetings/{meeting.id}"
    if application.status == ApplicationStatus.selected.value:
        notify(application.account, _("You have been selected to attend: %(title)s", title=meeting.title),
               _("Your application %(number)s has been selected. The meeting takes place on %(when)s at "
                 "%(place)s. If you cannot attend, please withdraw before %(cutoff)s so that an "
                 "alternate can take your seat.", number=application.application_number,
                 when=meeting.starts_at.strftime("%Y-%m-%d %H:%M"), place=meeting.place,
                 cutoff=meeting.withdrawal_cutoff.strftime("%Y-%m-%d %H:%M")),
               link=link, kind="meeting")
    elif application.status == ApplicationStatus.alternate.value:
        notify(application.account, _("You are an alternate for: %(title)s", title=meeting.title),
               _("Your application %(number)s is alternate no. %(position)s in its category. If a "
                 "selected representative withdraws, you will be told at once.",
                 number=application.application_number, position=application.alternate_position),
               link=link, kind="meeting")
    elif application.status == ApplicationStatus.not_selected.value:
        notify(application.account, _("You were not selected for: %(title)s", title=meeting.title),
               _("Your application %(number)s was not selected. Reason: %(reason)s",
                 number=application.application_number, reason=application.decision_reason),
               link=link, kind="meeting")


# --- withdrawal and promotion --------------------------------------------------------------------

def withdraw(application: MeetingApplication, account) -> MeetingApplication | None:
    """The applicant withdraws. A selected representative's seat goes to the first alternate of
    the category before the cut-off; after it the seat stays empty. Returns the promoted one."""
    meeting = application.meeting
    now = clock.now()
    if application.account_id != account.id:
        raise RuleViolation(_("This is not your application."))
    if meeting.has_started(now):
        raise RuleViolation(_("The meeting has started: applications can no longer be withdrawn."))
    current = application.status
    if current in (ApplicationStatus.withdrawn.value, ApplicationStatus.not_selected.value):
        raise RuleViolation(_("This application cannot be withdrawn."))
    if not _set_status(application, current, {"status": ApplicationStatus.withdrawn.value,
                                              "withdrawn_at": now, "withdrawn_from": current}):
        raise RuleViolation(_("This application was changed meanwhile. Please look at it again."))
    promoted = None
    after_cutoff = now >= meeting.withdrawal_cutoff
    if current == ApplicationStatus.selected.value:
        _release_seat(meeting, application.category)
        if meeting.selected_at is not None and not after_cutoff:
            promoted = _promote_first_alternate(meeting, application.category)
    record(account, "meeting.withdraw", application, unit_id=meeting.unit_id,
           before={"status": current},
           after={"status": ApplicationStatus.withdrawn.value, "after_cutoff": after_cutoff,
                  "promoted": promoted.application_number if promoted else None})
    return promoted


def _promote_first_alternate(meeting: Meeting, category: str) -> MeetingApplication | None:
    candidates = db.session.scalars(select(MeetingApplication).where(
        MeetingApplication.meeting_id == meeting.id, MeetingApplication.category == category,
        MeetingApplication.status == ApplicationStatus.alternate.value,
    ).order_by(MeetingApplication.alternate_position)).all()
    for candidate in candidates:
        if not _take_seat(meeting, category):
            return None
        if _set_status(candidate, ApplicationStatus.alternate.value,
                       {"status": ApplicationStatus.selected.value, "promoted_at": clock.now()}):
            record(None, "meeting.promote", candidate, unit_id=meeting.unit_id,
                   before={"status": ApplicationStatus.alternate.value,
                           "alternate_position": candidate.alternate_position},
                   after={"status": ApplicationStatus.selected.value})
            if candidate.account is not None:
                notify(candidate.account, _("A seat is now yours: %(title)s", title=meeting.title),
                       _("A selected representative has withdrawn, and your application %(number)s, "
                         "alternate no. %(position)s, now takes the seat. The meeting takes place on "
                         "%(when)s at %(place)s.", number=candidate.application_number,
                         position=candidate.alternate_position,
                         when=meeting.starts_at.strftime("%Y-%m-%d %H:%M"), place=meeting.place),
                       link=f"/meetings/{meeting.id}", kind="meeting")
            return candidate
        _release_seat(meeting, category)
    return None


# --- after the meeting ---------------------------------------------------------------------------

RECORD_FIELDS = ("attended", "opinion", "response", "adoption", "adoption_reason")


def _check_recording(meeting: Meeting) -> None:
    if not meeting.has_started():
        raise RuleViolation(_("The record can be written once the meeting has started."))
    if meeting.record_published_at is not None:
        raise RuleViolation(_("The record of this meeting has been published and can no longer change."))


def record_representative(actor, application: MeetingApplication, data: dict) -> MeetingApplication:
    """Attendance, the representative's opinions, the unit's response and their adoption."""
    _check_recording(application.meeting)
    if application.status != ApplicationStatus.selected.value:
        raise RuleViolation(_("Only selected representatives have a record."))
    opinion = (data.get("opinion") or "").strip()
    response = (data.get("response") or "").strip()
    adoption = data.get("adoption") or None
    reason = (data.get("adoption_reason") or "").strip()
    if adoption is not None and adoption not in ADOPTION_LABELS:
        raise UserInputError("adoption", _("Please choose an adoption status."))
    if opinion and not response:
        raise UserInputError("response", _("Please record the unit's response to these opinions."))
    if opinion and adoption is None:
        raise UserInputError("adoption", _("Please record whether these opinions were adopted."))
    if adoption in ADOPTION_REASON_REQUIRED and not reason:
        raise UserInputError("adoption_reason", _("A reason is required when opinions are not or only "
                                                  "partly adopted."))
    before = snapshot(application, RECORD_FIELDS)
    application.attended = bool(data.get("attended"))
    application.opinion = opinion
    application.response = response
    application.adoption = adoption
    application.adoption_reason = reason
    db.session.flush()
    record(actor, "meeting.record_representative", application, unit_id=application.meeting.unit_id,
           before=before, after=snapshot(application, RECORD_FIELDS))
    return application


def update_outcome(actor, meeting: Meeting, outcome: str) -> Meeting:
    _check_recording(meeting)
    outcome = (outcome or "").strip()
    if not outcome:
        raise UserInputError("outcome", _("Please describe the meeting's outcome."))
    before = {"outcome": meeting.outcome}
    meeting.outcome = outcome
    db.session.flush()
    record(actor, "meeting.outcome", meeting, before=before, after={"outcome": outcome})
    return meeting


def publish_record(actor, meeting: Meeting) -> None:
    """Publish the record on the meeting and item pages and give feedback to the representatives."""
    _check_recording(meeting)
    if not meeting.outcome:
        raise RuleViolation(_("Record the meeting's outcome before publishing."))
    representatives = [a for a in _applications(meeting) if a.status == ApplicationStatus.selected.value]
    missing = [a for a in representatives if a.attended is None]
    if missing:
        raise RuleViolation(_("Record the attendance of every representative before publishing "
                              "(%(count)s missing).", count=len(missing)))
    now = clock.now()
    result = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.record_published_at.is_(None))
        .values(record_published_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise RuleViolation(_("The record of this meeting has been published and can no longer change."))
    db.session.expire(meeting, ["record_published_at"])
    record(actor, "meeting.record_publish", meeting, after={"published_at": now,
                                                          "representatives": len(representatives)})
    for application in representatives:
        if application.account is None:
            continue
        if application.opinion:
            body = _("The record of the meeting is published. Your opinions: %(adoption)s. The unit's "
                     "response: %(response)s", adoption=ADOPTION_LABELS[application.adoption],
                     response=application.response)
        else:
            body = _("The record of the meeting is published, with the decisions taken and the "
                     "opinions of the representatives.")
        notify(application.account, _("Feedback on the meeting you attended: %(title)s", title=meeting.title),
               body, link=f"/meetings/{meeting.id}", kind="meeting")


# --- reading -------------------------------------------------------------------------------------

def _applications(meeting: Meeting) -> list[MeetingApplication]:
    return list(db.session.scalars(select(MeetingApplication).where(
        MeetingApplication.meeting_id == meeting.id).order_by(MeetingApplication.number)))


def applications_of(meeting: Meeting) -> list[MeetingApplication]:
    return _applications(meeting)


@dataclass
class CategoryView:
    """What the public sees of one seat category: the lottery input and result, current seats."""

    category: str
    seats: int
    lottery_input: list[MeetingApplication] = field(default_factory=list)
    drawn_selected: list[MeetingApplication] = field(default_factory=list)
    drawn_alternates: list[MeetingApplication] = field(default_factory=list)
    selected: list[MeetingApplication] = field(default_factory=list)
    alternates: list[MeetingApplication] = field(default_factory=list)
    withdrawn: list[MeetingApplication] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self.category])


def selection_view(meeting: Meeting, applications: list[MeetingApplication] | None = None
                   ) -> list[CategoryView]:
    applications = _applications(meeting) if applications is None else applications
    views = []
    for seat in meeting.seats:
        mine = [a for a in applications if a.category == seat.category]
        if seat.count == 0 and not mine:
            continue
        view = CategoryView(category=seat.category, seats=seat.count)
        drawn = sorted((a for a in mine if a.draw_rank is not None), key=lambda a: a.draw_rank)
        view.lottery_input = sorted(drawn, key=lambda a: a.number)
        view.drawn_selected = [a for a in drawn if a.draw_rank <= seat.count]
        view.drawn_alternates = [a for a in drawn if a.draw_rank > seat.count]
        view.selected = [a for a in mine if a.status == ApplicationStatus.selected.value]
        view.alternates = sorted((a for a in mine if a.status == ApplicationStatus.alternate.value),
                                 key=lambda a: a.alternate_position)
        # Representatives who left their seat after the selection was published.
        view.withdrawn = [a for a in mine if a.status == ApplicationStatus.withdrawn.value
                          and a.withdrawn_from == ApplicationStatus.selected.value
                          and meeting.selected_at is not None and a.withdrawn_at >= meeting.selected_at]
        views.append(view)
    return views


def public_meetings(show: str):
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
    base = select(Meeting)
    if account.role != "admin":
        base = base.where(Meeting.unit_id == account.unit_id)
    selection = db.session.scalars(base.where(
        Meeting.signup_closes_at <= now, Meeting.selected_at.is_(None)
    ).order_by(Meeting.starts_at).limit(limit)).all()
    records = db.session.scalars(base.where(
        Meeting.starts_at <= now, Meeting.record_published_at.is_(None)
    ).order_by(Meeting.starts_at).limit(limit)).all()
    return list(selection), list(records)


def meetings_of_decision(item: DecisionItem) -> list[Meeting]:
    from .models import meeting_decision

    return list(db.session.scalars(select(Meeting).join(
        meeting_decision, meeting_decision.c.meeting_id == Meeting.id,
    ).where(meeting_decision.c.decision_id == item.id).order_by(Meeting.starts_at.desc())))


def applications_of_account(account) -> list[MeetingApplication]:
    return list(db.session.scalars(select(MeetingApplication).where(
        MeetingApplication.account_id == account.id).order_by(MeetingApplication.id.desc())))


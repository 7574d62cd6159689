"""Selecting the representatives: staff review, or the public lottery (its frozen input, the
exclusion of ineligible applications before the freeze, the draw), alternates, and the promotion
of the first alternate when a representative withdraws. The draw itself is ``lottery.py``."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .. import clock
from ..audit.services import record, snapshot
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..notifications.services import notify
from . import lottery
from .models import (
    CATEGORIES,
    ApplicationStatus,
    Meeting,
    MeetingApplication,
    MeetingSeat,
    SeatCategory,
    SelectionMethod,
)

DECISIONS = (ApplicationStatus.selected, ApplicationStatus.alternate, ApplicationStatus.not_selected)


def applications_of(meeting: Meeting) -> list[MeetingApplication]:
    return list(db.session.scalars(select(MeetingApplication).where(
        MeetingApplication.meeting_id == meeting.id).order_by(MeetingApplication.number)))


# --- seats and statuses (atomic UPDATEs) ---------------------------------------------------------

def take_seat(meeting: Meeting, category: str) -> bool:
    result = db.session.execute(
        update(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id, MeetingSeat.category == category,
                                  MeetingSeat.taken < MeetingSeat.count)
        .values(taken=MeetingSeat.taken + 1).execution_options(synchronize_session=False))
    expire_seats(meeting)
    return getattr(result, "rowcount", 0) == 1


def release_seat(meeting: Meeting, category: str) -> None:
    db.session.execute(
        update(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id, MeetingSeat.category == category,
                                  MeetingSeat.taken > 0)
        .values(taken=MeetingSeat.taken - 1).execution_options(synchronize_session=False))
    expire_seats(meeting)


def expire_seats(meeting: Meeting) -> None:
    for seat in meeting.seats:
        db.session.expire(seat, ["taken"])


def set_status(application: MeetingApplication, expected: str, values: dict[str, Any]) -> bool:
    """Change an application's status only if it still is ``expected`` (one atomic UPDATE)."""
    result = db.session.execute(
        update(MeetingApplication).where(MeetingApplication.id == application.id,
                                         MeetingApplication.status == expected)
        .values(**values).execution_options(synchronize_session=False))
    db.session.expire(application)
    return getattr(result, "rowcount", 0) == 1


# --- staff review --------------------------------------------------------------------------------

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
    _check_selection_time(meeting, SelectionMethod.review)
    reason = (reason or "").strip()
    if decision not in DECISIONS:
        raise UserInputError("decision", _("Please choose a decision."))
    if not reason:
        raise UserInputError("reason", _("Please give the reason for this decision."))
    current = application.status
    if current == ApplicationStatus.withdrawn:
        raise RuleViolation(_("This application has been withdrawn."))
    fields = ("status", "alternate_position", "decision_reason")
    before = snapshot(application, fields)
    values: dict[str, Any] = {"decision_reason": reason, "status": decision, "alternate_position": None}
    if decision == ApplicationStatus.selected and current != decision:
        if not take_seat(meeting, application.category):
            raise RuleViolation(_("All %(count)s seats for %(category)s are taken.",
                                  count=meeting.seat_count(application.category),
                                  category=SeatCategory.label_of(application.category)))
    if current == ApplicationStatus.selected and decision != current:
        release_seat(meeting, application.category)
    if decision == ApplicationStatus.alternate:
        if current == decision:
            values["alternate_position"] = application.alternate_position
        else:
            last = db.session.scalar(select(func.max(MeetingApplication.alternate_position)).where(
                MeetingApplication.meeting_id == meeting.id,
                MeetingApplication.category == application.category)) or 0
            values["alternate_position"] = last + 1
    if not set_status(application, current, values):
        raise RuleViolation(_("This application was changed meanwhile. Please look at it again."))
    record(actor, "meeting.decide", application, unit_id=meeting.unit_id, before=before,
           after=snapshot(application, fields))
    return application


def publish_selection(actor, meeting: Meeting) -> None:
    """Staff review: publish the decisions and notify every applicant."""
    _check_selection_time(meeting, SelectionMethod.review)
    applications = applications_of(meeting)
    undecided = [a for a in applications if a.status == ApplicationStatus.pending]
    if undecided:
        raise RuleViolation(_("%(count)s applications still need a decision.", count=len(undecided)))
    now = clock.now()
    result = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.selected_at.is_(None))
        .values(selected_at=now).execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise RuleViolation(_("The representatives of this meeting have already been selected."))
    db.session.expire(meeting, ["selected_at"])
    record(actor, "meeting.selection_publish", meeting, after=_tally(applications))
    for application in applications:
        _notify_outcome(application)


# --- the lottery: exclusion, frozen input, draw --------------------------------------------------

def mark_ineligible(actor, application: MeetingApplication, reason: str) -> MeetingApplication:
    """Exclude an application from a lottery, with a public reason: only before the input list is
    frozen (the close of sign-up), so that nobody is removed once the applicants are known."""
    meeting = application.meeting
    if not meeting.is_lottery:
        raise RuleViolation(_("Applications are declined with a reason in the staff review."))
    if meeting.signup_closed() or meeting.input_frozen_at is not None:
        raise RuleViolation(_("The list of the lottery is frozen since sign-up closed: no application "
                              "can be excluded any more."))
    reason = (reason or "").strip()
    if not reason:
        raise UserInputError("reason", _("Please give the reason why this application is not eligible."))
    if not set_status(application, ApplicationStatus.pending,
                      {"status": ApplicationStatus.ineligible, "decision_reason": reason}):
        raise RuleViolation(_("Only applications awaiting selection can be excluded."))
    record(actor, "meeting.exclude", application, unit_id=meeting.unit_id,
           before={"status": ApplicationStatus.pending.value},
           after={"status": ApplicationStatus.ineligible.value, "reason": reason})
    if application.account is not None:
        notify(application.account, _("Your application is not eligible: %(title)s", title=meeting.title),
               _("Your application %(number)s does not meet the conditions of the meeting and takes no "
                 "part in the lottery. Reason: %(reason)s", number=application.application_number,
                 reason=reason), link=f"/meetings/{meeting.id}", kind="meeting")
    return application


def in_input(application: MeetingApplication, meeting: Meeting) -> bool:
    """Part of the lottery's input: applied, not excluded, not withdrawn before sign-up closed."""
    if application.status == ApplicationStatus.ineligible:
        return False
    if application.status == ApplicationStatus.withdrawn:
        return application.withdrawn_at is not None and application.withdrawn_at >= meeting.signup_closes_at
    return True


def computed_input(meeting: Meeting, applications: list[MeetingApplication] | None = None
                   ) -> list[lottery.InputEntry]:
    applications = applications_of(meeting) if applications is None else applications
    return [lottery.InputEntry(a.application_number, a.category, a.masked_name)
            for a in sorted(applications, key=lambda a: a.number) if in_input(a, meeting)]


def input_entries(meeting: Meeting, applications: list[MeetingApplication] | None = None,
                  now: datetime | None = None) -> list[lottery.InputEntry] | None:
    """The input list as published: frozen, or (after the close, before the job froze it) as it
    will be frozen; None while sign-up is open. Never writes (GET pages call it)."""
    if meeting.input_list is not None:
        return lottery.entries_from(meeting.input_list)
    if not meeting.is_lottery or not meeting.signup_closed(now):
        return None
    return computed_input(meeting, applications)


def freeze_input(meeting: Meeting) -> bool:
    """Freeze and publish the input list of a closed lottery (once). True if it froze it now."""
    if not meeting.is_lottery or meeting.input_frozen_at is not None or not meeting.signup_closed():
        return False
    entries = computed_input(meeting)
    digest = lottery.input_hash(entries)
    now = clock.now()
    result = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.input_frozen_at.is_(None))
        .values(input_list=[e.as_dict() for e in entries], input_hash=digest, input_frozen_at=now)
        .execution_options(synchronize_session=False))
    db.session.expire(meeting, ["input_list", "input_hash", "input_frozen_at"])
    if getattr(result, "rowcount", 0) != 1:
        return False
    record(None, "meeting.input_freeze", meeting, after={"input_hash": digest, "entries": len(entries)})
    return True


def freeze_closed_inputs() -> int:
    """The scheduled job: freeze the input of every lottery whose sign-up has closed."""
    due = db.session.scalars(select(Meeting).where(
        Meeting.selection_method == SelectionMethod.lottery, Meeting.signup_closes_at <= clock.now(),
        Meeting.input_frozen_at.is_(None)).order_by(Meeting.id)).all()
    return sum(1 for meeting in due if freeze_input(meeting))


def run_lottery(actor, meeting: Meeting, public_value: str, origin: str
                ) -> dict[str, lottery.CategoryResult]:
    """Staff type the public value (once, when it is known) and its source; the portal derives the
    seed from it and the committed secret, reveals the secret, draws every category over the
    frozen input and notifies every applicant."""
    _check_selection_time(meeting, SelectionMethod.lottery)
    if not meeting.is_committed or meeting.lottery_secret is None or meeting.public_value_due is None:
        raise RuleViolation(_("This lottery has no published commitment: it cannot be drawn."))
    now = clock.now()
    if now < meeting.public_value_due:
        raise RuleViolation(_("The public value is known only from %(due)s: the draw waits for it.",
                              due=meeting.public_value_due.strftime("%Y-%m-%d %H:%M")))
    public_value = (public_value or "").strip()
    origin = (origin or "").strip()
    if not lottery.digits_of(public_value):
        raise UserInputError("public_value", _("Please type the public value as published, with its "
                                               "digits."))
    if not origin:
        raise UserInputError("public_value_origin", _("Please say where the public value was published."))
    freeze_input(meeting)
    seed = lottery.derive_seed(meeting.lottery_secret, public_value)
    result = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.selected_at.is_(None),
                              Meeting.public_value.is_(None))
        .values(public_value=public_value, public_value_origin=origin, public_value_at=now,
                lottery_seed=seed, seed_announced_at=now, selected_at=now)
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise RuleViolation(_("The lottery has already been drawn."))
    db.session.expire(meeting)
    entries = lottery.entries_from(meeting.input_list or [])
    applications = {a.application_number: a for a in applications_of(meeting)}
    skipped = {n for n, a in applications.items() if a.status == ApplicationStatus.withdrawn}
    results: dict[str, lottery.CategoryResult] = {}
    for category in CATEGORIES:
        numbers = [e.number for e in entries if e.category == category]
        seats = meeting.seat_count(category)
        drawn = lottery.draw(seed, numbers, seats, skipped)
        results[category] = drawn
        for rank, number in enumerate(drawn.selected + drawn.alternates, start=1):
            application = applications[number]
            application.draw_rank = rank
            if rank <= seats:
                application.status = ApplicationStatus.selected
            else:
                application.status = ApplicationStatus.alternate
                application.alternate_position = rank - seats
        if drawn.selected:
            db.session.execute(update(MeetingSeat).where(
                MeetingSeat.meeting_id == meeting.id, MeetingSeat.category == category)
                .values(taken=len(drawn.selected)).execution_options(synchronize_session=False))
    db.session.flush()
    expire_seats(meeting)
    record(actor, "meeting.lottery_draw", meeting, after={
        "public_value": public_value, "public_value_origin": origin, "secret": meeting.lottery_secret,
        "seed": seed, "input_hash": meeting.input_hash,
        "result": {c: {"selected": r.selected, "alternates": r.alternates} for c, r in results.items()},
    })
    for application in applications.values():
        if application.draw_rank is not None:
            _notify_outcome(application)
    return results


def _tally(applications) -> dict[str, int]:
    tally: dict[str, int] = defaultdict(int)
    for application in applications:
        tally[str(application.status)] += 1
    return dict(tally)


def _notify_outcome(application: MeetingApplication) -> None:
    if application.account is None:
        return
    meeting = application.meeting
    link = f"/meetings/{meeting.id}"
    if application.status == ApplicationStatus.selected:
        notify(application.account, _("You have been selected to attend: %(title)s", title=meeting.title),
               _("Your application %(number)s has been selected. The meeting takes place on %(when)s at "
                 "%(place)s. If you cannot attend, please withdraw before %(cutoff)s so that an "
                 "alternate can take your seat.", number=application.application_number,
                 when=meeting.starts_at.strftime("%Y-%m-%d %H:%M"), place=meeting.place,
                 cutoff=meeting.withdrawal_cutoff.strftime("%Y-%m-%d %H:%M")),
               link=link, kind="meeting")
    elif application.status == ApplicationStatus.alternate:
        notify(application.account, _("You are an alternate for: %(title)s", title=meeting.title),
               _("Your application %(number)s is alternate no. %(position)s in its category. If a "
                 "selected representative withdraws, you will be told at once.",
                 number=application.application_number, position=application.alternate_position),
               link=link, kind="meeting")
    elif application.status == ApplicationStatus.not_selected:
        notify(application.account, _("You were not selected for: %(title)s", title=meeting.title),
               _("Your application %(number)s was not selected. Reason: %(reason)s",
                 number=application.application_number, reason=application.decision_reason),
               link=link, kind="meeting")


# --- promotion on withdrawal ---------------------------------------------------------------------

def promote_first_alternate(meeting: Meeting, category: str) -> MeetingApplication | None:
    candidates = db.session.scalars(select(MeetingApplication).where(
        MeetingApplication.meeting_id == meeting.id, MeetingApplication.category == category,
        MeetingApplication.status == ApplicationStatus.alternate,
    ).order_by(MeetingApplication.alternate_position)).all()
    for candidate in candidates:
        if not take_seat(meeting, category):
            return None
        if set_status(candidate, ApplicationStatus.alternate,
                      {"status": ApplicationStatus.selected, "promoted_at": clock.now()}):
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
        release_seat(meeting, category)
    return None


# --- what the public sees ------------------------------------------------------------------------

@dataclass
class CategoryView:
    """One seat category: the lottery input and result, and the current seats."""

    category: str
    seats: int
    lottery_input: list[lottery.InputEntry] = field(default_factory=list)
    drawn_selected: list[MeetingApplication] = field(default_factory=list)
    drawn_alternates: list[MeetingApplication] = field(default_factory=list)
    selected: list[MeetingApplication] = field(default_factory=list)
    alternates: list[MeetingApplication] = field(default_factory=list)
    withdrawn: list[MeetingApplication] = field(default_factory=list)

    @property
    def label(self) -> str:
        return SeatCategory.label_of(self.category)


def selection_view(meeting: Meeting, applications: list[MeetingApplication] | None = None
                   ) -> list[CategoryView]:
    applications = applications_of(meeting) if applications is None else applications
    entries = input_entries(meeting, applications) or []
    views = []
    for seat in meeting.seats:
        mine = [a for a in applications if a.category == seat.category]
        if seat.count == 0 and not mine:
            continue
        view = CategoryView(category=seat.category, seats=seat.count)
        view.lottery_input = [e for e in entries if e.category == seat.category]
        drawn = sorted((a for a in mine if a.draw_rank is not None), key=lambda a: a.draw_rank or 0)
        view.drawn_selected = [a for a in drawn if (a.draw_rank or 0) <= seat.count]
        view.drawn_alternates = [a for a in drawn if (a.draw_rank or 0) > seat.count]
        view.selected = [a for a in mine if a.status == ApplicationStatus.selected]
        view.alternates = sorted((a for a in mine if a.status == ApplicationStatus.alternate),
                                 key=lambda a: a.alternate_position or 0)
        # Representatives who left their seat after the selection was published.
        view.withdrawn = [a for a in mine if a.status == ApplicationStatus.withdrawn
                          and a.withdrawn_from == ApplicationStatus.selected
                          and meeting.selected_at is not None and a.withdrawn_at is not None
                          and a.withdrawn_at >= meeting.selected_at]
        views.append(view)
    return views


@dataclass
class LotteryRecord:
    """Everything the public needs to check a lottery, beside the commitment on the meeting."""

    entries: list[lottery.InputEntry] | None
    excluded: list[MeetingApplication]
    late_withdrawals: list[MeetingApplication]
    drawn: bool = False

    def left_out(self, application: MeetingApplication) -> bool:
        """A withdrawal the draw skipped: every one before the draw, and after it those the draw
        gave no rank. Decided by the draw itself, never by comparing times (a withdrawal and the
        draw may share the same second)."""
        return not self.drawn or application.draw_rank is None

    @property
    def computed_hash(self) -> str | None:
        return lottery.input_hash(self.entries) if self.entries is not None else None


def lottery_record(meeting: Meeting, applications: list[MeetingApplication]) -> LotteryRecord:
    entries = input_entries(meeting, applications)
    frozen = {e.number for e in entries or []}
    return LotteryRecord(
        entries=entries,
        excluded=[a for a in applications if a.status == ApplicationStatus.ineligible],
        late_withdrawals=sorted((a for a in applications if a.status == ApplicationStatus.withdrawn
                                 and a.application_number in frozen), key=lambda a: a.withdrawn_at or a.created_at),
        drawn=meeting.selected_at is not None,
    )

"""How every unit stands against the yearly targets (年度指标) of the seeds, for one year, and how
much time is left to meet them.

What counts, for a year Y (every threshold is a setting, never a number here):

- **catalogue**: the unit's yearly catalogue of Y is published on or before its deadline
  (``CATALOGUE_DEADLINE_MONTH_DAY`` of Y).
- **consultation period**: every consultation made public whose period opens in Y runs at least
  ``CONSULTATION_MIN_DAYS`` days (whole days from opening to closing, as ``Consultation.period_days``)
  or gives its public reason for a shorter period.
- **comments**: the consultations' counters (``comment_count`` published, ``pending_count`` awaiting
  review), never a count of comment rows.
- **adoption feedback**: every decision issued in Y (``issue_date``) has its report published within
  ``FEEDBACK_DUE_WORKING_DAYS`` working days (on time, late, still due, overdue), counted in the
  database per unit (``feedback.deadlines.deadline_counts``), never decision by decision.
- **meetings with public representatives**: a meeting counts when it was held in Y (its time is in
  Y and has come), its representatives were selected **and** its record (会议记录) is published.
  Target ``TARGET_MEETINGS_DISTRICT`` for the district government (unit kind
  ``district_government``), ``TARGET_MEETINGS_UNIT`` for the others.
- **open activities**: an open day (types 开放日 and 开放月活动) counts when held in Y with at least
  one checked-in visitor; an open week (开放周) when it is over and every day it had sessions had a
  checked-in visitor; an online activity (线上开放活动) counts as an open day when it was held (its
  last session has ended) **and** its summary is published (check-ins play no part: it has no
  door). Met with at least ``TARGET_OPEN_DAYS`` open days **or** at least ``TARGET_OPEN_WEEKS`` open
  weeks.

Each target of each unit is in one of four states (``TargetState``), computed from what is counted,
what may still count (scheduled, or held and awaiting its record) and the time left:

- **met**: the target is reached;
- **missed** (``not_met``): the year is over without it, a deadline passed, a rule was broken, or
  fewer than ``OVERSIGHT_TOO_LATE_DAYS_LEFT`` days are left and not enough is scheduled;
- **at risk**: not enough is held or scheduled, and at most ``OVERSIGHT_AT_RISK_DAYS_LEFT`` days of
  the year are left (or less is held and scheduled than the share of the target due by now, rounded
  down); a catalogue not published ``OVERSIGHT_CATALOGUE_AT_RISK_DAYS`` days before its deadline; a
  report due within ``OVERSIGHT_FEEDBACK_AT_RISK_WORKING_DAYS`` working days;
- **on track** (``in_progress``): otherwise.

Everything is computed for all units at once, in a constant number of queries whatever the number
of units, consultations, decisions or comments (one or two per kind of object, plus one load of the
working-day calendar); the comment table is never read, and issued decisions are counted in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import floor
from typing import Any, Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, true
from sqlalchemy.orm import lazyload, selectinload

from .. import clock
from ..catalogue.models import DecisionItem, DecisionKind, YearlyCatalogue
from ..consultation.models import Consultation
from ..enums import LabeledEnum
from ..extensions import db
from ..feedback import deadlines as due_dates
from ..feedback.models import AdoptionReport
from ..meetings.models import Meeting
from ..open_days.models import (
    ActivityKind,
    OpenActivity,
    OpenRegistration,
    OpenSlot,
    RegistrationStatus,
)
from ..units.models import Unit, UnitKind, units_in_order


class TargetState(LabeledEnum):
    met = "met", _l("Met")
    in_progress = "in_progress", _l("On track")
    at_risk = "at_risk", _l("At risk")
    not_met = "not_met", _l("Missed")
    nothing = "nothing", _l("Nothing to check")


MET, NOT_MET, IN_PROGRESS, NOTHING = TargetState.met, TargetState.not_met, TargetState.in_progress, TargetState.nothing
AT_RISK, ON_TRACK, MISSED = TargetState.at_risk, TargetState.in_progress, TargetState.not_met
# A text marker beside every state, so that the state never depends on colour alone.
STATE_MARKERS = {MET: "✓", ON_TRACK: "…", AT_RISK: "!", NOT_MET: "✗", NOTHING: "—"}
# Risks first: the order in which a unit's targets are listed to its staff and to admins.
URGENCY: dict[str, int] = {NOT_MET: 0, AT_RISK: 1, ON_TRACK: 2, MET: 3, NOTHING: 4}
RISKS = (AT_RISK, NOT_MET)


class Target(LabeledEnum):
    catalogue = "catalogue", _l("Catalogue published by the deadline")
    consultations = "consultations", _l("Consultation periods")
    feedback = "feedback", _l("Adoption feedback on time")
    meetings = "meetings", _l("Meetings with public representatives")
    open_days = "open_days", _l("Open days or open weeks")


TARGETS = Target.values()
OPEN_DAY_KINDS = (ActivityKind.open_day.value, ActivityKind.open_month.value)
OPEN_WEEK_KINDS = (ActivityKind.open_week.value,)
ONLINE_KINDS = (ActivityKind.online.value,)
MONTHS = tuple(range(1, 13))


@dataclass(frozen=True)
class Timing:
    """Where ``today`` stands in ``year``, for the risk rules."""

    year: int
    today: date

    @property
    def year_over(self) -> bool:
        return self.today > date(self.year, 12, 31)

    @property
    def days_left(self) -> int:
        """Days of the year still to come, today included (0 once it is over)."""
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        return max((last - max(self.today, first)).days + 1, 0)

    @property
    def elapsed(self) -> float:
        """The share of the year gone by (0 before it starts, 1 once it is over)."""
        length = (date(self.year, 12, 31) - date(self.year, 1, 1)).days + 1
        return 1 - self.days_left / length


def count_state(counted: int, possible: int, target: int, timing: Timing) -> TargetState:
    """The state of a target counted in events (meetings, open days): ``counted`` already count,
    ``possible`` may still count (scheduled, or held and waiting for what makes them count)."""
    if counted >= target:
        return MET
    if timing.year_over:
        return NOT_MET
    config = current_app.config
    within_reach = counted + possible
    if within_reach >= target:
        return ON_TRACK
    if timing.days_left <= config["OVERSIGHT_TOO_LATE_DAYS_LEFT"]:
        return NOT_MET
    if timing.days_left <= config["OVERSIGHT_AT_RISK_DAYS_LEFT"] or within_reach < floor(target * timing.elapsed):
        return AT_RISK
    return ON_TRACK


def best(*states: TargetState) -> TargetState:
    return min(states, key=lambda s: (MET, ON_TRACK, AT_RISK, NOT_MET, NOTHING).index(s))


# --- figures of one unit ---------------------------------------------------------------------------

@dataclass
class CatalogueFigures:
    deadline: date
    published_on: date | None
    item_count: int
    state: str

    @property
    def on_time(self) -> bool | None:
        return None if self.published_on is None else self.published_on <= self.deadline


@dataclass
class ConsultationFigures:
    min_days: int
    total: int = 0
    long_enough: int = 0           # ran at least the minimum period
    short_with_reason: int = 0     # shorter, with the public reason
    short_without_reason: int = 0  # shorter, without a reason: the rule is broken
    comments: int = 0              # published comments (counter)
    pending: int = 0               # comments awaiting moderation (counter)

    @property
    def compliant(self) -> int:
        return self.long_enough + self.short_with_reason

    @property
    def state(self) -> str:
        if not self.total:
            return NOTHING
        return NOT_MET if self.short_without_reason else MET


@dataclass
class FeedbackFigures:
    """Counts of the decisions issued in the year by deadline state (from the database);
    ``deadlines`` lists them one by one only for the yearly report (``objects=True``)."""

    counts: due_dates.DeadlineCounts = field(default_factory=due_dates.DeadlineCounts)
    deadlines: list = field(default_factory=list)  # feedback.deadlines.Deadline, latest issue first

    issued = property(lambda self: self.counts.issued)
    on_time = property(lambda self: self.counts.on_time)
    late = property(lambda self: self.counts.late)
    overdue = property(lambda self: self.counts.overdue)
    due = property(lambda self: self.counts.due)
    due_soon = property(lambda self: self.counts.due_soon)
    provisional = property(lambda self: self.counts.provisional)

    @property
    def state(self) -> str:
        if not self.issued:
            return NOTHING
        if self.late or self.overdue:
            return NOT_MET
        if self.due_soon:
            return AT_RISK
        return IN_PROGRESS if self.due else MET


@dataclass
class MeetingFigures:
    target: int
    held: int = 0            # held with representatives selected
    recorded: int = 0        # of those, with the meeting record published: these count
    scheduled: int = 0       # later in the year
    unselected: int = 0      # held without representatives selected: never count
    timing: Timing | None = None
    counted_ids: list[int] = field(default_factory=list)  # the meetings that count (the evidence)

    @property
    def counted(self) -> int:
        return self.recorded

    @property
    def awaiting_record(self) -> int:
        return self.held - self.recorded

    @property
    def state(self) -> str:
        assert self.timing is not None
        return count_state(self.counted, self.awaiting_record + self.scheduled, self.target, self.timing)


@dataclass
class OpenDayFigures:
    target_days: int
    target_weeks: int
    # Counted as open days: 开放日 and 开放月活动 held with at least one checked-in visitor, and
    # online activities held with their summary published (``online`` of them).
    open_days: int = 0
    online: int = 0
    open_weeks: int = 0       # 开放周 over, every day with a checked-in visitor
    scheduled: int = 0        # open days and online activities later in the year (or under way)
    scheduled_weeks: int = 0  # open weeks later in the year or under way
    empty: int = 0            # held without a checked-in visitor (some day of a week): never count
    awaiting_summary: int = 0  # online activities held, summary not published: do not count (yet)
    timing: Timing | None = None
    counted_ids: list[int] = field(default_factory=list)  # the activities that count (the evidence)

    @property
    def state(self) -> str:
        """An online activity awaiting its summary may still count (as a meeting awaiting its
        record): it is within reach, never counted."""
        assert self.timing is not None
        return best(count_state(self.open_days, self.scheduled + self.awaiting_summary, self.target_days,
                                self.timing),
                    count_state(self.open_weeks, self.scheduled_weeks, self.target_weeks, self.timing))


@dataclass
class UnitCompliance:
    unit: Unit
    catalogue: CatalogueFigures
    consultations: ConsultationFigures
    feedback: FeedbackFigures
    meetings: MeetingFigures
    open_days: OpenDayFigures

    def state_of(self, target: str) -> str:
        return getattr(self, target).state

    @property
    def states(self) -> dict[str, str]:
        return {target: self.state_of(target) for target in TARGETS}

    @property
    def met_count(self) -> int:
        return sum(1 for s in self.states.values() if s == MET)

    @property
    def not_met_count(self) -> int:
        return sum(1 for s in self.states.values() if s == NOT_MET)

    @property
    def at_risk_count(self) -> int:
        return sum(1 for s in self.states.values() if s == AT_RISK)

    @property
    def risks(self) -> list[tuple[str, str]]:
        """(target, state) of the targets missed or at risk, missed first."""
        return sorted(((t, s) for t, s in self.states.items() if s in RISKS), key=lambda ts: URGENCY[ts[1]])

    @property
    def targets_by_urgency(self) -> list[tuple[str, str]]:
        """(target, state) of every target, missed and at risk first."""
        return sorted(self.states.items(), key=lambda ts: URGENCY[ts[1]])


@dataclass
class Overview:
    """The year's figures of the units asked for, and the rows they were computed from (the same
    rows give the monthly charts and, loaded as objects, the yearly report's lists)."""

    year: int
    now: datetime
    units: list[UnitCompliance]
    catalogues: dict[int, Any]
    consultations: list
    meetings: list
    activities: list

    def of(self, unit_id: int) -> UnitCompliance:
        return next(u for u in self.units if u.unit.id == unit_id)

    @property
    def at_risk(self) -> list[UnitCompliance]:
        """Units with a target missed or at risk, the most urgent first."""
        return sorted((u for u in self.units if u.risks), key=lambda u: (-u.not_met_count, -u.at_risk_count))

    @property
    def totals(self) -> dict[str, int]:
        units = self.units
        return {
            "units": len(units),
            "comments": sum(u.consultations.comments for u in units),
            "pending": sum(u.consultations.pending for u in units),
            "consultations": sum(u.consultations.total for u in units),
            "issued": sum(u.feedback.issued for u in units),
            "meetings": sum(u.meetings.counted for u in units),
            "open_days": sum(u.open_days.open_days for u in units),
            "open_weeks": sum(u.open_days.open_weeks for u in units),
            **{f"{state}_{target}": sum(1 for u in units if u.state_of(target) == state)
               for target in TARGETS for state in (MET, NOT_MET, AT_RISK, ON_TRACK)},
        }

    def by_month(self, kind: str, unit_id: int | None = None) -> list[int]:
        """Twelve monthly figures: ``consultations`` opened, ``comments`` published on the
        consultations opened that month (counters), ``meetings`` held, ``open_activities`` held."""
        counts = [0] * 12
        now = self.now
        if kind in ("consultations", "comments"):
            for row in self.consultations:
                if unit_id is None or row.unit_id == unit_id:
                    counts[row.opens_at.month - 1] += 1 if kind == "consultations" else row.comment_count
        elif kind == "meetings":
            for row in self.meetings:
                if (unit_id is None or row.unit_id == unit_id) and meeting_held(row, now):
                    counts[row.starts_at.month - 1] += 1
        elif kind == "open_activities":
            for row in self.activities:
                if (unit_id is None or row.unit_id == unit_id) and row.starts_at <= now:
                    counts[row.starts_at.month - 1] += 1
        else:
            raise ValueError(kind)
        return counts


# --- the rules ---------------------------------------------------------------------------------------

def min_days() -> int:
    return current_app.config["CONSULTATION_MIN_DAYS"]


def meeting_target(unit: Unit) -> int:
    key = "TARGET_MEETINGS_DISTRICT" if unit.kind == UnitKind.district_government.value else "TARGET_MEETINGS_UNIT"
    return current_app.config[key]


def catalogue_deadline(year: int) -> date:
    # The catalogue model owns the deadline rule; ask it, with a catalogue that is never saved.
    return YearlyCatalogue(year=year).deadline


def period_days(row) -> int:
    """Whole days of a consultation's period (the same as ``Consultation.period_days``)."""
    return (row.closes_at - row.opens_at).days


def online_held(row, now: datetime) -> bool:
    """An online activity was held: its last session has ended (at ``now`` exactly, it has)."""
    return row.ends_at is not None and row.ends_at <= now


def online_counts(row, now: datetime) -> bool:
    """The online activity counts towards the open days: held and its summary published (by
    ``now``). Check-ins play no part."""
    return (online_held(row, now) and row.summary_published_at is not None
            and row.summary_published_at <= now)


def meeting_held(row, now: datetime) -> bool:
    """Held with its representatives selected (counts once its record is published too)."""
    return row.starts_at <= now and row.selected_at is not None


def meeting_counts(row, now: datetime) -> bool:
    """The meeting counts towards the target: held, representatives selected, record published."""
    return meeting_held(row, now) and row.record_published_at is not None


def _bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1), datetime(year + 1, 1, 1)


def _in_units(column, unit_ids: Iterable[int] | None):
    return true() if unit_ids is None else column.in_(list(unit_ids))


# --- the queries (one per kind of object, for every unit at once) ---------------------------------

def consultations_of_year(year: int, unit_ids=None, *, objects: bool = False):
    """Published consultations whose period opens in ``year``: light rows, or objects."""
    start, end = _bounds(year)
    what = (Consultation,) if objects else (
        Consultation.id, Consultation.unit_id, Consultation.opens_at, Consultation.closes_at,
        Consultation.short_period_reason, Consultation.comment_count, Consultation.pending_count)
    query = select(*what).where(Consultation.published_at.is_not(None), Consultation.opens_at >= start,
                                Consultation.opens_at < end, _in_units(Consultation.unit_id, unit_ids)) \
        .order_by(Consultation.opens_at, Consultation.id)
    return db.session.scalars(query).all() if objects else db.session.execute(query).all()


def meetings_of_year(year: int, unit_ids=None, *, objects: bool = False):
    start, end = _bounds(year)
    what = (Meeting,) if objects else (Meeting.id, Meeting.unit_id, Meeting.starts_at, Meeting.selected_at,
                                       Meeting.record_published_at)
    query = select(*what).where(Meeting.starts_at >= start, Meeting.starts_at < end,
                                _in_units(Meeting.unit_id, unit_ids)).order_by(Meeting.starts_at, Meeting.id)
    return db.session.scalars(query).all() if objects else db.session.execute(query).all()


def activities_of_year(year: int, unit_ids=None, *, objects: bool = False):
    start, end = _bounds(year)
    what = (OpenActivity,) if objects else (OpenActivity.id, OpenActivity.unit_id, OpenActivity.kind,
                                            OpenActivity.starts_at, OpenActivity.ends_at,
                                            OpenActivity.summary_published_at)
    query = select(*what).where(OpenActivity.starts_at >= start, OpenActivity.starts_at < end,
                                _in_units(OpenActivity.unit_id, unit_ids)) \
        .order_by(OpenActivity.starts_at, OpenActivity.id)
    if objects:
        return db.session.scalars(query.options(selectinload(OpenActivity.slots))).all()
    return db.session.execute(query).all()


def visited_days(year: int, unit_ids=None) -> dict[int, tuple[set[date], set[date]]]:
    """Per open activity starting in ``year``: (the days it has sessions, the days a visitor was
    checked in). Two grouped queries over the year's sessions, whatever the number of visitors."""
    start, end = _bounds(year)
    in_year = select(OpenActivity.id).where(OpenActivity.starts_at >= start, OpenActivity.starts_at < end,
                                            _in_units(OpenActivity.unit_id, unit_ids))
    slots = db.session.execute(select(OpenSlot.id, OpenSlot.activity_id, OpenSlot.starts_at)
                               .where(OpenSlot.activity_id.in_(in_year))).all()
    # One probe per session (its confirmed visitors, by index, until one checked in): never a walk
    # over all the year's registrations.
    checked = set(db.session.scalars(select(OpenSlot.id).where(
        OpenSlot.activity_id.in_(in_year),
        exists().where(OpenRegistration.slot_id == OpenSlot.id,
                       OpenRegistration.status == RegistrationStatus.confirmed.value,
                       OpenRegistration.checked_in_at.is_not(None)))))
    result: dict[int, tuple[set[date], set[date]]] = {}
    for slot_id, activity_id, starts_at in slots:
        days, visited = result.setdefault(activity_id, (set(), set()))
        days.add(starts_at.date())
        if slot_id in checked:
            visited.add(starts_at.date())
    return result


def issued_of_year(year: int, unit_ids=None) -> list[tuple]:
    """(DecisionItem, AdoptionReport | None) of the decisions issued in ``year``, through the
    feedback feature's own query (so the states agree with its public list). For lists only: the
    figures are counted in the database (``issued_counts``)."""
    query = due_dates.decided_items().where(*_issued_in(year, unit_ids)) \
        .options(lazyload(DecisionItem.topics), lazyload(AdoptionReport.decision))  # not shown here
    return [tuple(row) for row in db.session.execute(query).all()]


def _issued_in(year: int, unit_ids=None) -> tuple:
    return (DecisionItem.issue_date >= date(year, 1, 1), DecisionItem.issue_date < date(year + 1, 1, 1),
            _in_units(DecisionItem.unit_id, unit_ids))


def issued_counts(year: int, unit_ids=None, today: date | None = None) -> dict[int, due_dates.DeadlineCounts]:
    """Deadline states of the decisions issued in ``year``, counted per unit in the database."""
    return due_dates.deadline_counts(*_issued_in(year, unit_ids), today=today,
                                     soon=current_app.config["OVERSIGHT_FEEDBACK_AT_RISK_WORKING_DAYS"])


def catalogue_state(published_on: date | None, deadline: date, today: date) -> TargetState:
    if published_on is not None:
        return MET if published_on <= deadline else NOT_MET
    if today > deadline:
        return NOT_MET
    if (deadline - today).days < current_app.config["OVERSIGHT_CATALOGUE_AT_RISK_DAYS"]:
        return AT_RISK
    return ON_TRACK


def compliance(year: int, unit_ids: Iterable[int] | None = None, *, objects: bool = False,
               now: datetime | None = None) -> Overview:
    """Every unit's figures for ``year`` (or those of ``unit_ids``) as they stand at ``now``.
    ``objects``: load the consultations, meetings, activities and issued decisions as model objects
    (for the yearly report's lists)."""
    now = now or clock.now()
    today = now.date()
    unit_ids = list(unit_ids) if unit_ids is not None else None
    units = db.session.scalars(units_in_order().where(_in_units(Unit.id, unit_ids))).all()
    catalogues = {c.unit_id: c for c in db.session.scalars(select(YearlyCatalogue).where(
        YearlyCatalogue.year == year, _in_units(YearlyCatalogue.unit_id, unit_ids)))}
    item_counts = dict(db.session.execute(
        select(DecisionItem.unit_id, func.count(DecisionItem.id)).where(
            DecisionItem.year == year, DecisionItem.kind == DecisionKind.major.value,
            _in_units(DecisionItem.unit_id, unit_ids)).group_by(DecisionItem.unit_id)).all())
    consultations = consultations_of_year(year, unit_ids, objects=objects)
    meetings = meetings_of_year(year, unit_ids, objects=objects)
    activities = activities_of_year(year, unit_ids, objects=objects)
    counts = issued_counts(year, unit_ids, today)
    visits = visited_days(year, unit_ids)

    timing = Timing(year, today)
    deadline = catalogue_deadline(year)
    minimum = min_days()
    config = current_app.config
    result: dict[int, UnitCompliance] = {}
    for unit in units:
        catalogue = catalogues.get(unit.id)
        published_on = catalogue.published_at.date() if catalogue and catalogue.published_at else None
        result[unit.id] = UnitCompliance(
            unit=unit,
            catalogue=CatalogueFigures(deadline, published_on, item_counts.get(unit.id, 0),
                                       catalogue_state(published_on, deadline, today)),
            consultations=ConsultationFigures(minimum),
            feedback=FeedbackFigures(counts.get(unit.id, due_dates.DeadlineCounts())),
            meetings=MeetingFigures(meeting_target(unit), timing=timing),
            open_days=OpenDayFigures(config["TARGET_OPEN_DAYS"], config["TARGET_OPEN_WEEKS"], timing=timing),
        )
    for row in consultations:
        consulted = result[row.unit_id].consultations
        consulted.total += 1
        consulted.comments += row.comment_count
        consulted.pending += row.pending_count
        if period_days(row) >= minimum:
            consulted.long_enough += 1
        elif (row.short_period_reason or "").strip():
            consulted.short_with_reason += 1
        else:
            consulted.short_without_reason += 1
    if objects:
        for found in due_dates.deadlines(issued_of_year(year, unit_ids), today):
            result[found.item.unit_id].feedback.deadlines.append(found)
    for row in meetings:
        met = result[row.unit_id].meetings
        if meeting_held(row, now):
            met.held += 1
            if row.record_published_at is not None:
                met.recorded += 1
                met.counted_ids.append(row.id)
        elif row.starts_at > now:
            met.scheduled += 1
        else:
            met.unselected += 1
    for row in activities:
        opened = result[row.unit_id].open_days
        days, visited = visits.get(row.id, (set(), set()))
        under_way = row.ends_at is not None and row.ends_at > now  # not over: visitors may still come
        if row.kind in ONLINE_KINDS:       # held and summary published; check-ins play no part
            if online_counts(row, now):
                opened.open_days += 1
                opened.online += 1
                opened.counted_ids.append(row.id)
            elif online_held(row, now):
                opened.awaiting_summary += 1
            else:
                opened.scheduled += 1
        elif row.kind in OPEN_WEEK_KINDS:
            if any(day < today and day not in visited for day in days):
                opened.empty += 1          # a day of the week went by without a visitor
            elif under_way:
                opened.scheduled_weeks += 1
            elif days and days <= visited:
                opened.open_weeks += 1
                opened.counted_ids.append(row.id)
            else:
                opened.empty += 1
        elif visited and row.starts_at <= now:
            opened.open_days += 1
            opened.counted_ids.append(row.id)
        elif row.starts_at > now or under_way:
            opened.scheduled += 1
        else:
            opened.empty += 1
    return Overview(year, now, list(result.values()), catalogues, consultations, meetings, activities)


def years_to_choose(today: date | None = None) -> list[int]:
    """Years the dashboard offers: those with catalogue items, and the current year."""
    from ..catalogue.services import years_with_items

    this_year = (today or clock.today()).year
    return sorted(set(years_with_items()) | {this_year}, reverse=True)


def valid_year(year: int | None, today: date | None = None) -> bool:
    this_year = (today or clock.today()).year
    return year is not None and 2000 <= year <= this_year + 1


# --- the yearly report of one unit ----------------------------------------------------------------

@dataclass
class YearlyReport:
    """A unit's public participation in one year (年度公众参与情况), in the order of the seeds'
    annual reports: catalogue, consultations, feedback, meetings, open activities."""

    unit: Unit
    year: int
    figures: UnitCompliance
    catalogue: YearlyCatalogue | None
    items: list[DecisionItem]
    consultations: list[Consultation]
    meetings: list[Meeting]
    activities: list[OpenActivity]
    overview: Overview

    @property
    def deadlines(self) -> list:
        return self.figures.feedback.deadlines

    def by_month(self, kind: str) -> list[int]:
        return self.overview.by_month(kind, self.unit.id)


def yearly_report(unit: Unit, year: int, now: datetime | None = None) -> YearlyReport:
    overview = compliance(year, [unit.id], objects=True, now=now)
    items = list(db.session.scalars(select(DecisionItem).where(
        DecisionItem.unit_id == unit.id, DecisionItem.year == year,
        DecisionItem.kind == DecisionKind.major.value).order_by(DecisionItem.code, DecisionItem.id)))
    return YearlyReport(unit, year, overview.of(unit.id), overview.catalogues.get(unit.id), items,
                        overview.consultations, overview.meetings, overview.activities, overview)


# --- the staff overview ----------------------------------------------------------------------------

def closing_soon(unit_id: int, now: datetime | None = None) -> list[Consultation]:
    """The unit's open consultations closing within ``OVERSIGHT_CLOSING_SOON_DAYS`` days."""
    now = now or clock.now()
    horizon = now + timedelta(days=current_app.config["OVERSIGHT_CLOSING_SOON_DAYS"])
    return list(db.session.scalars(select(Consultation).where(
        Consultation.unit_id == unit_id, Consultation.published_at.is_not(None), Consultation.opens_at <= now,
        Consultation.closes_at > now, Consultation.closes_at <= horizon)
        .order_by(Consultation.closes_at, Consultation.id)))


def pending_comments(unit_id: int) -> int:
    """Comments awaiting moderation in the unit's consultations (from the counters)."""
    return db.session.scalar(select(func.coalesce(func.sum(Consultation.pending_count), 0))
                             .where(Consultation.unit_id == unit_id)) or 0


def upcoming_with_registrations(unit_id: int, now: datetime | None = None) -> list[tuple[OpenActivity, int, int]]:
    """The unit's activities not over yet, with their confirmed and waiting counts (counters)."""
    from ..open_days.models import OpenSlot

    now = now or clock.now()
    counts = select(OpenSlot.activity_id, func.sum(OpenSlot.confirmed_count).label("confirmed"),
                    func.sum(OpenSlot.waiting_count).label("waiting")).group_by(OpenSlot.activity_id).subquery()
    rows = db.session.execute(
        select(OpenActivity, counts.c.confirmed, counts.c.waiting)
        .join(counts, counts.c.activity_id == OpenActivity.id)
        .where(OpenActivity.unit_id == unit_id, OpenActivity.ends_at > now)
        .order_by(OpenActivity.starts_at, OpenActivity.id)).all()
    return [(activity, int(confirmed), int(waiting)) for activity, confirmed, waiting in rows]

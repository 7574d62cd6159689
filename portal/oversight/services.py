"""How every unit stands against the yearly targets (年度指标) of the seeds, for one year.

What counts, for a year Y (every threshold is a setting, never a number here):

- **catalogue**: the unit's yearly catalogue of Y is published on or before its deadline
  (``CATALOGUE_DEADLINE_MONTH_DAY`` of Y). Not published while the deadline has not passed yet:
  in progress.
- **consultation period**: every consultation made public whose period opens in Y runs at least
  ``CONSULTATION_MIN_DAYS`` days (whole days from opening to closing, as ``Consultation.period_days``)
  or gives its public reason for a shorter period.
- **comments**: the consultations' counters (``comment_count`` published, ``pending_count`` awaiting
  review), never a count of comment rows.
- **adoption feedback**: every decision issued in Y (``issue_date``) has its report published within
  ``FEEDBACK_DUE_WORKING_DAYS`` working days, as the feedback feature's ``deadlines()`` says (on time,
  late, still due, overdue; due dates in a year without a loaded calendar are provisional).
- **meetings with public representatives**: held in Y = the meeting's time is in Y and has come, and
  the selection of representatives was published. Target ``TARGET_MEETINGS_DISTRICT`` for the
  district government (unit kind ``district_government``), ``TARGET_MEETINGS_UNIT`` for the others.
- **open activities**: held in Y = the first time slot starts in Y and has started. Open days are the
  activities of type 开放日 and 开放月活动 (an activity of the August open month is an open day);
  open weeks are those of type 开放周. Met with at least ``TARGET_OPEN_DAYS`` open days **or** at
  least ``TARGET_OPEN_WEEKS`` open weeks.

Meetings and open activities are "in progress" until the year is over; the feedback target is in
progress while reports are still due (none late or overdue).

Everything is computed for all units at once, in a constant number of queries whatever the number
of units, consultations or comments (one per kind of object, plus one load of the working-day
calendar); the comment table is never read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, true
from sqlalchemy.orm import lazyload, selectinload

from .. import clock
from ..catalogue.models import DecisionItem, DecisionKind, YearlyCatalogue
from ..consultation.models import Consultation
from ..extensions import db
from ..feedback import services as feedback
from ..feedback.models import AdoptionReport
from ..meetings.models import Meeting
from ..open_days.models import ActivityKind, OpenActivity
from ..units.models import Unit, UnitKind, units_in_order

MET, NOT_MET, IN_PROGRESS, NOTHING = "met", "not_met", "in_progress", "nothing"
STATE_LABELS = {
    MET: _l("Met"),
    NOT_MET: _l("Not met"),
    IN_PROGRESS: _l("In progress"),
    NOTHING: _l("Nothing to check"),
}
# A text marker beside every state, so that the state never depends on colour alone.
STATE_MARKERS = {MET: "✓", NOT_MET: "✗", IN_PROGRESS: "…", NOTHING: "—"}
TARGETS = ("catalogue", "consultations", "feedback", "meetings", "open_days")
TARGET_LABELS = {
    "catalogue": _l("Catalogue published by the deadline"),
    "consultations": _l("Consultation periods"),
    "feedback": _l("Adoption feedback on time"),
    "meetings": _l("Meetings with public representatives"),
    "open_days": _l("Open days or open weeks"),
}
OPEN_DAY_KINDS = (ActivityKind.open_day.value, ActivityKind.open_month.value)
OPEN_WEEK_KINDS = (ActivityKind.open_week.value,)
MONTHS = tuple(range(1, 13))


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
    deadlines: list = field(default_factory=list)  # feedback.services.Deadline, latest issue first

    def _count(self, state: str) -> int:
        return sum(1 for d in self.deadlines if d.state == state)

    @property
    def issued(self) -> int:
        return len(self.deadlines)

    @property
    def on_time(self) -> int:
        return self._count("on_time")

    @property
    def late(self) -> int:
        return self._count("late")

    @property
    def overdue(self) -> int:
        return self._count("overdue")

    @property
    def due(self) -> int:
        return self._count("due")

    @property
    def provisional(self) -> int:
        return sum(1 for d in self.deadlines if d.provisional)

    @property
    def state(self) -> str:
        if not self.deadlines:
            return NOTHING
        if self.late or self.overdue:
            return NOT_MET
        return IN_PROGRESS if self.due else MET


@dataclass
class MeetingFigures:
    target: int
    held: int = 0        # held with representatives selected
    recorded: int = 0    # of those, with the meeting record published
    scheduled: int = 0   # later in the year
    year_over: bool = False

    @property
    def state(self) -> str:
        if self.held >= self.target:
            return MET
        return NOT_MET if self.year_over else IN_PROGRESS


@dataclass
class OpenDayFigures:
    target_days: int
    target_weeks: int
    open_days: int = 0    # 开放日 and 开放月活动 held
    open_weeks: int = 0   # 开放周 held
    scheduled: int = 0    # later in the year
    year_over: bool = False

    @property
    def state(self) -> str:
        if self.open_days >= self.target_days or self.open_weeks >= self.target_weeks:
            return MET
        return NOT_MET if self.year_over else IN_PROGRESS


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
    def totals(self) -> dict[str, int]:
        units = self.units
        return {
            "units": len(units),
            "comments": sum(u.consultations.comments for u in units),
            "pending": sum(u.consultations.pending for u in units),
            "consultations": sum(u.consultations.total for u in units),
            "issued": sum(u.feedback.issued for u in units),
            "meetings": sum(u.meetings.held for u in units),
            "open_days": sum(u.open_days.open_days for u in units),
            "open_weeks": sum(u.open_days.open_weeks for u in units),
            **{f"{state}_{target}": sum(1 for u in units if u.state_of(target) == state)
               for target in TARGETS for state in (MET, NOT_MET)},
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


def meeting_held(row, now: datetime) -> bool:
    return row.starts_at <= now and row.selected_at is not None


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
                                            OpenActivity.starts_at)
    query = select(*what).where(OpenActivity.starts_at >= start, OpenActivity.starts_at < end,
                                _in_units(OpenActivity.unit_id, unit_ids)) \
        .order_by(OpenActivity.starts_at, OpenActivity.id)
    if objects:
        return db.session.scalars(query.options(selectinload(OpenActivity.slots))).all()
    return db.session.execute(query).all()


def issued_of_year(year: int, unit_ids=None) -> list[tuple]:
    """(DecisionItem, AdoptionReport | None) of the decisions issued in ``year``, through the
    feedback feature's own query (so the states agree with its public list)."""
    query = feedback.decided_items().where(DecisionItem.issue_date >= date(year, 1, 1),
                                           DecisionItem.issue_date < date(year + 1, 1, 1),
                                           _in_units(DecisionItem.unit_id, unit_ids)) \
        .options(lazyload(DecisionItem.topics), lazyload(AdoptionReport.decision))  # not shown here
    return [tuple(row) for row in db.session.execute(query).all()]


def compliance(year: int, unit_ids: Iterable[int] | None = None, *, objects: bool = False,
               now: datetime | None = None) -> Overview:
    """Every unit's figures for ``year`` (or those of ``unit_ids``) as they stand at ``now``.
    ``objects``: load the consultations, meetings and activities as model objects (for the yearly
    report's lists)."""
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
    deadlines = feedback.deadlines(issued_of_year(year, unit_ids), today)

    year_over = today > date(year, 12, 31)
    deadline = catalogue_deadline(year)
    minimum = min_days()
    config = current_app.config
    result: dict[int, UnitCompliance] = {}
    for unit in units:
        catalogue = catalogues.get(unit.id)
        published_on = catalogue.published_at.date() if catalogue and catalogue.published_at else None
        if published_on is not None:
            catalogue_state = MET if published_on <= deadline else NOT_MET
        else:
            catalogue_state = NOT_MET if today > deadline else IN_PROGRESS
        result[unit.id] = UnitCompliance(
            unit=unit,
            catalogue=CatalogueFigures(deadline, published_on, item_counts.get(unit.id, 0), catalogue_state),
            consultations=ConsultationFigures(minimum),
            feedback=FeedbackFigures(),
            meetings=MeetingFigures(meeting_target(unit), year_over=year_over),
            open_days=OpenDayFigures(config["TARGET_OPEN_DAYS"], config["TARGET_OPEN_WEEKS"], year_over=year_over),
        )
    for row in consultations:
        figures = result[row.unit_id].consultations
        figures.total += 1
        figures.comments += row.comment_count
        figures.pending += row.pending_count
        if period_days(row) >= minimum:
            figures.long_enough += 1
        elif (row.short_period_reason or "").strip():
            figures.short_with_reason += 1
        else:
            figures.short_without_reason += 1
    for found in deadlines:
        result[found.item.unit_id].feedback.deadlines.append(found)
    for row in meetings:
        figures = result[row.unit_id].meetings
        if meeting_held(row, now):
            figures.held += 1
            figures.recorded += row.record_published_at is not None
        elif row.starts_at > now:
            figures.scheduled += 1
    for row in activities:
        figures = result[row.unit_id].open_days
        if row.starts_at > now:
            figures.scheduled += 1
        elif row.kind in OPEN_DAY_KINDS:
            figures.open_days += 1
        elif row.kind in OPEN_WEEK_KINDS:
            figures.open_weeks += 1
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
    items = db.session.scalars(select(DecisionItem).where(
        DecisionItem.unit_id == unit.id, DecisionItem.year == year,
        DecisionItem.kind == DecisionKind.major.value).order_by(DecisionItem.code, DecisionItem.id)).all()
    return YearlyReport(unit, year, overview.of(unit.id), overview.catalogues.get(unit.id), items,
                        overview.consultations, overview.meetings, overview.activities, overview)


# --- the staff overview ----------------------------------------------------------------------------

def closing_soon(unit_id: int, now: datetime | None = None) -> list[Consultation]:
    """The unit's open consultations closing within ``OVERSIGHT_CLOSING_SOON_DAYS`` days."""
    now = now or clock.now()
    horizon = now + timedelta(days=current_app.config["OVERSIGHT_CLOSING_SOON_DAYS"])
    return db.session.scalars(select(Consultation).where(
        Consultation.unit_id == unit_id, Consultation.published_at.is_not(None), Consultation.opens_at <= now,
        Consultation.closes_at > now, Consultation.closes_at <= horizon)
        .order_by(Consultation.closes_at, Consultation.id)).all()


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

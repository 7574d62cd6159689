"""Working-day arithmetic over the calendar tables.

Rules (docs/product.md §3): a day is a working day when it is a make-up working day, or a weekday that
is not a statutory holiday. "The Nth working day after D" never counts D itself, whatever D is.
A date in a year without a loaded schedule falls back to the weekend rule and is provisional.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import delete, select

from .. import clock
from ..audit.services import record
from ..errors import UserInputError
from ..extensions import db
from .models import CalendarDay, CalendarYear, DayKind


@dataclass(frozen=True)
class DueDate:
    day: date
    provisional: bool

    def __str__(self) -> str:
        return self.day.isoformat() + (" provisional" if self.provisional else "")


def _plus_days(day: date, days: int) -> date:
    return date.fromordinal(min(day.toordinal() + days, date.max.toordinal()))


class WorkingCalendar:
    """The loaded years and their exceptions, read once and queried in memory.

    Every query is O(1), independent of how far apart the dates are: for a span of whole years the
    calendar keeps an index by day ordinal (``date.toordinal()``): ``_rank[o - first]`` is the
    number of working days of the span up to and including day ``o``, and ``_work[k]`` the ordinal
    of the span's k-th working day. "The nth working day after D" is ``_work[_rank[D] + n - 1]``,
    "working days between" a difference of two ranks; no query walks the days. The index is built
    once per load (one pass over the span, a few thousand days) and grows when a date outside it
    is asked for. The rule itself (a make-up day works, a holiday does not, otherwise Monday to
    Friday) lives in ``is_working_day``.
    """

    def __init__(self, loaded_years: set[int], exceptions: dict[date, str]):
        self.loaded_years = loaded_years
        self.exceptions = exceptions
        self._first = self._last = 0        # ordinals of the span's first and last day
        self._work = array("l")             # ordinals of the span's working days, in order
        self._rank = array("l")             # per day of the span: working days up to it (inclusive)
        self._due: dict[tuple[date, int], DueDate] = {}

    @classmethod
    def load(cls, years: Iterable[int] | None = None) -> "WorkingCalendar":
        year_query = select(CalendarYear.year)
        day_query = select(CalendarDay.day, CalendarDay.kind)
        if years is not None:
            years = sorted(set(years))
            year_query = year_query.where(CalendarYear.year.in_(years))
            day_query = day_query.where(CalendarDay.year.in_(years))
        loaded = set(db.session.scalars(year_query))
        exceptions = {row.day: row.kind for row in db.session.execute(day_query)}
        return cls(loaded, exceptions)

    def is_loaded(self, day: date) -> bool:
        return day.year in self.loaded_years

    def is_working_day(self, day: date) -> bool:
        kind = self.exceptions.get(day)
        if kind == DayKind.workday.value:
            return True
        if kind == DayKind.holiday.value:
            return False
        return day.weekday() < 5

    def _cover(self, low: date, high: date) -> None:
        """Make the index hold every day from ``low`` to ``high`` (whole years, with a margin)."""
        first = date(max(low.year - 1, 1), 1, 1).toordinal()
        last = date(min(high.year + 1, date.max.year), 12, 31).toordinal()
        if self._first:
            if first >= self._first and last <= self._last:
                return
            first, last = min(first, self._first), max(last, self._last)
        work, rank = array("l"), array("l")
        # Weekdays by arithmetic on ordinals (ordinal 1 is a Monday), the exceptions by lookup: one
        # pass over the span of integers, done once per load.
        workday = DayKind.workday.value
        exceptions = {day.toordinal(): kind == workday for day, kind in self.exceptions.items()}
        count = 0
        for ordinal in range(first, last + 1):
            works = exceptions.get(ordinal)
            if works is None:
                works = (ordinal - 1) % 7 < 5
            if works:
                work.append(ordinal)
                count += 1
            rank.append(count)
        self._first, self._last, self._work, self._rank = first, last, work, rank

    def cover(self, low: date, high: date) -> "WorkingCalendar":
        """Build the index for every day from ``low`` to ``high`` at once (before many lookups
        spread over years, so that it is built once rather than widened year after year)."""
        self._cover(low, high)
        return self

    def rank(self, day: date) -> int:
        """Working days of the index up to and including ``day`` (the index must cover it)."""
        return self._rank[day.toordinal() - self._first]

    def _provisional(self, start: date, end: date) -> bool:
        return any(year not in self.loaded_years for year in range(start.year, end.year + 1))

    def add_working_days(self, start: date, n: int) -> DueDate:
        """The nth working day after ``start`` (``start`` itself never counts)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        known = self._due.get((start, n))
        if known is not None:  # many decisions share an issue date
            return known
        # n working days take at most n + n // 2 + 30 calendar days (the longest run of days off
        # is a week-long holiday next to a weekend); cover that, then look the day up.
        self._cover(start, _plus_days(start, 2 * n + 30))
        position = self.rank(start) + n - 1
        while position >= len(self._work):  # an extraordinary schedule: widen and look again
            if self._last >= date.max.toordinal():
                raise OverflowError("the due date lies beyond the last representable date")
            self._cover(start, _plus_days(date.fromordinal(self._last), 2 * n + 366))
            position = self.rank(start) + n - 1
        day = date.fromordinal(self._work[position])
        due = self._due[(start, n)] = DueDate(day, self._provisional(start + timedelta(days=1), day))
        return due

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        self._cover(start, end)
        return sign * (self.rank(end) - self.rank(start))


def add_working_days(start: date, n: int) -> DueDate:
    """The nth working day after ``start`` and whether it is provisional (a year not loaded)."""
    # A generous window of years: n working days never span more than a couple of years.
    years = range(start.year, start.year + 2 + n // 200)
    return WorkingCalendar.load(years).add_working_days(start, n)


def working_days_between(start: date, end: date) -> int:
    low, high = min(start, end), max(start, end)
    return WorkingCalendar.load(range(low.year, high.year + 1)).working_days_between(start, end)


def is_working_day(day: date) -> bool:
    return WorkingCalendar.load([day.year]).is_working_day(day)


def loaded_years() -> list[int]:
    return list(db.session.scalars(select(CalendarYear.year).order_by(CalendarYear.year)))


def missing_years(years: Iterable[int]) -> list[int]:
    have = set(loaded_years())
    return sorted(set(years) - have)


# --- loading a year -----------------------------------------------------------------------------

KIND_WORDS = {
    "holiday": DayKind.holiday.value, "休": DayKind.holiday.value, "假": DayKind.holiday.value,
    "节假日": DayKind.holiday.value, "off": DayKind.holiday.value,
    "workday": DayKind.workday.value, "班": DayKind.workday.value, "上班": DayKind.workday.value,
    "调休上班": DayKind.workday.value, "work": DayKind.workday.value,
}


def parse_year_text(year: int, text: str) -> list[tuple[date, str, str]]:
    """Parse the plain text format: one ``YYYY-MM-DD kind [name]`` a line; ``#`` starts a comment.

    ``kind`` is ``holiday`` (or 休) or ``workday`` (or 班). Raises UserInputError naming the line.
    """
    days: list[tuple[date, str, str]] = []
    seen: set[date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 2:
            raise UserInputError("text", _("Line %(n)s: expected \"date kind [name]\", for example "
                                           "2027-10-01 holiday National Day.", n=number))
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            raise UserInputError("text", _("Line %(n)s: \"%(value)s\" is not a date of the form YYYY-MM-DD.",
                                           n=number, value=parts[0])) from None
        if day.year != year:
            raise UserInputError("text", _("Line %(n)s: %(day)s is not in %(year)s.",
                                           n=number, day=day.isoformat(), year=year))
        kind = KIND_WORDS.get(parts[1].lower())
        if kind is None:
            raise UserInputError("text", _("Line %(n)s: kind \"%(value)s\" must be holiday (休) or "
                                           "workday (班).", n=number, value=parts[1]))
        if day in seen:
            raise UserInputError("text", _("Line %(n)s: %(day)s is listed twice.", n=number,
                                           day=day.isoformat()))
        seen.add(day)
        days.append((day, kind, parts[2].strip() if len(parts) > 2 else ""))
    return days


def format_year_text(year: int) -> str:
    rows = db.session.execute(
        select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day)
    ).scalars()
    return "\n".join(f"{d.day.isoformat()} {d.kind} {d.name}".rstrip() for d in rows) + "\n"


def load_year(year: int, days: list[tuple[date, str, str]], *, source: str, actor=None,
              note: str = "") -> CalendarYear:
    """Replace a year's schedule with ``days`` and mark the year loaded; audited."""
    existing = db.session.get(CalendarYear, year)
    before = None
    if existing is not None:
        before = {"source": existing.source, "days": _count_kinds(year)}
        db.session.execute(delete(CalendarDay).where(CalendarDay.year == year))
        existing.source = source
        existing.note = note

        existing.loaded_at = clock.now()
        entry = existing
    else:
        entry = CalendarYear(year=year, source=source, note=note)
        db.session.add(entry)
    db.session.flush()
    db.session.add_all(CalendarDay(day=d, year=year, kind=k, name=n) for d, k, n in days)
    db.session.flush()
    record(actor, "calendar.load_year", object_type="calendar_year", object_id=year,
           before=before, after={"source": source, "days": _count_kinds(year)},
           summary=f"{year}: {source}")
    from .corrections import correct_provisional_reports

    correct_provisional_reports(year, actor)
    return entry


def _count_kinds(year: int) -> dict[str, int]:
    from sqlalchemy import func

    rows = db.session.execute(
        select(CalendarDay.kind, func.count()).where(CalendarDay.year == year).group_by(CalendarDay.kind)
    )
    return {kind: count for kind, count in rows}


def chinese_calendar_years() -> list[int]:
    """Years whose schedule the installed chinese-calendar package knows."""
    import chinese_calendar

    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return sorted(years)


def chinese_calendar_days(year: int) -> list[tuple[date, str, str]]:
    """Holidays and make-up working days of ``year`` from the chinese-calendar package."""
    import chinese_calendar

    days: list[tuple[date, str, str]] = []
    for day, name in sorted(chinese_calendar.holidays.items()):
        if day.year == year:
            days.append((day, DayKind.holiday.value, _holiday_name(name)))
    for day, name in sorted(chinese_calendar.workdays.items()):
        if day.year == year and day.weekday() >= 5:
            days.append((day, DayKind.workday.value, _holiday_name(name) + "调休"))
    return sorted(days)


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(value) -> str:
    text = getattr(value, "value", None) or str(value or "")
    return _HOLIDAY_NAMES.get(text, text)


def sync_from_package(years: Iterable[int] | None = None, *, actor=None, replace: bool = False
                      ) -> list[int]:
    """Load the years chinese-calendar covers; by default only those not yet loaded."""
    import chinese_calendar

    version = getattr(chinese_calendar, "__version__", "")
    wanted = sorted(years) if years is not None else chinese_calendar_years()
    have = set(loaded_years())
    done = []
    for year in wanted:
        if year in have and not replace:
            continue
        load_year(year, chinese_calendar_days(year), source=f"chinese-calendar {version}".strip(), actor=actor)
        done.append(year)
    return done

"""The working-day arithmetic gives the same answers as walking the calendar day by day, and its
cost does not grow with the distance between the dates (docs/product.md §3; issue: O(1) working days)."""
from __future__ import annotations

import time
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.calendar.services import WorkingCalendar

# 2026 National Day week and the make-up Saturdays around it, a Spring Festival, and one year
# (2027) not loaded, so that provisional answers are exercised too.
EXCEPTIONS = {
    **{date(2026, 10, d): "holiday" for d in range(1, 9)},
    date(2026, 9, 27): "workday", date(2026, 10, 10): "workday",
    **{date(2026, 2, d): "holiday" for d in range(15, 24)},
    date(2026, 2, 14): "workday", date(2026, 2, 28): "workday",
    date(2025, 12, 31): "holiday",
}


def calendar() -> WorkingCalendar:
    return WorkingCalendar({2025, 2026}, dict(EXCEPTIONS))


def walk_add(cal: WorkingCalendar, start: date, n: int):
    day, counted, provisional = start, 0, False
    while counted < n:
        day += timedelta(days=1)
        provisional = provisional or not cal.is_loaded(day)
        counted += cal.is_working_day(day)
    return day, provisional


def walk_between(cal: WorkingCalendar, start: date, end: date) -> int:
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    return sign * sum(cal.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


days = st.dates(min_value=date(2024, 6, 1), max_value=date(2027, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=400))
def test_add_working_days_equals_the_day_by_day_walk(start, n):
    due = calendar().add_working_days(start, n)
    assert (due.day, due.provisional) == walk_add(calendar(), start, n)


@settings(max_examples=300, deadline=None)
@given(start=days, end=days)
def test_working_days_between_equals_the_day_by_day_walk(start, end):
    assert calendar().working_days_between(start, end) == walk_between(calendar(), start, end)


def test_boundaries_around_national_day():
    cal = calendar()
    # Decided on Wednesday 30 September 2026: the 10 days off and make-up Saturday 10 October.
    assert cal.add_working_days(date(2026, 9, 30), 1).day == date(2026, 10, 9)
    assert cal.add_working_days(date(2026, 9, 30), 2).day == date(2026, 10, 10)
    assert cal.add_working_days(date(2026, 9, 30), 10).day == date(2026, 10, 21)
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 0
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 1
    assert cal.add_working_days(date(2026, 12, 30), 3).provisional  # runs into 2027


def test_cost_does_not_grow_with_the_distance():
    cal = calendar()
    cal.working_days_between(date(2020, 1, 1), date(2030, 12, 31))  # build the span once

    def timed(n_queries, gap):
        started = time.perf_counter()
        for i in range(n_queries):
            start = date(2021, 1, 1) + timedelta(days=i % 300)
            cal.working_days_between(start, start + timedelta(days=gap))
        return time.perf_counter() - started

    near, far = timed(2000, 10), timed(2000, 3000)
    assert far < near * 3 + 0.01, (near, far)  # a day-by-day walk would be ~300 times slower

"""Fixtures of the oversight tests: the clock frozen on 9 October 2026, English pages, and a year of
objects for two units (``world``) whose every figure the tests know."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest

from portal.calendar.services import sync_from_package
from portal.extensions import db
from portal.feedback import report as reports

NOW = datetime(2026, 10, 9, 10, 0)
YEAR = 2026


@pytest.fixture
def clock_now():
    return NOW


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")
    return client


def at(app, moment: datetime):
    """Freeze the portal clock at ``moment`` (restore with ``at(app, NOW)``)."""
    app.config["CLOCK_NOW"] = moment


def consultation(f, unit, opens: datetime, days: int, *, reason: str = "", comments: int = 0, pending: int = 0):
    item = f.decision(unit, status="drafting", kind="other")
    return f.consultation(item, opens_at=opens, closes_at=opens + timedelta(days=days),
                          published_at=opens - timedelta(days=1), short_period_reason=reason,
                          comment_count=comments, pending_count=pending)


def meeting(f, unit, starts: datetime, *, selected: bool = True, recorded: bool = False):
    return f.meeting(unit, starts_at=starts, signup_opens_at=starts - timedelta(days=20),
                     signup_closes_at=starts - timedelta(days=10), withdrawal_cutoff=starts - timedelta(days=2),
                     selected_at=starts - timedelta(days=8) if selected else None,
                     record_published_at=starts + timedelta(days=3) if recorded else None)


def activity(f, unit, kind: str, starts: datetime, days: int = 1, capacity: int = 20):
    return f.open_activity(unit, kind=kind, registration_opens_at=starts - timedelta(days=30),
                           registration_closes_at=starts - timedelta(days=1),
                           slots=[(starts + timedelta(days=d), starts + timedelta(days=d, hours=2), capacity)
                                  for d in range(days)])


def visit(f, activity, slot: int = 0, *, checked_in: bool = True):
    """A confirmed visitor of the activity's ``slot``-th session, checked in at the door or not."""
    from portal.open_days.models import OpenRegistration

    session = activity.slots[slot]
    db.session.flush()
    registration = OpenRegistration(slot_id=session.id, activity_id=activity.id, account_id=f.resident().id,
                                    status="confirmed", name="张三", mobile="13800138000",
                                    code=secrets.token_hex(6),
                                    checked_in_at=session.starts_at + timedelta(minutes=5) if checked_in else None)
    db.session.add(registration)
    db.session.flush()
    return registration


def visited(f, activity):
    """The activity with one checked-in visitor on each of its days."""
    for index in range(len(activity.slots)):
        visit(f, activity, index)
    return activity


def issue(f, unit, issued_on: date):
    """A decision of ``unit`` issued on ``issued_on``."""
    return f.issue(f.decision(unit, status="deliberating", kind="other"), issued_on)


def publish_feedback(app, item, moment: datetime):
    at(app, moment)
    try:
        reports.publish_report(None, item)
    finally:
        at(app, NOW)


@dataclass
class World:
    district: object
    bureau: object
    objects: dict = field(default_factory=dict)


@pytest.fixture
def world(app, f):
    """Two units' 2026 (the clock on 9 October 2026, the working-day calendar loaded):

    district government: catalogue on time (3 items); consultations of 35 days (7 published, 2
    pending comments) and 20 days with a reason (3 published, 1 pending); 4 meetings held with
    representatives (three with their record published: they count; one awaiting its record), one
    started without a selection, one scheduled, one of 2025; 2 open days and 1 open-month activity
    held with visitors checked in, 1 open day held with a visitor who never came (does not count),
    1 open day scheduled; 1 decision with feedback on time.

    bureau: catalogue published late (2 April, 1 item); consultations of 20 days without a reason
    (4 published) and of 35 days opening in December (scheduled); no meeting held, one scheduled;
    1 open week held with visitors every day; decisions with feedback on time, late, overdue and
    still due.
    """
    sync_from_package()
    district = f.unit(kind="district_government", slug="district")
    bureau = f.unit(kind="bureau", slug="bureau")
    objects: dict = {}
    f.catalogue(district, YEAR, published_at=datetime(2026, 3, 20, 16, 0))
    for _n in range(3):
        f.decision(district, year=YEAR)
    f.catalogue(bureau, YEAR, published_at=datetime(2026, 4, 2, 9, 0))
    f.decision(bureau, year=YEAR)
    f.decision(bureau, year=2025)  # another year: not counted
    f.decision(bureau, year=YEAR, kind="other")  # not in the catalogue

    objects["c_long"] = consultation(f, district, datetime(2026, 4, 1, 9, 0), 35, comments=7, pending=2)
    objects["c_short_reason"] = consultation(f, district, datetime(2026, 6, 1, 9, 0), 20,
                                             reason="上级部门要求限期出台。", comments=3, pending=1)
    objects["c_short_no_reason"] = consultation(f, bureau, datetime(2026, 5, 10, 9, 0), 20, comments=4)
    objects["c_december"] = consultation(f, bureau, datetime(2026, 12, 1, 9, 0), 35)
    consultation(f, bureau, datetime(2025, 11, 1, 9, 0), 10, comments=50)  # 2025: not counted
    unpublished = consultation(f, bureau, datetime(2026, 7, 1, 9, 0), 10, comments=0)
    unpublished.published_at = None

    meeting(f, district, datetime(2026, 2, 10, 9, 0), recorded=True)
    meeting(f, district, datetime(2026, 5, 12, 9, 0), recorded=True)
    meeting(f, district, datetime(2026, 6, 2, 9, 0), recorded=True)
    meeting(f, district, datetime(2026, 9, 15, 14, 0))  # held, record not published: does not count
    meeting(f, district, datetime(2026, 7, 7, 9, 0), selected=False)  # no representatives selected
    meeting(f, district, datetime(2026, 11, 20, 9, 0), selected=False)  # scheduled
    meeting(f, district, datetime(2025, 12, 1, 9, 0))  # 2025
    meeting(f, bureau, datetime(2026, 12, 3, 9, 0), selected=False)  # scheduled

    visited(f, activity(f, district, "open_day", datetime(2026, 5, 18, 9, 0)))
    visited(f, activity(f, district, "open_day", datetime(2026, 6, 20, 9, 0)))
    visited(f, activity(f, district, "open_month", datetime(2026, 8, 12, 9, 0)))
    objects["a_empty"] = activity(f, district, "open_day", datetime(2026, 7, 3, 9, 0))
    visit(f, objects["a_empty"], checked_in=False)  # registered, never came: an empty open day
    activity(f, district, "open_day", datetime(2026, 10, 30, 9, 0))  # scheduled
    objects["a_week"] = visited(f, activity(f, bureau, "open_week", datetime(2026, 9, 14, 9, 0), days=5))

    objects["f_district"] = issue(f, district, date(2026, 6, 1))
    publish_feedback(app, objects["f_district"], datetime(2026, 6, 5, 10, 0))
    objects["f_on_time"] = issue(f, bureau, date(2026, 3, 2))
    publish_feedback(app, objects["f_on_time"], datetime(2026, 3, 6, 10, 0))
    objects["f_late"] = issue(f, bureau, date(2026, 5, 6))
    publish_feedback(app, objects["f_late"], datetime(2026, 6, 15, 10, 0))
    objects["f_overdue"] = issue(f, bureau, date(2026, 8, 3))
    objects["f_due"] = issue(f, bureau, date(2026, 10, 9))
    old = issue(f, bureau, date(2025, 12, 1))  # 2025: not counted
    objects["f_2025"] = old
    db.session.commit()
    return World(district, bureau, objects)

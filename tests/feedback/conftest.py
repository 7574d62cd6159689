"""Fixtures of the adoption feedback tests: a unit whose decision was issued after a closed
consultation with published comments, its staff, an admin, and residents."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale

from portal.calendar.services import sync_from_package

NOW = datetime(2026, 10, 9, 10, 0)
_seq = itertools.count(1)


@pytest.fixture
def clock_now():
    return NOW


@pytest.fixture(autouse=True)
def english(app, client):
    """Read messages in English (their msgid), in pages and in services called directly."""
    client.set_cookie("lang", "en")
    with force_locale("en"):
        yield client


@pytest.fixture
def calendar(app):
    """The working-day calendar of the years chinese-calendar covers (up to 2026)."""
    sync_from_package()
    return app


@pytest.fixture
def world(f):
    """Unit, staff, admin, two residents (one with two comments), a closed consultation with
    published comments on two sections and one rejected comment; the decision not yet issued."""
    unit = f.unit()
    staff = f.staff(unit)
    admin = f.admin()
    alice, bob, carol = f.resident(name="张小花"), f.resident(name="李大明"), f.resident(name="王五")
    item = f.decision(unit, status="deliberating", kind="other")
    consultation = f.consultation(item, status="closed")
    sections = [s for s in consultation.sections if s.number]
    first, second = sections[0], sections[1]
    comments = [f.comment(consultation, alice, "建议延长晚间投放时间。", section=first),
                f.comment(consultation, alice, "投放点应设置洗手池。", section=second),
                f.comment(consultation, bob, "建议每个小区设置两个投放点。", section=first),
                f.comment(consultation, carol, "广告内容", status="rejected")]
    return dict(unit=unit, staff=staff, admin=admin, alice=alice, bob=bob, carol=carol, item=item,
                consultation=consultation, first=first, second=second, comments=comments[:3],
                rejected=comments[3])


def days_after(day: date, n: int) -> date:
    return day + timedelta(days=n)

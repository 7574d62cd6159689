"""Fixtures of the adoption feedback tests: a unit whose decision was issued after a closed
consultation with published comments, its staff, an admin, and residents."""
from __future__ import annotations

import hashlib
import itertools
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale

from portal import clock
from portal.calendar.services import sync_from_package
from portal.catalogue.lifecycle import change_status
from portal.consultation.models import Campaign, Comment
from portal.extensions import db
from portal.textutil import mask_name

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


def comment(consultation, author, text=None, *, section=None, status="published", campaign=None) -> Comment:
    n = next(_seq)
    text = text or f"第{n}条意见：建议完善相关规定。"
    obj = Comment(consultation_id=consultation.id, section_id=section.id if section else None,
                  author_id=author.id, public_name=mask_name(author.name), text=text,
                  text_hash=hashlib.sha256(f"{text}-{n}".encode()).hexdigest(), consent_at=clock.now(),
                  status=status, rejection_reason="off_topic" if status == "rejected" else None,
                  published_at=clock.now() if status == "published" else None,
                  campaign_id=campaign.id if campaign else None)
    db.session.add(obj)
    db.session.flush()
    return obj


def campaign(consultation, members) -> Campaign:
    obj = Campaign(consultation_id=consultation.id, sample_text=members[0].text, comment_count=len(members))
    db.session.add(obj)
    db.session.flush()
    for member in members:
        member.campaign_id = obj.id
    db.session.flush()
    return obj


def issue(item, issued_on: date, actor=None):
    """Record the decision as issued on ``issued_on`` (the catalogue's staff page does this)."""
    item.decision_title, item.decision_number = f"{item.title}的通知", "青府发〔2026〕1号"
    item.issue_date = issued_on
    change_status(item, "decided", actor)
    db.session.flush()
    return item


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
    comments = [comment(consultation, alice, "建议延长晚间投放时间。", section=first),
                comment(consultation, alice, "投放点应设置洗手池。", section=second),
                comment(consultation, bob, "建议每个小区设置两个投放点。", section=first),
                comment(consultation, carol, "广告内容", status="rejected")]
    return dict(unit=unit, staff=staff, admin=admin, alice=alice, bob=bob, carol=carol, item=item,
                consultation=consultation, first=first, second=second, comments=comments[:3],
                rejected=comments[3])


def days_after(day: date, n: int) -> date:
    return day + timedelta(days=n)

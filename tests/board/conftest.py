"""Fixtures of the message board tests: the 2026 working-day calendar, a unit with two members of
staff, an admin, a resident and an issued policy of that unit. The clock: Monday 2026-10-12 10:00."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from flask_babel import force_locale

from portal.calendar.services import sync_from_package

NOW = datetime(2026, 10, 12, 10, 0)


@pytest.fixture
def clock_now():
    return NOW


@pytest.fixture(autouse=True)
def english(app, client):
    client.set_cookie("lang", "en")
    with force_locale("en"):
        yield client


@pytest.fixture
def calendar(app):
    sync_from_package([2025, 2026])
    return app


@pytest.fixture
def world(f, calendar):
    from portal.catalogue.models import Topic
    from portal.extensions import db

    unit = f.unit()
    other = f.unit()
    topic = Topic(name="城市更新", slug="chengshi-gengxin", position=1)
    db.session.add(topic)
    policy = f.decision(unit, status="deliberating", title="关于推进老旧小区加装电梯的实施意见")
    policy.topics.append(topic)
    f.issue(policy, date(2026, 9, 1))
    return {"unit": unit, "other": other, "staff": f.staff(unit, name="王科员"), "staff2": f.staff(unit, name="李科长"),
            "other_staff": f.staff(other), "admin": f.admin(), "resident": f.resident(name="张三丰"),
            "policy": policy, "topic": topic}


def ask(world, **data):
    """A message on the world's policy through the service."""
    from portal.board import services as svc

    values = {"decision_id": world["policy"].id, "kind": "question", "title": "加装电梯补贴如何申请",
              "text": "请问加装电梯的补贴标准和申请流程是什么？", "consent": True, "may_publish": True}
    values.update(data)
    return svc.submit(world["resident"], values)

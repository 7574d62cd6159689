"""Factories with good defaults; each flushes (never commits) so tests control the transaction.

Use inside an app context: ``unit = factories.unit()``, ``staff = factories.staff(unit)``.
"""
from __future__ import annotations

import itertools
import secrets

from portal.accounts.models import Account
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.units.models import Unit

PASSWORD = "Correct-Horse-Battery-9"
_seq = itertools.count(1)


def unit(**kw) -> Unit:
    n = next(_seq)
    data = dict(name=f"测试区第{n}局", short_name=f"第{n}局", slug=f"unit-{n}", kind="bureau",
                address="测试路 1 号", phone="021-0000 0000", email=f"unit{n}@example.gov.cn")
    data.update(kw)
    obj = Unit(**data)
    db.session.add(obj)
    db.session.flush()
    return obj


def account(role: str = "resident", unit_obj: Unit | None = None, **kw) -> Account:
    n = next(_seq)
    data = dict(email=f"user{n}@example.com", name=f"测试用户{n}", role=role,
                unit_id=unit_obj.id if unit_obj is not None else None,
                password_hash=hash_password(kw.pop("password", PASSWORD)),
                session_token=secrets.token_hex(8))
    data.update(kw)
    obj = Account(**data)
    db.session.add(obj)
    db.session.flush()
    return obj


def resident(**kw) -> Account:
    return account("resident", **kw)


def staff(unit_obj: Unit | None = None, **kw) -> Account:
    return account("staff", unit_obj or unit(), **kw)


def admin(**kw) -> Account:
    return account("admin", **kw)


def decision(unit_obj: Unit | None = None, **kw):
    """A decision item (default: a major decision of 2026 in state ``planned``)."""
    from portal.catalogue.models import DecisionItem

    n = next(_seq)
    data = dict(unit_id=(unit_obj or unit()).id, year=2026, code=f"2026-{n:02d}", kind="major",
                title=f"关于推进城市更新的实施意见（第{n}号）", summary="推进老旧小区改造和城市更新。",
                legal_basis="《重大行政决策程序暂行条例》", background="城市更新是民生工程。",
                planned_quarter=3, status="planned")
    data.update(kw)
    obj = DecisionItem(**data)
    db.session.add(obj)
    db.session.flush()
    return obj

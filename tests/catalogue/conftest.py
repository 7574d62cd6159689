from datetime import datetime

import pytest

NOW = datetime(2026, 5, 10, 10, 0)


@pytest.fixture
def clock_now():
    return NOW


@pytest.fixture
def item_data():
    """Form-like data for a new item."""

    def make(code="2026-01", **kw):
        data = {"code": code, "kind": "major", "title": "青松区停车管理办法", "summary": "规范停车管理。",
                "legal_basis": "《重大行政决策程序暂行条例》", "background": "停车难问题突出。",
                "planned_quarter": "3", "topic_ids": [], "hearing_planned": True}
        data.update(kw)
        return data

    return make

"""Fixtures of the governance tests (issue 15 points 3, 4, 5, 7): the clock on 10 May 2026."""
from __future__ import annotations

from datetime import datetime

import pytest

NOW = datetime(2026, 5, 10, 10, 0)


@pytest.fixture
def clock_now():
    return NOW

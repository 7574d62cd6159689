from datetime import datetime

import pytest

NOW = datetime(2027, 4, 1, 10, 0)


@pytest.fixture
def clock_now():
    return NOW

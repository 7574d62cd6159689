from datetime import datetime

import pytest

NOW = datetime(2026, 4, 1, 10, 0)


@pytest.fixture
def clock_now():
    return NOW


@pytest.fixture
def setup(f):
    """A unit with a staff member, a resident, and an open consultation of that unit."""
    unit = f.unit()
    staff = f.staff(unit)
    resident = f.resident(name="张三丰")
    consultation = f.consultation(f.decision(unit, status="consulting"), status="open")
    return {"unit": unit, "staff": staff, "resident": resident, "consultation": consultation}


def section_by_number(consultation, number):
    return next(s for s in consultation.sections if s.number == number)


@pytest.fixture(autouse=True)
def english(client):
    """Read messages in English (their msgid), whatever the zh_CN catalog says."""
    client.set_cookie("lang", "en")
    return client

from datetime import datetime

import pytest
from flask_babel import force_locale

# Registration is open (1 July – 9 August 2026) and the default slot is on 10 August.
NOW = datetime(2026, 7, 15, 10, 0)


@pytest.fixture
def clock_now():
    return NOW


@pytest.fixture
def person_data():
    def make(n=0, **kw):
        data = {"name": f"王{n}", "mobile": f"1390000{n:04d}", "id_last4": "123X", "needs": ""}
        data.update(kw)
        return data

    return make


@pytest.fixture(autouse=True)
def english_services(app):
    """Services called directly (outside a request) speak English, their msgids, so that the
    assertions on messages read the same whatever the catalog; pages keep the default zh_CN."""
    with force_locale("en"):
        yield

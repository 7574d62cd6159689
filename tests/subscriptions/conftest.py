from datetime import datetime

import pytest

NOW = datetime(2026, 6, 1, 10, 0)


@pytest.fixture
def clock_now():
    return NOW


@pytest.fixture
def app(make_app):
    from portal.extensions import db

    app = make_app(PORTAL_BASE_URL="https://portal.example.gov.cn")
    with app.app_context():
        yield app
        db.session.remove()

"""Helpers shared by the foundation tests."""
from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def form_login(client, login: str, password: str = PASSWORD, **extra):
    return client.post("/auth/login", data={"login": login, "password": password, **extra})


@pytest.fixture
def register_data():
    return {"login": "new.resident@example.com", "name": "王小明", "password": "Tiger-Lantern-58",
            "confirm": "Tiger-Lantern-58", "agree": "y"}


@pytest.fixture
def client(app):
    """A test client that reads the English UI (the assertions read English msgids; the zh_CN
    default is tested in test_i18n_ui.py with a plain client)."""
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client

"""Load and fault tests against the portal served by gunicorn (2 workers) on loopback.

The server runs on this test's database (a SQLite file, or the PostgreSQL test database), with the
data the test created and committed. Clients are plain HTTP clients with their own cookies: they
log in through the login form and submit forms with their CSRF tokens, as browsers do.
"""
from __future__ import annotations

import http.cookiejar
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from portal.extensions import db
from tests.perf.runner import Server

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "Correct-Horse-Battery-9"  # tests/factories.py


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.load)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One visitor: a cookie jar, no automatic redirects, and the last CSRF token seen."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, method: str, path: str, data: dict | None = None, timeout: float = 30):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.headers, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode("utf-8", "replace")

    def csrf(self, path: str) -> str:
        status, _headers, html = self.request("GET", path)
        assert status == 200, (path, status)
        return CSRF_RE.search(html).group(1)

    def log_in(self, login: str, password: str = PASSWORD) -> None:
        token = self.csrf("/auth/login")
        status, headers, _html = self.request("POST", "/auth/login",
                                              {"csrf_token": token, "login": login, "password": password})
        assert status == 302, f"login of {login} failed with {status}"


def log_in_all(base: str, logins: list[str], workers: int = 8) -> list[Client]:
    def one(login):
        client = Client(base)
        client.log_in(login)
        return client

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, logins))


@pytest.fixture
def served(app, tmp_path):
    """(app, start_server): the test's app and database, and a function that serves them."""
    if not shutil.which("gunicorn", path=str(Path(sys.executable).parent)) and not shutil.which("gunicorn"):
        pytest.skip("gunicorn is not installed")
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    servers = []

    def start(**settings) -> Server:
        env = {"PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "load-test-secret-key-0123456789",
               "PORTAL_BASE_URL": "http://127.0.0.1", "PORTAL_ENV_FILE": "/nonexistent",
               "PORTAL_MAIL_BACKEND": "null", "PORTAL_MAIL_SEND_AFTER_REQUEST": "0",
               "PORTAL_RATELIMIT_ENABLED": "0", "PORTAL_ARGON2_TIME_COST": "1", "PORTAL_ARGON2_MEMORY_COST": "64",
               "PORTAL_SESSION_COOKIE_SECURE": "0", "PORTAL_PAGE_CACHE_SECONDS": "0"}
        env.update({f"PORTAL_{k}": str(v) for k, v in settings.items()})
        server = Server(env, tmp_path).__enter__()
        servers.append(server)
        return server

    yield app, start
    db.session.remove()
    for server in servers:
        server.__exit__(None, None, None)


def wait_until(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False

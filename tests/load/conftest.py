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
from dataclasses import dataclass
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

    def raw_request(self, method: str, path: str, data: dict | None = None) -> bytes:
        """The bytes of this visitor's request (its cookies, the form encoded), for ``burst``."""
        body = urllib.parse.urlencode(data or {}, doseq=True).encode()
        host = urllib.parse.urlsplit(self.base).netloc
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        head = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
                f"Cookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        return head.encode("latin-1") + body

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


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    sent: float  # perf_counter() when the connection was opened
    done: float  # perf_counter() when the whole response had arrived


def burst(base: str, requests: list[bytes], timeout: float = 60) -> list[Answer]:
    """Send every request at the same moment, each on its own connection, and wait for all answers.

    A flash crowd is hundreds of browsers on other machines; here the clients share the server's
    two cores, so they must cost as little as possible: one thread and an event loop opening the
    connections and writing pre-built bytes (500 urllib threads cost about a third of a core-second,
    which the workers would otherwise have had)."""
    import asyncio

    parts = urllib.parse.urlsplit(base)

    async def one(raw: bytes) -> Answer:
        sent = time.perf_counter()
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(raw)
        response = await reader.read()  # gunicorn's sync workers close the connection after it
        done = time.perf_counter()
        writer.close()
        head, _, _body = response.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict((name.strip().lower(), value.strip())
                       for name, _, value in (line.partition(":") for line in lines[1:]))
        return Answer(int(lines[0].split()[1]), headers, sent, done)

    async def run() -> list[Answer]:
        return await asyncio.wait_for(asyncio.gather(*(one(raw) for raw in requests)), timeout)

    # In a thread of its own: after the browser journeys the test process's main thread has an
    # event loop running (Playwright's), where asyncio.run() refuses to start.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(run())).result()


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

"""Issue 14 point 8: during a database outage a logged-in visitor of the portal served by gunicorn
gets the Chinese 503 page, never gunicorn's plain "Internal Server Error": the error page needs no
database (no account loaded, no unread count), and nothing after the response needs it either.

The server reaches PostgreSQL through a TCP proxy this test owns (tests/deploy/tcpproxy.py);
cutting it is an outage for the portal and for nothing else on the machine. PostgreSQL only: an
open SQLite file cannot be taken away from the connections that hold it (the test-client version
of this test, tests/foundation/test_outage_page.py, moves the SQLite file away instead)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import make_url

from portal.extensions import db
from tests.deploy.cluster import TcpProxy
from tests.factories import PASSWORD
from tests.load.conftest import Client
from tests.robustness.replay import Browser
from tests.served import need_gunicorn, port_in_range, start_server

PAGES = ["/me", "/", "/consultations", "/me/inbox", "/staff", "/catalogue"]


def _is_outage_page(status: int, html: str) -> bool:
    return status == 503 and "服务暂时不可用" in html and "Internal Server Error" not in html \
        and "Traceback" not in html and "psycopg" not in html


def test_logged_in_visitors_get_the_chinese_503_page_while_the_database_is_cut(app, f, tmp_path):
    need_gunicorn()
    url = make_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    if not url.drivername.startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL): see the module docstring")
    resident, staff = f.resident(email="outage@example.com"), f.staff(email="outage.staff@example.gov.cn")
    db.session.commit()
    proxy = TcpProxy(port_in_range(), (url.host or "127.0.0.1", url.port or 5432))
    server = None
    try:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        server = start_server({
            "PORTAL_DATABASE_URL": through, "PORTAL_SECRET_KEY": "outage-test-secret-key-0123456789",
            "PORTAL_BASE_URL": "http://127.0.0.1", "PORTAL_ENV_FILE": "/nonexistent", "PORTAL_MAIL_BACKEND": "null",
            "PORTAL_RATELIMIT_ENABLED": "0", "PORTAL_ARGON2_TIME_COST": "1", "PORTAL_ARGON2_MEMORY_COST": "64",
            "PORTAL_SESSION_COOKIE_SECURE": "0", "PORTAL_REMEMBER_COOKIE_SECURE": "0",
            "PORTAL_PAGE_CACHE_SECONDS": "30", "PORTAL_DATABASE_CONNECT_TIMEOUT": "2",
            "PORTAL_MAX_CONTENT_LENGTH": "1000000"}, tmp_path)
        visitors = {"anonymous": Client(server.url), "resident": Client(server.url), "staff": Client(server.url)}
        visitors["resident"].log_in(resident.email)
        visitors["staff"].log_in(staff.email)
        uploader = Browser(server.url, lang="")  # sends a whole body even when the answer comes first
        assert uploader.log_in(resident.email, PASSWORD).status == 302
        for page in PAGES:  # the control: served, and the anonymous copies are in the page cache
            assert visitors["staff"].request("GET", page)[0] == 200, page
        assert visitors["resident"].request("GET", "/me")[0] == 200

        proxy.cut()
        for role, visitor in visitors.items():
            for page in PAGES:
                status, _headers, html = visitor.request("GET", page)
                if role == "anonymous" and status in (200, 302):
                    continue  # a cached copy, or the login page: served without the database
                assert _is_outage_page(status, html), (role, page, status, html[:300])
        # Pages whose error handlers rendered the page for the logged-in visitor: a refused form
        # (CSRF), a page that does not exist, an upload over the limit.
        for role in ("resident", "staff"):
            for method, page, data in (("POST", "/auth/logout", {"csrf_token": "forged"}),
                                       ("GET", "/nowhere", None)):
                status, _headers, html = visitors[role].request(method, page, data)
                assert _is_outage_page(status, html), (role, page, status, html[:300])
        big = uploader.post("/me/delete", {"x": "y" * 2_000_000})  # over PORTAL_MAX_CONTENT_LENGTH
        assert _is_outage_page(big.status, big.text), (big.status, big.text[:300])

        proxy.restore()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and visitors["resident"].request("GET", "/me")[0] != 200:
            time.sleep(0.3)
        assert visitors["resident"].request("GET", "/me")[0] == 200  # still logged in, served again
    finally:
        if server is not None:
            server.__exit__(None, None, None)
        proxy.stop()

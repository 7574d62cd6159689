"""Browser journeys in a real Chromium (Debian's ``chromium`` package) driven by Playwright.

The portal runs in a background thread on a free loopback port, on its own SQLite database
built with the migrations' models and the demo data. Screenshots of key pages are written to
``$PORTAL_E2E_ARTIFACTS`` (default ``test-artifacts/``). Without Chromium the journeys are
skipped with a message (CI installs it).
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PORTAL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("PORTAL_E2E_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts")

# Flags for a root user in a sandbox without network (see the machine notes in the README).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM:
                item.add_marker(pytest.mark.skip(reason="Chromium not installed (apt-get install chromium)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS,
            "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1280, "height": 900}}


_PORTS_GIVEN = itertools.count()


def _free_port() -> int:
    if os.environ.get("PORTAL_E2E_PORT"):  # ports of the range this machine gives the run, from this one
        # One each: the session's server and a module's own (the oversight journey) run together.
        return int(os.environ["PORTAL_E2E_PORT"]) + next(_PORTS_GIVEN)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, app, url):
        self.app = app
        self.url = url

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def serve_demo(folder: Path, **overrides):
    """Serve the demo data from a fresh SQLite database in ``folder`` on a free port (a generator:
    yields the LiveServer, stops it when resumed). ``overrides``: extra settings, e.g. CLOCK_NOW."""
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.database import commit
    from portal.demo import seed
    from portal.extensions import db

    port = _free_port()
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite3'}",
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
        "MAIL_BACKEND": "null", "RATELIMIT_ENABLED": False, "DEMO_MODE": True,
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64,
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}", **overrides,
    }, instance_path=str(folder / "instance"))
    with app.app_context():
        db.create_all()
        seed()
        commit()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{port}")
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory.mktemp("e2e"))


@pytest.fixture
def shot(page, request):
    """Save a full-page screenshot as a test artifact: ``shot("name")``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, of=None) -> Path:
        """``of``: another page (e.g. one from ``user_page``); default the test's ``page``."""
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        (of or page).screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe_check(page):
    """Run axe-core on the current page; fail on serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(label: str = "", of=None):
        """``of``: another page (e.g. one from ``user_page``); default the test's ``page``."""
        target = of or page
        results = axe.run(target)
        bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
        details = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:5])
            for v in bad)
        assert not bad, f"axe violations on {label or target.url}:\n{details}"
        return results

    return check


DEMO_PASSWORDS = {"admin": "Qs-admin-2026!", "staff": "Qs-staff-2026!", "resident": "Qs-resident-2026!"}


@pytest.fixture
def log_in(page, live_server):
    def do(login: str, password: str):
        page.goto(live_server("/auth/login"))
        page.get_by_label("邮箱或手机号").fill(login)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()

    return do


def _log_in_on(page, url: str, login: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("邮箱或手机号").fill(login)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="退出")).to_be_visible()


@pytest.fixture
def user_page(browser, browser_context_args, live_server):
    """A page of its own browser context, logged in as another account: ``user_page(login, role)``.

    For journeys with several people at once (a resident and the unit's staff) without logging out."""
    contexts = []
    visits = []

    def open_page(login: str, role: str = "resident", password: str | None = None):
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        new = context.new_page()
        visits.append((new, _track(new)))
        _log_in_on(new, live_server("/auth/login"), login, password or DEMO_PASSWORDS[role])
        return new

    yield open_page
    problems = [problem for other, urls in visits for problem in _axe_revisit(other, urls, live_server)]
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


# --- axe-core on every page the browser suite visits -------------------------------------------
# Each journey's pages are recorded as it navigates; when the journey ends, every page of a kind
# not checked yet in this run (its path with numbers replaced: /consultations/{n}) is opened again
# (a GET: no page writes on GET) in the same browser context and checked: no serious or critical
# axe-core violation.
_AXE_CHECKED: set[str] = set()
_NOT_PAGES = re.compile(r"\.(ics|png|svg|json|csv|xlsx|atom|txt)$|/export|/file$|/healthz|/readyz|/preferences/")


def _track(target) -> list[str]:
    urls: list[str] = []
    target.on("framenavigated", lambda frame: urls.append(frame.url) if frame == target.main_frame else None)
    return urls


def _axe_revisit(target, urls: list[str], live_server) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    problems = []
    for url in dict.fromkeys(urls):
        if not url.startswith(live_server("")):
            continue
        path = url[len(live_server("")):].split("#")[0]
        kind = re.sub(r"/\d+", "/{n}", path.split("?")[0]) or "/"
        if kind in _AXE_CHECKED or _NOT_PAGES.search(kind):
            continue
        _AXE_CHECKED.add(kind)
        response = target.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        results = Axe().run(target)
        for v in results.response["violations"]:
            if v.get("impact") in ("serious", "critical"):
                problems.append(f"{path}: {v['id']} ({v['impact']}): {v['help']} — "
                                + "; ".join(str(n["target"]) for n in v["nodes"][:5]))
    return problems


@pytest.fixture(autouse=True)
def axe_every_visited_page(request, live_server):
    if "page" not in request.fixturenames:
        yield
        return
    target = request.getfixturevalue("page")
    urls = _track(target)
    yield
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        return  # the journey's own failure says more
    problems = _axe_revisit(target, urls, live_server)
    assert not problems, "axe-core on pages this journey visited:\n" + "\n".join(problems)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report

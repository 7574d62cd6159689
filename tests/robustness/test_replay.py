"""Issue 12 "done when": the attack replay (``replay.py``), run over HTTP against the portal served
by gunicorn on this test's database (SQLite, or PostgreSQL with TEST_DATABASE_URL), finds nothing.

The server listens on a port of ``TEST_PORT_RANGE`` (default 11000-11099, tests/served.py) with production-like
settings: a configured base URL (so unknown hosts are refused), the page cache on (so a poisoned
copy would be served to the next visitor), rate limits on, the file mail backend (the password
reset is followed to its end).
"""
from __future__ import annotations

import io
import json

import pytest

from portal.extensions import db
from tests.perf.runner import Server
from tests.served import need_gunicorn, start_server

from . import replay
from .replay_seed import seed

BASE_URL = "https://canyu.replay.example.gov.cn"


@pytest.fixture
def serve(app, tmp_path):
    """A function that serves this test's database with gunicorn (2 workers) and returns the server."""
    need_gunicorn()
    servers: list[Server] = []

    def start(**settings) -> Server:
        instance = tmp_path / f"instance{len(servers)}"
        instance.mkdir()
        env = {"PORTAL_DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
               "PORTAL_SECRET_KEY": "replay-test-secret-key-0123456789", "PORTAL_BASE_URL": BASE_URL,
               "PORTAL_EXTRA_HOSTS": '["127.0.0.1"]', "PORTAL_ENV_FILE": "/nonexistent",
               "PORTAL_INSTANCE_PATH": str(instance), "PORTAL_MAIL_BACKEND": "file",
               "PORTAL_SMS_BACKEND": "file", "PORTAL_RATELIMIT_ENABLED": "1",
               "PORTAL_RATELIMIT_STORAGE_URI": "memory://", "PORTAL_LOGIN_RATE_LIMIT_IP": "500 per 5 minutes",
               "PORTAL_ARGON2_TIME_COST": "1", "PORTAL_ARGON2_MEMORY_COST": "64",
               "PORTAL_SESSION_COOKIE_SECURE": "0", "PORTAL_REMEMBER_COOKIE_SECURE": "0",
               "PORTAL_PAGE_CACHE_SECONDS": "30", "PORTAL_CLOCK_NOW": app.config["CLOCK_NOW"].isoformat()}
        env.update({f"PORTAL_{k}": str(v) for k, v in settings.items()})
        server = start_server(env, tmp_path)
        server.instance = instance  # type: ignore[attr-defined]
        servers.append(server)
        return server

    yield start
    db.session.remove()
    for server in servers:
        server.__exit__(None, None, None)


def test_the_replay_of_every_attack_finds_nothing(app, serve, tmp_path):
    world = seed(app)
    db.session.commit()
    world_file = tmp_path / "world.json"
    world_file.write_text(json.dumps(world, ensure_ascii=False), encoding="utf-8")
    server = serve()
    out = io.StringIO()
    report = replay.Report(out=out)
    replay.Replay(server.url, world, report, mail_dir=server.instance / "mail",  # type: ignore[attr-defined]
                  public_base_url=BASE_URL, upload_bytes=26 * 1024 * 1024).run()
    print(out.getvalue())
    assert report.lines, "the replay checked nothing"
    assert not report.failures, "\n".join(f"{n}: {e}" for n, _h, e in report.failures) + "\n" + server.errors()[-3000:]
    # Every point of the issue was replayed.
    points = {name.split(" ·")[0] for name, _held, _e in report.lines}
    assert points == {str(n) for n in range(1, 9)}, points

"""What an app node needs behind nginx, in-process: trusted proxy hops, request ids and JSON logs,
/readyz, database timeouts, one node per scheduled job, an outbox safe with several senders."""
from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.jobs import job_lock, lock_key
from portal.notifications import services as mail
from portal.notifications.models import OutboxEmail
from tests.deploy.cluster import free_ports


def _is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _login_attempt(client, forwarded_for: str):
    return client.post("/auth/login", data={"login": "nobody@example.com", "password": "Wrong-Password-1"},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "10.9.9.9"})


def test_with_one_proxy_hop_limits_key_on_the_address_the_proxy_saw(make_app):
    app = make_app(PROXY_HOPS=1, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_IP="2 per 5 minutes",
                   LOGIN_RATE_LIMIT_ACCOUNT="100 per 5 minutes", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    # nginx appends the client's address; what the client put in front of it is not trusted.
    assert _login_attempt(client, "198.51.100.1, 203.0.113.5").status_code == 422
    assert _login_attempt(client, "198.51.100.2, 203.0.113.5").status_code == 422
    assert _login_attempt(client, "203.0.113.5").status_code == 429
    assert _login_attempt(client, "203.0.113.6").status_code == 422  # another visitor is not affected


def test_without_proxy_hops_forwarded_headers_are_ignored(make_app):
    app = make_app(PROXY_HOPS=0, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_IP="2 per 5 minutes",
                   LOGIN_RATE_LIMIT_ACCOUNT="100 per 5 minutes", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    assert _login_attempt(client, "203.0.113.1").status_code == 422
    assert _login_attempt(client, "203.0.113.2").status_code == 422
    assert _login_attempt(client, "203.0.113.3").status_code == 429  # all are 10.9.9.9


def _json_lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_json_log_has_one_line_per_request_with_the_request_id_from_nginx(make_app, capsys):
    app = make_app(LOG_FORMAT="json")
    client = app.test_client()
    response = client.get("/privacy", headers={"X-Request-ID": "0123456789abcdef0123456789abcdef"})
    assert response.headers["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    forged = client.get("/nowhere", headers={"X-Request-ID": "bad id with spaces"})
    generated = forged.headers["X-Request-ID"]
    assert generated != "bad id with spaces" and len(generated) == 32
    lines = [e for e in _json_lines(capsys.readouterr().err) if e["logger"] == "portal.request"]
    first = next(e for e in lines if e["request_id"] == "0123456789abcdef0123456789abcdef")
    assert (first["method"], first["path"], first["status"]) == ("GET", "/privacy", 200)
    assert isinstance(first["duration_ms"], float)
    second = next(e for e in lines if e["request_id"] == generated)
    assert (second["path"], second["status"]) == ("/nowhere", 404)


def test_errors_are_logged_as_json_with_the_request_id_and_the_trace_only_in_the_log(make_app, capsys):
    app = make_app(LOG_FORMAT="json")

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken", headers={"X-Request-ID": "req-0000000001"})
    assert response.status_code == 500 and "Traceback" not in response.text
    records = _json_lines(capsys.readouterr().err)
    error = next(e for e in records if e["level"] == "error")
    assert error["request_id"] == "req-0000000001" and "RuntimeError: boom" in error["exception"]


def test_text_log_is_the_default(make_app):
    app = make_app()
    assert app.config["LOG_FORMAT"] == "text"
    assert "X-Request-ID" in app.test_client().get("/healthz").headers


def test_readyz_needs_the_schema_at_the_migrations_head(make_app, tmp_path):
    app = make_app()
    client = app.test_client()
    response = client.get("/readyz")  # the test database is built by create_all, never stamped
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["database"].startswith("schema at none, migrations at ")
    assert response.headers["Cache-Control"] == "no-store"
    from flask_migrate import stamp

    try:
        with app.app_context():
            stamp()
        response = client.get("/readyz")
        assert response.status_code == 200, response.json
        assert response.json == {"status": "ready", "checks": {"database": "ok", "redis": "not configured"}}
    finally:  # leave the test database as the suite made it
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_readyz_reports_redis_unreachable_and_healthz_stays_up(make_app):
    (port,) = free_ports(1)  # nothing listens there
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{port}/0", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["redis"] == "unreachable"
    assert client.get("/healthz").status_code == 200


def test_postgresql_gets_connect_and_statement_timeouts_and_a_stall_answers_503(make_app):
    if not _is_postgres(make_app()):  # the first app also truncates after the test, untimed
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    app = make_app(DATABASE_STATEMENT_TIMEOUT_MS=300)
    if not _is_postgres(app):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    args = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert args["connect_timeout"] == 5 and args["options"] == "-c statement_timeout=300"

    def stall():
        db.session.execute(text("SELECT pg_sleep(5)"))
        return "never"

    app.add_url_rule("/stall", "stall", stall)
    started = time.monotonic()
    response = app.test_client().get("/stall")
    assert response.status_code == 503 and "Traceback" not in response.text
    assert time.monotonic() - started < 3


def test_a_second_run_of_a_scheduled_job_skips_while_the_first_holds_its_lock(app, runner):
    with job_lock("mail-send") as first:
        assert first
        result = runner.invoke(args=["mail", "send"])
        assert result.exit_code == 0 and "already running on another node; skipped" in result.output
        # Another job is not blocked by it.
        assert "skipped" not in runner.invoke(args=["open-days", "purge"]).output
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and result.output.strip() == "sent 0, failed 0"


@pytest.mark.parametrize("command,job", [
    (["calendar", "sync"], "calendar-sync"), (["feedback", "remind"], "feedback-remind"),
    (["open-days", "remind"], "open-days-remind"), (["open-days", "no-shows"], "open-days-no-shows"),
    (["open-days", "purge"], "open-days-purge"), (["meetings", "freeze"], "meetings-freeze"),
    (["board", "remind"], "board-remind"),
])
def test_every_scheduled_command_takes_its_lock(app, runner, command, job):
    with job_lock(job):
        assert "skipped" in runner.invoke(args=command).output


def test_lock_keys_are_stable_between_processes():
    assert lock_key("mail-send") == lock_key("mail-send") != lock_key("calendar-sync")
    assert -(2**63) <= lock_key("mail-send") < 2**63


def test_two_senders_never_send_the_same_email(app, monkeypatch):
    if not _is_postgres(app):
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) are PostgreSQL's; SQLite has one node")
    for n in range(20):
        mail.queue_email(f"r{n}@example.com", f"通知{n}", "正文")
    db.session.commit()
    delivered: list[tuple[str, str]] = []
    lock = threading.Lock()

    def slow_deliver(message, session=None):
        time.sleep(0.02)
        with lock:
            delivered.append((threading.current_thread().name, message["To"]))

    monkeypatch.setattr(mail, "_deliver", slow_deliver)
    results = {}

    def sender(name):
        with app.app_context():
            results[name] = mail.send_pending()
            db.session.remove()

    threads = [threading.Thread(target=sender, args=(f"s{i}",), name=f"s{i}") for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    addresses = [to for _name, to in delivered]
    assert sorted(addresses) == sorted(f"r{n}@example.com" for n in range(20))  # each exactly once
    assert len({name for name, _to in delivered}) >= 2  # the senders shared the work
    db.session.expire_all()
    assert set(db.session.scalars(select(OutboxEmail.status))) == {"sent"}

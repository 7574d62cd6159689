"""Correctness under load (docs/product.md §6), over HTTP against gunicorn with 2 workers:

- 500 simultaneous registrations for 50 seats: exactly 50 confirmed, 450 waiting in arrival order,
  every client answered with its own result, no server error (SQLite and PostgreSQL);
- a burst of 2,000 comments from 200 accounts: every acknowledged comment is in the database
  (PostgreSQL), also while a worker is killed with SIGKILL in the middle of it;
- the connection to PostgreSQL cut in the middle of a run (through a TCP proxy the test owns, never
  by stopping the shared server): a clear error page meanwhile, never a trace, and the portal
  recovers by itself (pool pre-ping), without a restart.
"""
from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import select

from portal.consultation.models import Comment
from portal.extensions import db
from portal.open_days.models import OpenRegistration

from .conftest import Client, burst, log_in_all, wait_until

JULY = datetime(2026, 7, 15, 10, 0)  # registration of the factories' open day is open
RECEIPT = re.compile(r"/consultations/receipts/([A-Z0-9-]+)")


def _is_postgres(app) -> bool:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql")


def test_registration_storm_confirms_exactly_the_seats_and_queues_the_rest_in_order(served, f):
    app, start = served
    app.config["CLOCK_NOW"] = JULY
    activity = f.open_activity(slots=[(datetime(2026, 8, 10, 9, 30), datetime(2026, 8, 10, 11, 0), 50)])
    slot_id = activity.slots[0].id
    people = [f.resident() for _ in range(500)]
    db.session.commit()
    server = start(CLOCK_NOW=JULY.isoformat())
    clients = log_in_all(server.url, [p.email for p in people])
    tokens = [c.csrf(f"/open-days/{activity.id}") for c in clients]

    requests = [client.raw_request("POST", f"/open-days/{activity.id}",
                                   {"csrf_token": tokens[i], "slot_id": slot_id, "name": f"访客{i}",
                                    "mobile": "13900001234", "consent": "y"})
                for i, client in enumerate(clients)]

    storm_started, client_cpu = time.perf_counter(), time.process_time()
    answers = burst(server.url, requests)
    storm_seconds, client_cpu = time.perf_counter() - storm_started, time.process_time() - client_cpu
    results = [(a.status, a.headers.get("location", ""), a.sent, a.done) for a in answers]

    assert all(status == 302 for status, *_rest in results), sorted({r[0] for r in results})
    ids = [int(re.search(r"/me/open-days/(\d+)", location).group(1)) for _s, location, *_t in results]
    db.session.expire_all()
    rows = db.session.scalars(select(OpenRegistration).where(OpenRegistration.slot_id == slot_id)).all()
    assert sorted(r.id for r in rows) == sorted(ids)  # every client got its own registration
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = sorted((r for r in rows if r.status == "waiting"), key=lambda r: r.queue_no)
    assert len(confirmed) == 50 and len(waiting) == 450
    assert [r.queue_no for r in waiting] == list(range(1, 451))  # arrival order, no gap, no duplicate
    # Each waiting client is told its position: the page it is sent to shows it.
    some = waiting[0]
    client = clients[ids.index(some.id)]
    status, _headers, html = client.request("GET", f"/me/open-days/{some.id}")
    assert status == 200 and re.search(r"\b1\b", html)

    latencies = sorted(end - sent for _s, _l, sent, end in results)
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    print(f"\nregistration storm ({'PostgreSQL' if _is_postgres(app) else 'SQLite'}): 500 requests in "
          f"{storm_seconds:.2f} s, median {statistics.median(latencies) * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms (the clients used {client_cpu:.2f} s of CPU)")
    # docs/product.md §6 asks for p99 < 1 s and < 5 s for the storm on two workers; the figures are
    # printed for the README. The bound asserted here is looser so that a loaded CI machine
    # does not fail the correctness test on timing alone.
    assert storm_seconds < 30


def _comment_burst(server_url, consultation, accounts, per_account: int, during=None):
    """Each account posts ``per_account`` different comments; returns acknowledged receipts."""
    clients = log_in_all(server_url, [a.email for a in accounts])
    section_id = consultation.sections[0].id
    path = f"/consultations/{consultation.id}/comments"
    acknowledged: list[str] = []
    failures: list[int | str] = []
    lock = threading.Lock()
    done = [0]

    def post_all(i: int):
        client = clients[i]
        token = client.csrf(f"/consultations/{consultation.id}")
        for k in range(per_account):
            data = {"csrf_token": token, "section_id": section_id, "respondent_type": "citizen",
                    "show_as": "masked", "consent": "y",
                    "text": f"第{i}位市民的第{k}条意见：建议明确第{k % 9 + 1}项措施的责任部门和完成时限。"}
            try:
                status, headers, _html = client.request("POST", path, data, timeout=60)
            except OSError as error:  # the connection of a killed worker
                with lock:
                    failures.append(type(error).__name__)
                continue
            with lock:
                done[0] += 1
                match = RECEIPT.search(headers.get("Location", "") or "") if status == 302 else None
                if match:
                    acknowledged.append(match.group(1))
                else:
                    failures.append(status)
                    if len(failures) == 1:
                        errors = re.findall(r'class="(?:invalid-feedback|alert alert-danger)[^"]*"[^>]*>(.*?)</', _html, re.S)
                        print("first refusal:", status, errors[:3])

    with ThreadPoolExecutor(max_workers=50) as pool:
        futures = [pool.submit(post_all, i) for i in range(len(clients))]
        if during is not None:
            total = len(clients) * per_account
            wait_until(lambda: done[0] >= total * 0.3, timeout=120, interval=0.05)
            during()
        for future in futures:
            future.result()
    return acknowledged, failures


def _stored_receipts(consultation_id: int) -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Comment.tracking_number)
                                  .where(Comment.consultation_id == consultation_id)))


@pytest.fixture
def consultation_with_accounts(served, f):
    app, start = served
    if not _is_postgres(app):
        pytest.skip("the comment bursts run on PostgreSQL (TEST_DATABASE_URL)")
    app.config["CLOCK_NOW"] = datetime(2026, 5, 20, 10, 0)
    consultation = f.consultation(status="open")
    accounts = [f.resident() for _ in range(200)]
    db.session.commit()
    server = start(CLOCK_NOW="2026-05-20T10:00:00", COMMENT_RATE_LIMIT_ACCOUNT="1000 per hour",
                   COMMENT_RATE_LIMIT_IP="100000 per hour")
    return app, server, consultation, accounts


def test_every_acknowledged_comment_of_a_burst_is_stored(consultation_with_accounts):
    app, server, consultation, accounts = consultation_with_accounts
    started = time.perf_counter()
    acknowledged, failures = _comment_burst(server.url, consultation, accounts, per_account=10)
    seconds = time.perf_counter() - started
    assert failures == [] and len(acknowledged) == 2000
    assert set(acknowledged) <= _stored_receipts(consultation.id)
    print(f"\ncomment burst: 2000 comments from 200 accounts in {seconds:.1f} s")


def _worker_pids(master_pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_no_acknowledged_comment_is_lost_when_a_worker_is_killed(consultation_with_accounts):
    app, server, consultation, accounts = consultation_with_accounts
    killed = []

    def kill_one_worker():
        pids = _worker_pids(server.proc.pid)
        os.kill(pids[0], signal.SIGKILL)
        killed.append(pids[0])

    acknowledged, failures = _comment_burst(server.url, consultation, accounts, per_account=10,
                                            during=kill_one_worker)
    assert killed
    assert set(acknowledged) <= _stored_receipts(consultation.id)  # nothing acknowledged is lost
    # Only requests on the killed worker can fail, and only as a broken connection or a 5xx the
    # master answers for it; gunicorn starts a new worker and the rest go through.
    assert len(acknowledged) >= 2000 - 100, (len(acknowledged), failures[:10])
    assert wait_until(lambda: len(_worker_pids(server.proc.pid)) == 2, timeout=30)


def test_portal_recovers_by_itself_when_the_database_connection_is_cut(served, f, tmp_path):
    """The server reaches PostgreSQL through a TCP proxy this test owns (tests/deploy/tcpproxy.py);
    cutting it is a database outage for the portal, and nothing else on the machine notices."""
    from sqlalchemy.engine import make_url

    from tests.deploy.cluster import TcpProxy, free_ports

    app, start = served
    if not _is_postgres(app):
        pytest.skip("PostgreSQL only")
    name = f.unit(name="断连测试局", slug="cut-unit").name
    db.session.commit()
    url = make_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    (port,) = free_ports(1)
    proxy = TcpProxy(port, (url.host or "127.0.0.1", url.port or 5432))
    try:
        server = start(DATABASE_URL=url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False))
        visitor = Client(server.url)
        assert visitor.request("GET", "/units")[0] == 200
        proxy.cut()
        status, _headers, html = visitor.request("GET", "/units")
        assert status == 503, status
        assert "服务暂时不可用" in html and "Traceback" not in html and "psycopg" not in html
        proxy.restore()
        assert wait_until(lambda: visitor.request("GET", "/units")[0] == 200, timeout=30)
        status, _headers, html = visitor.request("GET", "/units")
        assert name in html  # served again by the same gunicorn, without a restart of its own
    finally:
        proxy.stop()

"""The production recipe, run for real: nginx (deploy/nginx/portal.conf, TLS) in front of two
gunicorn app nodes (deploy/gunicorn.conf.py, own instance folders) sharing a PostgreSQL database
this test creates (reached through a TCP proxy it controls) and a redis-server of its own.

In order: the node and proxy settings (request ids, host names, sizes, http → https, /readyz);
rate limits shared between nodes; a page cached on both nodes refreshed within 1 s of a change;
the 500 → 50 registration storm; a 2,000-comment burst during which node 1 is killed (SIGKILL
of its master and workers); PostgreSQL cut off for 10 s; Redis stopped. No response may show a
trace. Skipped with a message where nginx, redis-server, openssl or a PostgreSQL
TEST_DATABASE_URL is missing; .ci/run installs nginx and runs it.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import ssl
import statistics
import subprocess
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.audit.services import record
from portal.consultation.models import Comment
from portal.extensions import db
from portal.open_days.models import OpenRegistration
from tests import factories as f
from tests.conftest import BASE_CONFIG
from tests.load.conftest import PASSWORD

from .cluster import (
    HOST,
    ROOT,
    Nginx,
    Node,
    RedisServer,
    Responses,
    TcpProxy,
    TlsClient,
    free_ports,
    nginx_binary,
    request_ids_in,
    wait_for,
)

pytestmark = [pytest.mark.load, pytest.mark.deploy]

JULY = datetime(2026, 7, 15, 10, 0)  # the factories' open day takes registrations; consultation open
RECEIPT = re.compile(r"/consultations/receipts/([A-Z0-9-]+)")
FIGURES: dict[str, str] = {}


def _requirements() -> str | None:
    if not nginx_binary():
        return "nginx is not installed (apt-get install nginx-light; .ci/run does)"
    for tool in ("redis-server", "openssl"):
        if not subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).stdout:
            return f"{tool} is not installed"
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        return "the deployment test needs a PostgreSQL server: TEST_DATABASE_URL=postgresql://..."
    return None


def _log_in_all(base, responses, logins, workers=16):
    def one(login):
        client = TlsClient(base, responses)
        client.log_in(login)
        return client

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, logins))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = _requirements()
    if reason:
        pytest.skip(reason)
    from portal.config import normalise_database_url

    workdir = tmp_path_factory.mktemp("cluster")
    https_port, http_port, port1, port2, db_port, redis_port = free_ports(6)
    server = make_url(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    name = f"portal_deploy_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    direct = server.set(database=name).render_as_string(hide_password=False)
    through_proxy = server.set(database=name, host="127.0.0.1", port=db_port).render_as_string(hide_password=False)
    started: list = []
    app = None
    try:
        proxy = TcpProxy(db_port, (server.host or "127.0.0.1", server.port or 5432))
        started.append(proxy)
        redis = RedisServer(redis_port, workdir)
        started.append(redis)
        env = {
            "PORTAL_ENV_FILE": str(workdir / "no-env-file"), "PORTAL_DATABASE_URL": through_proxy,
            "PORTAL_REDIS_URL": redis.url, "PORTAL_SECRET_KEY": "deploy-test-secret-key-" + uuid.uuid4().hex,
            "PORTAL_BASE_URL": f"https://{HOST}", "PORTAL_PROXY_HOPS": "1", "PORTAL_LOG_FORMAT": "json",
            "PORTAL_CLOCK_NOW": JULY.isoformat(), "PORTAL_MAIL_BACKEND": "null",
            "PORTAL_MAIL_SEND_AFTER_REQUEST": "0", "PORTAL_ARGON2_TIME_COST": "1", "PORTAL_ARGON2_MEMORY_COST": "64",
            "PORTAL_LOGIN_RATE_LIMIT_IP": "100000 per 5 minutes",  # every test client is 127.0.0.1
            "PORTAL_COMMENT_RATE_LIMIT_ACCOUNT": "1000 per hour", "PORTAL_COMMENT_RATE_LIMIT_IP": "100000 per hour",
        }
        # The schema as a sysadmin makes it, which also loads the working-day calendar.
        upgrade = subprocess.run([str(ROOT / "bin" / "portal"), "db", "upgrade"], cwd=ROOT, capture_output=True,
                                 text=True, env={**os.environ, **env, "PORTAL_DATABASE_URL": direct}, timeout=120)
        assert upgrade.returncode == 0, upgrade.stderr[-2000:]
        assert "working-day calendar loaded: " in upgrade.stdout

        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": direct, "CLOCK_NOW": JULY,
                          "PAGE_CACHE_SECONDS": 0}, instance_path=str(workdir / "test-app"))
        context = app.app_context()
        context.push()
        unit = f.unit(name="部署测试局", slug="deploy-unit")
        activity = f.open_activity(unit, slots=[(datetime(2026, 8, 10, 9, 30), datetime(2026, 8, 10, 11, 0), 50)])
        consultation = f.consultation(status="open")
        people = [f.resident() for _ in range(500)]
        limited = f.resident()
        db.session.commit()

        nodes = [Node("node1", port1, env, workdir).start(), Node("node2", port2, env, workdir).start()]
        started.extend(nodes)
        nginx = Nginx(workdir, https_port, http_port, nodes).start()
        started.append(nginx)
        yield SimpleNamespace(app=app, nodes=nodes, nginx=nginx, proxy=proxy, redis=redis, unit=unit,
                              activity=activity, slot_id=activity.slots[0].id, consultation=consultation,
                              section_id=consultation.sections[0].id, people=people, limited=limited,
                              responses=Responses(), workdir=workdir)
        context.pop()
    finally:
        for thing in reversed(started):
            begun = time.monotonic()
            try:
                thing.stop()
            except Exception:  # noqa: BLE001 - stop the rest anyway
                pass
            if time.monotonic() - begun > 5:
                print(f"\nstopping {type(thing).__name__} took {time.monotonic() - begun:.0f} s")
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        begun = time.monotonic()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if time.monotonic() - begun > 5:
            print(f"\ndropping the database took {time.monotonic() - begun:.0f} s")
        if FIGURES:
            print("\ndeployment test figures: " + json.dumps(FIGURES, ensure_ascii=False))


def _no_traces(cluster):
    assert cluster.responses.traces == [], cluster.responses.traces[:3]


def _raw_https(cluster, request: bytes) -> bytes:
    """Send raw bytes over TLS to nginx and return what comes back (b"" when it closes)."""
    import socket

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", cluster.nginx.https_port), timeout=10) as raw:
        with context.wrap_socket(raw) as sock:
            sock.sendall(request)
            chunks = []
            while True:
                try:
                    data = sock.recv(65536)
                except (ssl.SSLError, ConnectionResetError):
                    break
                if not data:
                    break
                chunks.append(data)
            return b"".join(chunks)


def test_nginx_passes_request_ids_refuses_other_hosts_and_oversized_bodies(cluster):
    visitor = TlsClient(cluster.nginx.url, cluster.responses)
    status, headers, body = visitor.request("GET", "/readyz")
    assert status == 200, body
    assert json.loads(body) == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}
    rid = headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)  # nginx's $request_id, echoed by the node
    status, headers, body = visitor.request("GET", "/units", headers={"X-Forwarded-For": "203.0.113.9"})
    assert status == 200 and "部署测试局" in body
    rid = headers["X-Request-ID"]
    assert wait_for(lambda: any(rid in n.log_text() for n in cluster.nodes), 5)
    line = next(line for n in cluster.nodes for line in n.log_text().splitlines()
                if rid in line and '"logger": "portal.request"' in line)
    entry = json.loads(line)
    assert entry["method"] == "GET" and entry["path"] == "/units" and entry["status"] == 200
    assert entry["duration_ms"] >= 0
    # One trusted hop: the address nginx saw, not the one the visitor claimed.
    assert entry["remote_addr"] == "127.0.0.1"

    # Any other host name: the connection is closed without an answer (444).
    assert _raw_https(cluster, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n") == b""
    # A body above MAX_CONTENT_LENGTH (25 MB) is refused by nginx before any node sees it.
    answer = _raw_https(cluster, b"POST /auth/login HTTP/1.1\r\nHost: " + HOST.encode() +
                        b"\r\nContent-Length: 30000000\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    # Plain http only redirects to https.
    conn = http.client.HTTPConnection("127.0.0.1", cluster.nginx.http_port, timeout=10)
    conn.request("GET", "/units?x=1", headers={"Host": HOST})
    response = conn.getresponse()
    assert response.status == 301 and response.getheader("Location") == f"https://{HOST}/units?x=1"
    conn.close()
    # Static files come from nginx (no request id: no node involved).
    status, headers, body = visitor.request("GET", "/static/css/portal.css")
    assert status == 200 and "X-Request-ID" not in headers
    _no_traces(cluster)


def test_rate_limits_are_shared_between_the_nodes(cluster):
    """5 failed logins per account in 5 minutes: nginx alternates the attempts between the two
    nodes, so only a counter they share refuses the 6th."""
    statuses, ids = [], []
    for attempt in range(6):
        client = TlsClient(cluster.nginx.url, cluster.responses)
        token = client.csrf("/auth/login")
        if attempt % 2:  # round robin: shift by one request so that the POSTs alternate
            client.request("GET", "/healthz")
        status, headers, _body = client.request("POST", "/auth/login", {
            "csrf_token": token, "login": cluster.limited.email, "password": "Wrong-Password-1"})
        statuses.append(status)
        ids.append(headers["X-Request-ID"])
    assert statuses == [422] * 5 + [429], statuses
    served_by = [[n.name for n in cluster.nodes if rid in n.log_text()] for rid in ids]
    assert {"node1", "node2"} <= {name for names in served_by for name in names}, served_by
    _no_traces(cluster)


def test_a_change_reaches_the_page_cache_of_the_other_node_within_a_second(cluster):
    def get(node):
        with urllib.request.urlopen(urllib.request.Request(node.url + "/units", headers={
                "Host": HOST, "X-Forwarded-Proto": "https"}), timeout=10) as response:
            return response.headers.get("X-Cache"), response.read().decode()

    for node in cluster.nodes:  # both workers of both nodes hold the page
        assert wait_for(lambda node=node: all(get(node)[0] == "hit" for _ in range(4)), 10)
    unit = cluster.unit
    unit.name = "部署测试局（更名）"
    record(None, "unit.update", unit, after={"name": unit.name})
    db.session.commit()  # a change made elsewhere (here: by the test's own process)
    changed = time.monotonic()
    node2 = cluster.nodes[1]
    first_seen = None
    while time.monotonic() - changed < 3:
        if "部署测试局（更名）" in get(node2)[1]:
            first_seen = time.monotonic() - changed
            break
        time.sleep(0.02)
    assert first_seen is not None and first_seen <= 1.1, first_seen
    time.sleep(max(0.0, 1.1 - (time.monotonic() - changed)))
    assert all("部署测试局（更名）" in get(node)[1] for node in cluster.nodes for _ in range(4))
    FIGURES["page cache refresh on the other node"] = f"{first_seen:.2f} s"


def test_registration_storm_through_nginx_on_two_nodes(cluster):
    started = time.perf_counter()
    clients = _log_in_all(cluster.nginx.url, cluster.responses, [p.email for p in cluster.people])
    path = f"/open-days/{cluster.activity.id}"
    tokens = [c.csrf(path) for c in clients]
    FIGURES["500 logins and form loads"] = f"{time.perf_counter() - started:.1f} s"
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def register(i):
        data = {"csrf_token": tokens[i], "slot_id": cluster.slot_id, "name": f"访客{i}", "mobile": "13900001234",
                "consent": "y"}
        barrier.wait()
        sent = time.perf_counter()
        status, headers, _body = clients[i].request("POST", path, data, timeout=60)
        results[i] = (status, headers.get("Location", ""), time.perf_counter() - sent)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(register, range(len(clients))))
    seconds = time.perf_counter() - started
    assert all(r[0] == 302 for r in results), sorted({r[0] for r in results})
    ids = [int(re.search(r"/me/open-days/(\d+)", r[1]).group(1)) for r in results]
    db.session.expire_all()
    rows = db.session.scalars(select(OpenRegistration).where(OpenRegistration.slot_id == cluster.slot_id)).all()
    assert sorted(r.id for r in rows) == sorted(ids)
    assert len([r for r in rows if r.status == "confirmed"]) == 50
    waiting = sorted((r for r in rows if r.status == "waiting"), key=lambda r: r.queue_no)
    assert [r.queue_no for r in waiting] == list(range(1, 451))
    latencies = sorted(r[2] for r in results)
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    FIGURES["storm"] = (f"500 registrations for 50 seats in {seconds:.2f} s, median "
                        f"{statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    cluster.clients = clients
    _no_traces(cluster)
    assert seconds < 60


def test_comment_burst_survives_a_killed_node_and_nginx_moves_to_the_other(cluster):
    clients = cluster.clients[:200]
    path = f"/consultations/{cluster.consultation.id}/comments"
    tokens = [c.csrf(f"/consultations/{cluster.consultation.id}") for c in clients]
    acknowledged: list[str] = []
    failures: list[tuple[float, object]] = []
    lock = threading.Lock()
    done = [0]
    killed_at: list[float] = []

    def post_all(i):
        for k in range(10):
            data = {"csrf_token": tokens[i], "section_id": cluster.section_id, "respondent_type": "citizen",
                    "show_as": "masked", "consent": "y",
                    "text": f"第{i}位市民的第{k}条意见：建议明确第{k % 9 + 1}项措施的责任部门和完成时限。"}
            try:
                status, headers, _body = clients[i].request("POST", path, data, timeout=60)
            except OSError as error:
                with lock:
                    failures.append((time.monotonic(), type(error).__name__))
                continue
            match = RECEIPT.search(headers.get("Location", "") or "") if status == 302 else None
            with lock:
                done[0] += 1
                if match:
                    acknowledged.append(match.group(1))
                else:
                    failures.append((time.monotonic(), status))

    def database_bytes() -> int:
        return int(db.session.execute(text("SELECT pg_database_size(current_database())")).scalar())

    size_before = database_bytes()
    db.session.rollback()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=50) as pool:
        futures = [pool.submit(post_all, i) for i in range(len(clients))]
        assert wait_for(lambda: done[0] >= 600, 180, 0.02)
        cluster.nodes[0].kill()
        killed_at.append(time.monotonic())
        for future in futures:
            future.result()
    seconds = time.perf_counter() - started

    db.session.expire_all()
    stored = set(db.session.scalars(select(Comment.tracking_number)
                                    .where(Comment.consultation_id == cluster.consultation.id)))
    assert set(acknowledged) <= stored  # every acknowledged comment is stored
    # Only requests in flight on the killed node fail (nginx answers 502 for them), all of them
    # right after the kill; the rest go to node 2.
    assert len(failures) <= 50, failures[:10]
    assert all(status in (502, "RemoteDisconnected", "ConnectionResetError") for _t, status in failures), failures
    failover = max((t for t, _s in failures), default=killed_at[0]) - killed_at[0]
    assert failover < 5, failover
    FIGURES["burst"] = (f"2,000 comments from 200 accounts in {seconds:.1f} s; node 1 killed after 600: "
                        f"{len(acknowledged)} acknowledged, all stored; {len(failures)} failed in flight")
    FIGURES["failover"] = f"last failed request {failover * 1000:.0f} ms after the kill"
    FIGURES["database growth per comment"] = f"{(database_bytes() - size_before) / max(len(stored), 1):.0f} bytes"
    # Survivors' traffic goes to node 2.
    ids = []
    for client in clients[:20]:
        status, headers, _body = client.request("GET", "/me/comments")
        assert status == 200
        ids.append(headers["X-Request-ID"])
    assert set(ids) <= request_ids_in(cluster.nodes[1].log_text())
    _no_traces(cluster)


def test_database_cut_for_ten_seconds_gives_503_in_chinese_then_full_service(cluster):
    client = cluster.clients[300]
    section = cluster.section_id
    path = f"/consultations/{cluster.consultation.id}/comments"
    token = client.csrf(f"/consultations/{cluster.consultation.id}")

    def comment(n):
        status, headers, _body = client.request("POST", path, {
            "csrf_token": token, "section_id": section, "respondent_type": "citizen", "show_as": "masked",
            "consent": "y", "text": f"断网测试第{n}条意见：请公开实施细则的时间表。"}, timeout=30)
        match = RECEIPT.search(headers.get("Location", "") or "") if status == 302 else None
        return status, match.group(1) if match else None

    acknowledged = [r for s, r in (comment(0),) if r]
    cluster.proxy.cut()
    cut_at = time.monotonic()
    seen = []
    while time.monotonic() - cut_at < 10:
        status, _headers, body = client.request("GET", "/me/comments", timeout=30)
        seen.append(status)
        assert status == 503, status
        assert "服务暂时不可用" in body
        status, receipt = comment(len(seen))
        assert status == 503 and receipt is None
        status, _headers, body = TlsClient(cluster.nginx.url, cluster.responses).request("GET", "/readyz")
        assert status == 503 and json.loads(body)["checks"]["database"] == "unreachable"
        assert TlsClient(cluster.nginx.url, cluster.responses).request("GET", "/healthz")[0] == 200
        time.sleep(0.5)
    cluster.proxy.restore()
    restored = time.monotonic()
    assert wait_for(lambda: client.request("GET", "/me/comments")[0] == 200, 15, 0.2)
    recovery = time.monotonic() - restored
    for n in range(3):
        status, receipt = comment(100 + n)
        assert status == 302 and receipt
        acknowledged.append(receipt)
    db.session.expire_all()
    stored = set(db.session.scalars(select(Comment.tracking_number)
                                    .where(Comment.consultation_id == cluster.consultation.id)))
    assert set(acknowledged) <= stored
    FIGURES["database cut"] = (f"{len(seen)} rounds of 503 in 10 s; served again {recovery:.1f} s after the "
                               f"connection came back")
    _no_traces(cluster)


def test_redis_stopped_the_portal_keeps_serving_and_says_so(cluster):
    cluster.redis.stop()
    client = TlsClient(cluster.nginx.url, cluster.responses)
    token = client.csrf("/auth/login")
    for _ in range(3):
        status, _headers, body = client.request("POST", "/auth/login", {
            "csrf_token": token, "login": cluster.people[0].email, "password": "Wrong-Password-1"})
        assert status == 422, status  # the limiter counts in memory; the form answers
    client.log_in(cluster.people[1].email, PASSWORD)
    assert client.request("GET", "/me/comments")[0] == 200
    status, _headers, body = client.request("GET", "/readyz")
    assert status == 503 and json.loads(body)["checks"] == {"database": "ok", "redis": "unreachable"}
    node = cluster.nodes[1]
    assert wait_for(lambda: "falling back to in-memory storage" in node.log_text().lower()
                    or "falling back" in node.log_text().lower(), 5)
    _no_traces(cluster)

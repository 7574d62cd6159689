"""CPU of one open-day registration POST, as a flash crowd sends them.

    python -m tests.perf.registration                  # 300 registrations for 50 seats, SQLite
    python -m tests.perf.registration --profile 25     # and cProfile's 25 costliest functions
    python -m tests.perf.registration --database-url postgresql://postgres@127.0.0.1:5432/bench

Builds an activity with one slot of 50 seats and ``--people`` verified residents in a fresh
database, logs each in (a session of its own, as a browser has) and fetches the page with the
form (its CSRF token), then posts one registration each, with CSRF checked, the page cache on and
mail queued but not sent (as the load test's server runs). Each POST's CPU is the process's CPU
time (``time.process_time``) spent inside the WSGI application, so the test client itself is not
counted; the median and p95 are printed for confirmed and wait-listed registrations (a confirmed
one also makes the check-in QR code for its email). Target (docs/product.md §6): ≤ 5 ms.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

TARGET_MS = 5.0
JULY = datetime(2026, 7, 15, 10, 0)
BASE = "http://127.0.0.1"  # PORTAL_BASE_URL: other host names are refused
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class CpuMeter:
    """WSGI middleware: the process CPU time of each request, in ms, optionally profiled."""

    def __init__(self, app):
        self.app = app
        self.samples: list[float] = []
        self.reference: list[float] = []  # the bare route /healthz, for scale on a loaded machine
        self.profiler: cProfile.Profile | None = None

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "POST" and environ["PATH_INFO"] != "/healthz":
            return self.app(environ, start_response)
        started = time.process_time()
        if self.profiler is not None:
            self.profiler.enable()
        try:
            body = list(self.app(environ, start_response))
        finally:
            if self.profiler is not None:
                self.profiler.disable()
        (self.samples if environ["REQUEST_METHOD"] == "POST" else self.reference).append(
            (time.process_time() - started) * 1000)
        return body


class LockMeter:
    """How long each transaction held SQLite's write lock: from its ``BEGIN IMMEDIATE`` (taken by
    ``portal.database.savepoint`` before the first write) to its commit or rollback. Two workers
    write one after the other, so this, not the CPU per POST, bounds a storm's throughput."""

    def __init__(self, engine):
        from sqlalchemy import event

        from portal import database

        self.samples: list[float] = []
        self.profiler: cProfile.Profile | None = None  # profiles only what runs while the lock is held
        self._locked_at: dict[int, float] = {}
        take = database._begin_immediate

        def timed(dbapi_connection):
            take(dbapi_connection)
            self._locked_at[id(dbapi_connection)] = time.perf_counter()
            if self.profiler is not None:
                self.profiler.enable()

        database._begin_immediate = timed
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _end(self, conn):
        started = self._locked_at.pop(id(conn.connection.dbapi_connection), None)
        if started is not None:
            if self.profiler is not None:
                self.profiler.disable()
            self.samples.append((time.perf_counter() - started) * 1000)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile the POSTs and print the N costliest functions (cumulative)")
    parser.add_argument("--profile-lock", type=int, default=0, metavar="N",
                        help="profile only while SQLite's write lock is held; print the N costliest")
    args = parser.parse_args(argv)

    from portal import create_app
    from portal.accounts.models import Account
    from portal.extensions import db
    from portal.open_days.models import OpenRegistration
    from portal.open_days.services import add_slot, create_activity
    from portal.units.models import Unit

    workdir = Path(tempfile.mkdtemp(prefix="registration-"))
    url = args.database_url or f"sqlite:///{workdir / 'registration.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789",
                      "MAIL_BACKEND": "null", "MAIL_SEND_AFTER_REQUEST": False, "RATELIMIT_ENABLED": False,
                      "PAGE_CACHE_SECONDS": 30, "CLOCK_NOW": JULY, "SESSION_COOKIE_SECURE": False,
                      "PORTAL_BASE_URL": BASE},
                     instance_path=str(workdir / "instance"))
    meter = CpuMeter(app.wsgi_app)
    app.wsgi_app = meter  # type: ignore[method-assign]
    with app.app_context():
        db.drop_all()
        db.create_all()
        unit = Unit(name="青松区规划和自然资源局", short_name="区规划资源局", slug="bench-ghzy", kind="bureau")
        db.session.add(unit)
        db.session.flush()
        activity = create_activity(None, dict(
            unit_id=unit.id, title="城市更新规划展示馆政府开放日", theme="城市更新", kind="open_day",
            description="参观规划展示馆，听取城市更新规划介绍并现场答疑。", place="青松区城中东路 27 号",
            accessibility="设无障碍通道。", registration_opens_at=datetime(2026, 7, 1, 9, 0),
            registration_closes_at=datetime(2026, 8, 9, 17, 0), cancel_cutoff_hours=24,
            id_check_required=True))
        slot = add_slot(None, activity, {"starts_at": datetime(2026, 8, 10, 9, 30),
                                         "ends_at": datetime(2026, 8, 10, 11, 0), "capacity": args.seats})
        people = [Account(email=f"visitor{i}@example.com", name=f"访客{i}", role="resident",
                          password_hash="x", session_token=f"bench-{i:05d}", verified_at=datetime(2026, 1, 1))
                  for i in range(args.people)]
        db.session.add_all(people)
        db.session.commit()
        activity_id, slot_id = activity.id, slot.id
        user_ids = [p.get_id() for p in people]
        db.session.remove()

    with app.app_context():
        lock = LockMeter(db.engine) if not url.startswith("postgres") else None
    path = f"/open-days/{activity_id}"
    clients = []
    page_ms: list[float] = []  # the page with the form, for a logged-in resident (never cached)
    for user_id in user_ids:
        client = app.test_client()
        with client.session_transaction(base_url=BASE) as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
        started = time.perf_counter()
        page = client.get(path, base_url=BASE)
        page_ms.append((time.perf_counter() - started) * 1000)
        token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
        clients.append((client, token))
    if args.profile:
        meter.profiler = cProfile.Profile()
    if args.profile_lock and lock is not None:
        lock.profiler = cProfile.Profile()
    statuses = []
    for i, (client, token) in enumerate(clients):
        response = client.post(path, base_url=BASE, data={"csrf_token": token, "slot_id": slot_id, "name": f"访客{i}",
                                           "mobile": "13900001234", "id_last4": "123X", "consent": "y"})
        statuses.append(response.status_code)
    for _i in range(len(clients)):
        app.test_client().get("/healthz", base_url=BASE)
    if any(s != 302 for s in statuses):
        print("not every registration was accepted:", sorted(set(statuses)))
        return 1
    with app.app_context():
        rows = db.session.scalars(db.select(OpenRegistration).where(OpenRegistration.slot_id == slot_id)
                                  .order_by(OpenRegistration.id)).all()
        confirmed = sum(1 for r in rows if r.status == "confirmed")
        queue = [r.queue_no for r in rows if r.status == "waiting"]
        assert confirmed == min(args.seats, args.people) and queue == list(range(1, len(queue) + 1))
        db.engine.dispose()
    samples = meter.samples
    seats = min(args.seats, len(samples))
    groups = [("all", samples), ("confirmed (QR code for the email)", samples[:seats]),
              ("wait-listed", samples[seats:])]
    print(f"{len(samples)} registration POSTs, {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}"
          f"{', profiled (slower)' if args.profile else ''}: CPU per POST")
    for name, values in groups:
        if values:
            ordered = sorted(values)
            print(f"  {name}: median {statistics.median(values):.2f} ms, "
                  f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.2f} ms (target ≤ {TARGET_MS:.0f} ms)")
    if lock is not None and lock.samples:
        held = sorted(lock.samples)
        print(f"  SQLite write lock held per POST: median {statistics.median(held):.2f} ms, "
              f"p95 {held[int(0.95 * (len(held) - 1))]:.2f} ms")
    print(f"  the page with the form, logged in: median {statistics.median(page_ms):.1f} ms, "
          f"p95 {sorted(page_ms)[int(0.95 * (len(page_ms) - 1))]:.1f} ms (uncached target ≤ 15 / 40 ms)")
    print(f"  (the bare route /healthz: median {statistics.median(meter.reference):.2f} ms of CPU in the same run)")
    for profiler, top in ((meter.profiler, args.profile), (lock.profiler if lock else None, args.profile_lock)):
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Times the public message board on 100,000 messages (10 % published): the list, a unit filter,
a 1- and a 2-character search and the API, server-side through the WSGI app (no network), as
medians and p95 over repeated requests. ``python -m tests.perf.board [--scale 1] [--database URL]``.

The messages come from ``generate.generate_board`` (the benchmark dataset's board part) with 20
units and 2,000 residents; the rest of the dataset does not change these queries."""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime

from sqlalchemy import select

from portal import create_app
from portal.accounts.models import Account
from portal.extensions import db
from portal.units.models import Unit

from .generate import generate_board


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="board-bench-")
    url = args.database or f"sqlite:///{folder}/board.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789",
                      "TESTING": True, "PAGE_CACHE_SECONDS": 0, "RATELIMIT_ENABLED": False,
                      "CLOCK_NOW": datetime(2026, 11, 30, 10, 0)}, instance_path=folder)
    with app.app_context():
        db.drop_all()
        db.create_all()
        units = [Unit(name=f"单位{i}", short_name=f"单位{i}", slug=f"u{i}", kind="bureau") for i in range(20)]
        db.session.add_all(units)
        db.session.flush()
        db.session.add_all([Account(email=f"r{i}@bench.example.com", name="某", role="resident", password_hash="x",
                                    session_token="t") for i in range(2000)])
        db.session.flush()
        residents = db.session.scalars(select(Account.id)).all()
        started = time.perf_counter()
        generate_board(int(100_000 * args.scale), units, [], residents, random.Random(1),
                       datetime(2026, 11, 30, 10, 0), print)
        db.session.commit()
        print(f"generated in {time.perf_counter() - started:.1f}s")
        unit_id = units[3].id
    client = app.test_client()
    pages = {"/board": "/board", "/board?unit": f"/board?unit={unit_id}", "/board?q=电 (1 char)": "/board?q=电",
             "/board?q=电梯 (2 chars)": "/board?q=电梯", "/board?q=电梯&page=20": "/board?q=电梯&page=20",
             "/api/v1/messages?q=电梯": "/api/v1/messages?q=电梯"}
    for label, path in pages.items():
        assert client.get(path).status_code == 200, path
        times, cpu = [], []
        for _ in range(args.runs):
            t, c = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            assert response.status_code == 200
        times.sort()
        cpu.sort()
        # Wall time waits for the CPU on a shared machine; CPU time is the request's own cost
        # (the database runs in this process on SQLite).
        print(f"{label:28s} wall median {statistics.median(times):6.1f} p95 {times[int(len(times) * 0.95) - 1]:6.1f} ms"
              f" | CPU median {statistics.median(cpu):6.1f} p95 {cpu[int(len(cpu) * 0.95) - 1]:6.1f} ms")


if __name__ == "__main__":
    main()

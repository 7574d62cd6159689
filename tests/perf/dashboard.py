"""How the district office's pages grow with the number of decisions.

    python -m tests.perf.dashboard --scale 1                   # docs/product.md §6 dataset
    python -m tests.perf.dashboard --scale 1 --items-factor 10 # ten times the decisions
    python -m tests.perf.dashboard --smoke                     # tiny dataset (CI)

Builds the benchmark dataset (tests/perf/generate.py) into a fresh SQLite file (or
``--database-url``), then times the oversight pages in-process through the Flask test client as
an admin and as one unit's staff: server time only, median of ``--runs`` requests after one
warm-up. Target (issue "costs that stay flat"): each < 300 ms at 1×, less than 2× at 10× the
decisions.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

TARGET_MS = 300


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--items-factor", type=float, default=1.0)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="time the pages on the data already in --database-url (built by an earlier run)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.scale, args.runs = 0.002, 2

    from portal import clock, create_app
    from portal.accounts.models import Account
    from portal.extensions import db

    from .generate import generate

    workdir = Path(tempfile.mkdtemp(prefix="dashboard-"))
    url = args.database_url or f"sqlite:///{workdir / 'dashboard.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789",
                      "TESTING": True, "MAIL_BACKEND": "null", "PAGE_CACHE_SECONDS": 0,
                      "WTF_CSRF_ENABLED": False}, instance_path=str(workdir / "instance"))
    with app.app_context():
        if args.reuse and args.database_url:
            admin = db.session.scalar(db.select(Account).where(Account.email == "admin@bench.example.gov.cn"))
            ids = {"year": clock.today().year}
        else:
            db.drop_all()
            db.create_all()
            ids = generate(args.scale, items_factor=args.items_factor, log=lambda m: None)
            admin = Account(email="admin@bench.example.gov.cn", name="区政府办公室", role="admin",
                            password_hash="x", session_token="bench-admin")
            db.session.add(admin)
            db.session.commit()
            print(f"data in {url}")
        staff = db.session.scalar(db.select(Account).where(Account.role == "staff").order_by(Account.id))
        people = {"admin": admin.get_id(), "staff": staff.get_id()}
        year = ids.get("year")
        decisions = db.session.scalar(db.text("SELECT count(*) FROM decision_item"))
    pages = [("admin", "/admin/compliance?year=%s" % year), ("admin", "/admin"),
             ("admin", "/admin/compliance.xlsx?year=%s" % year), ("admin", "/staff"),
             ("staff", "/staff"), ("staff", "/staff/feedback")]
    print(f"| page ({decisions:,} decisions, scale {args.scale}×, decisions ×{args.items_factor}) "
          f"| as | median ms | max ms |")
    print("|---|---|---:|---:|")
    worst = 0.0
    for who, path in pages:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = people[who]
            session["_fresh"] = True
        timings = []
        for _ in range(args.runs + 1):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                print(f"{path} as {who}: HTTP {response.status_code}")
                return 1
        median = statistics.median(timings[1:])
        worst = max(worst, median)
        print(f"| `{path}` | {who} | {median:.0f} | {max(timings[1:]):.0f} |")
    print(f"\nslowest median {worst:.0f} ms (target < {TARGET_MS} ms at 1×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

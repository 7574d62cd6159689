"""Two datasets built by ``tests.perf.dashboard`` (e.g. 1× and 10× the decisions), timed
interleaved, so that a busy machine slows both alike:

    python -m tests.perf.dashboard_compare sqlite:///1x.sqlite3 sqlite:///10x.sqlite3 --rounds 15

For each page: one warm-up each, then ``--rounds`` rounds of (first, second); prints the medians and
the ratio second/first (target: each page < 300 ms, ratio < 2 at 10× the decisions).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time


def _client(url: str, who: str, workdir: str):
    from portal import create_app
    from portal.accounts.models import Account
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789",
                      "TESTING": True, "MAIL_BACKEND": "null", "PAGE_CACHE_SECONDS": 0,
                      "WTF_CSRF_ENABLED": False}, instance_path=workdir)
    with app.app_context():
        if who == "admin":
            account = db.session.scalar(db.select(Account).where(Account.email == "admin@bench.example.gov.cn"))
        else:
            account = db.session.scalar(db.select(Account).where(Account.role == "staff").order_by(Account.id))
        decisions = db.session.scalar(db.text("SELECT count(*) FROM decision_item"))
        user_id = account.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client, decisions


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    from portal import clock

    year = clock.today().year
    pages = [("admin", f"/admin/compliance?year={year}"), ("admin", "/admin"),
             ("admin", f"/admin/compliance.xlsx?year={year}"), ("admin", "/staff"), ("staff", "/staff")]
    workdir = tempfile.mkdtemp(prefix="dashboard-compare-")
    header = False
    for who, path in pages:
        (one, n1), (two, n2) = _client(args.first, who, workdir), _client(args.second, who, workdir)
        if not header:
            print(f"| page | as | median ms, {n1:,} decisions | median ms, {n2:,} decisions | ratio |")
            print("|---|---|---:|---:|---:|")
            header = True
        times: dict[int, list[float]] = {0: [], 1: []}
        for client in (one, two):
            assert client.get(path).status_code == 200, path
        for _ in range(args.rounds):
            for index, client in enumerate((one, two)):
                started = time.perf_counter()
                response = client.get(path)
                times[index].append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    print(f"{path} as {who}: HTTP {response.status_code}")
                    return 1
        a, b = statistics.median(times[0]), statistics.median(times[1])
        print(f"| `{path}` | {who} | {a:.0f} | {b:.0f} | {b / a:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

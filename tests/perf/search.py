"""Search time by query length, at the benchmark's number of decisions.

    python -m tests.perf.search --scale 1
    python -m tests.perf.search --scale 1 --database-url postgresql://postgres@127.0.0.1:5432/bench

Builds only what search reads, as tests/perf/generate.py does (20 units, 10,000 decision items at
1× with the same titles, summaries and backgrounds, and their search tokens), into a fresh
database, then times the public catalogue search ``/catalogue?q=...`` in-process through the Flask
test client, page cache off (what the first visitor after a change waits): the median of
``--runs`` requests after one warm-up, for queries of 1, 2, 4 and 13 characters, a 13-character
one that matches nothing, and a mixed Chinese and Latin one. Target (docs/product.md §6, issue
"costs that stay flat"): each ≤ 200 ms on both databases at 1×.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

TARGET_MS = 200
QUERIES = [
    ("1 character", "垃"),
    ("2 characters", "垃圾"),
    ("4 characters", "垃圾分类"),
    ("13 characters", "关于生活垃圾分类的实施意见"),
    ("13 characters, no match", "关于生活垃圾分类的停车办法"),
    ("Chinese and Latin", "垃圾分类 2026"),
]


def build(scale: float) -> int:
    from sqlalchemy import select

    from portal.catalogue.models import DecisionItem
    from portal.extensions import db
    from portal.search import _REGISTRY, SearchToken, token_rows
    from portal.units.models import Unit

    from .generate import FORMS, SUBJECTS, Sizes, _bulk

    rng = random.Random(20261122)
    sizes = Sizes.at(scale)
    units = [Unit(name=f"青松区第{i}委办局", short_name=f"单位{i}", slug=f"unit-{i}", kind="bureau")
             for i in range(sizes.units)]
    db.session.add_all(units)
    db.session.flush()
    now = datetime(2026, 11, 30, 10, 0)
    years = [2024, 2025, 2026]
    rows = []
    for i in range(sizes.items):
        subject, year = rng.choice(SUBJECTS), years[i % 3]
        rows.append({"unit_id": units[i % len(units)].id, "year": year, "code": f"{year}-{i:05d}", "kind": "major",
                     "title": f"关于{subject}的{rng.choice(FORMS)}（{year}年第{i // len(units) + 1}号）",
                     "summary": f"围绕{subject}，明确目标任务、职责分工和保障措施，回应群众关切。",
                     "legal_basis": "", "background": f"{subject}是群众关心的民生实事，需要统筹推进。",
                     "planned_quarter": 1, "hearing_planned": False, "risk_assessment": False,
                     "expert_review": False, "legality_review": True, "status": "decided", "status_reason": "",
                     "created_at": now, "updated_at": now})
    _bulk(DecisionItem.__table__, rows)
    items = db.session.execute(select(DecisionItem.id, DecisionItem.title, DecisionItem.summary,
                                      DecisionItem.background)).all()
    registration = next(r for r in _REGISTRY.values() if r.model is DecisionItem)
    _bulk(SearchToken.__table__, (token for row in items for token in token_rows(registration, row)))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load: statistics for the planner, and a visibility
        # map so that counting a term reads the index only.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE search_token")
    return len(items)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    from portal import create_app
    from portal.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="search-"))
    url = args.database_url or f"sqlite:///{workdir / 'search.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789",
                      "TESTING": True, "MAIL_BACKEND": "null", "PAGE_CACHE_SECONDS": 0},
                     instance_path=str(workdir / "instance"))
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        n = build(args.scale)
        print(f"{n} decision items indexed in {time.perf_counter() - started:.0f} s "
              f"({'PostgreSQL' if url.startswith('postgres') else 'SQLite'}, scale {args.scale})")
        db.session.remove()
    client = app.test_client()
    failed = False
    for name, q in QUERIES:
        path = "/catalogue?q=" + urllib.parse.quote(q)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _i in range(args.runs):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        failed |= median > TARGET_MS
        print(f"  {name:25s} {q:14s} median {median:6.1f} ms, max {max(times):6.1f} ms "
              f"{'met' if median <= TARGET_MS else 'NOT met'} (≤ {TARGET_MS} ms)")
    if url.startswith("postgres"):
        with app.app_context():
            db.drop_all()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

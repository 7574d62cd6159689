"""The site-wide search and the consultations' search on the benchmark dataset.

    python -m tests.perf.sitesearch --scale 1                      # docs/product.md §6 dataset, SQLite
    python -m tests.perf.sitesearch --scale 1 --database-url postgresql://...
    python -m tests.perf.sitesearch --smoke                        # tiny dataset (CI)

Builds the benchmark dataset (tests/perf/generate.py), then times each search page in-process
through the Flask test client as an anonymous visitor with the page cache off (every request
renders): server time, median and p95 of ``--runs`` requests after one warm-up. Target
(docs/product.md §6): a 2-character Chinese query returns in ≤ 200 ms; pages median ≤ 15 ms.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.parse
from pathlib import Path

TARGET_SEARCH_MS = 200

QUERIES = [
    ("/search?q=%s", "垃圾", "whole site, 2 characters"),
    ("/search?q=%s", "职责", "whole site, 2 characters in every section of every draft"),
    ("/search?q=%s", "城市更新", "whole site, 4 characters"),
    ("/search?q=%s", "垃", "whole site, 1 character"),
    ("/search?kind=consultation&q=%s", "职责", "one kind, page 1"),
    ("/consultations?q=%s", "职责", "consultations, draft text, 2 characters"),
    ("/consultations?show=all&q=%s", "垃圾", "consultations, title, 2 characters"),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--no-build", action="store_true", help="time a dataset already in --database-url")
    args = parser.parse_args(argv)
    if args.smoke:
        args.scale, args.runs = 0.002, 2

    from portal import create_app
    from portal.extensions import db

    from .generate import generate

    workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'search.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789",
                      "TESTING": True, "MAIL_BACKEND": "null", "PAGE_CACHE_SECONDS": 0},
                     instance_path=str(workdir / "instance"))
    started = time.perf_counter()
    with app.app_context():
        if not args.no_build:
            db.drop_all()
            db.create_all()
            generate(args.scale, log=lambda m: None)
        tokens = db.session.scalar(db.text("SELECT count(*) FROM search_token"))
    built = time.perf_counter() - started
    print(f"Dataset scale {args.scale}× built in {built:.0f} s ({tokens:,} search tokens), "
          f"{url.split(':')[0]}, {args.runs} requests each after a warm-up, page cache off.")
    print()
    print("| page | query | median ms | p95 ms |")
    print("|---|---|---:|---:|")
    failed = False
    client = app.test_client()
    for path, word, label in QUERIES:
        target = path % urllib.parse.quote(word)
        timings = []
        for _ in range(args.runs + 1):
            began = time.perf_counter()
            response = client.get(target)
            timings.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                print(f"{target}: HTTP {response.status_code}")
                return 1
        timings = sorted(timings[1:])
        median = statistics.median(timings)
        p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
        failed |= median > TARGET_SEARCH_MS
        print(f"| `{path.split('?')[0]}` ({label}) | {word} | {median:.1f} | {p95:.1f} |")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: public pages on the large dataset against a bare route, served the same way.

    python -m tests.perf.bench                  # full dataset (docs/product.md §6) on SQLite
    python -m tests.perf.bench --database-url postgresql://postgres@127.0.0.1:5432/bench
    python -m tests.perf.bench --smoke          # tiny dataset, short runs: CI's smoke run

It builds the dataset (tests/perf/generate.py) into a fresh database, serves the portal with
gunicorn (2 sync workers) on loopback and drives each page with wrk from a second process. For each
page it reports what a visitor waits (client-side p50 / p95 / p99 from wrk, queueing included),
the server-side median and p95 (gunicorn's access log), requests per second, and throughput as a
ratio to the bare route ``/healthz`` (no database, same app, same middleware) measured just before
and just after that page (bare, page, bare, page, bare...), so that a change in the machine's load
during the run does not drift the ratios. Besides one hot URL per page, mixed runs spread requests
over many ids (with the page cache's hit rate). Every response's status is counted: any non-200
fails the run. ``--scale`` sizes the dataset (0.1, 1, 10). Targets (docs/product.md §6): median ≤ 15 ms,
p95 ≤ 40 ms, throughput ≥ 40 % of the bare route, a 2-character search ≤ 200 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import urllib.parse
from datetime import date
from pathlib import Path

from .runner import Result, Server, measure

TARGET_MEDIAN_MS = 15
TARGET_P95_MS = 40
TARGET_RATIO = 0.40
TARGET_SEARCH_MS = 200


def build(database_url: str, scale: float, workdir: Path) -> dict:
    from portal import create_app
    from portal.extensions import db

    from .generate import generate

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-secret-key-0123456789",
                      "TESTING": True, "MAIL_BACKEND": "null"}, instance_path=str(workdir / "instance"))
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        ids = generate(scale)
        ids["build_seconds"] = round(time.perf_counter() - started, 1)
        ids["scale"] = scale
        db.session.remove()
        db.engine.dispose()
    return ids


def pages(ids: dict) -> list[tuple[str, list[str]]]:
    q = urllib.parse.quote("垃圾")
    q4 = urllib.parse.quote("垃圾分类")
    duty = urllib.parse.quote("职责")  # in every section of every generated draft
    many = [
        ("mixed: /decisions/<id> over %d ids" % len(ids.get("decision_ids", [])),
         [f"/decisions/{i}" for i in ids.get("decision_ids", [])]),
        ("mixed: /consultations/<id> over %d ids" % len(ids.get("consultation_ids", [])),
         [f"/consultations/{i}" for i in ids.get("consultation_ids", [])]),
        ("mixed: /feedback/<id> over %d ids" % len(ids.get("feedback_decision_ids", [])),
         [f"/feedback/{i}" for i in ids.get("feedback_decision_ids", [])]),
        ("mixed: /open-days/<id> over %d ids" % len(ids.get("activity_ids", [])),
         [f"/open-days/{i}" for i in ids.get("activity_ids", [])]),
        ("mixed: /catalogue?unit=… over %d units" % len(ids.get("unit_slugs", [])),
         [f"/catalogue?unit={slug}&year={ids['year']}" for slug in ids.get("unit_slugs", [])]),
    ]
    return [
        ("/catalogue (filtered: unit, year, status)", [f"/catalogue?unit={ids['unit_slug']}&year={ids['year']}&status=decided"]),
        ("/decisions/<id>", [f"/decisions/{ids['decision']}"]),
        ("/consultations/<id> (200,000 comments)", [f"/consultations/{ids['big_consultation']}"]),
        ("/feedback/<id>", [f"/feedback/{ids['report_decision']}"]),
        ("/open-days", ["/open-days"]),
        ("/open-days/<id>", [f"/open-days/{ids['activity']}"]),
        ("/api/v1/decisions", ["/api/v1/decisions"]),
        ("search: /catalogue?q=垃圾 (2 characters)", [f"/catalogue?q={q}"]),
        ("search: /catalogue?q=垃圾分类 (4 characters)", [f"/catalogue?q={q4}"]),
        ("search: /search?q=垃圾 (whole site, 2 characters)", [f"/search?q={q}"]),
        ("search: /search?q=职责 (whole site, 2 characters in every draft)", [f"/search?q={duty}"]),
        ("search: /consultations?q=职责 (draft text, 2 characters)", [f"/consultations?q={duty}"]),
    ] + [(name, paths) for name, paths in many if paths]


BARE = ("bare route /healthz", ["/healthz"])


def table(results: list[Result], meta: dict) -> str:
    lines = [
        f"Run {meta['date']} on {meta['machine']}, database {meta['database']}, dataset scale {meta['scale']} "
        f"(built in {meta['build_seconds']} s), gunicorn 2 sync workers, wrk {meta['connections']} connections "
        f"× {meta['duration']} s per page, anonymous page cache {'on' if meta['page_cache'] else 'off'}.",
        "",
        "| page | client p50 / p95 / p99 ms | server median / p95 ms (≤ 15 / 40) | requests/s "
        "| ratio to adjacent bare (≥ 0.40) | cache hits | non-200 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.ratio():.2f}" if r.bare_rps else "—"
        lines.append(f"| {r.name} | {r.client_p50_ms:.1f} / {r.client_p95_ms:.1f} / {r.client_p99_ms:.1f} "
                     f"| {r.median_ms:.1f} / {r.p95_ms:.1f} | {r.rps:.0f} | {ratio} "
                     f"| {r.hit_rate:.0%} | {r.errors} |")
    return "\n".join(lines)


def verdicts(results: list[Result]) -> list[str]:
    out = []
    for r in results:
        if r.name.startswith("search"):
            ok = r.client_p50_ms <= TARGET_SEARCH_MS
            out.append(f"{'met' if ok else 'NOT met'}: {r.name} client median {r.client_p50_ms:.1f} ms ≤ {TARGET_SEARCH_MS} ms")
            continue
        checks = [(r.median_ms <= TARGET_MEDIAN_MS, f"median {r.median_ms:.1f} ms ≤ {TARGET_MEDIAN_MS}"),
                  (r.p95_ms <= TARGET_P95_MS, f"p95 {r.p95_ms:.1f} ms ≤ {TARGET_P95_MS}"),
                  (r.ratio() >= TARGET_RATIO, f"ratio {r.ratio():.2f} ≥ {TARGET_RATIO}")]
        for ok, text in checks:
            out.append(f"{'met' if ok else 'NOT met'}: {r.name} {text}")
    return out


def run_pages(server: Server, page_list: list[tuple[str, list[str]]], duration: int, connections: int,
              log=print) -> list[Result]:
    """bare, page, bare, page, ..., bare: each page's ratio is taken against the mean of the bare
    runs just before and just after it."""
    bare = measure(server, BARE[0], BARE[1], duration, connections)
    results = []
    for name, paths in page_list:
        result = measure(server, name, paths, duration, connections)
        after = measure(server, BARE[0], BARE[1], duration, connections)
        result.bare_rps = (bare.rps + after.rps) / 2
        log(f"  {name}: client p50 {result.client_p50_ms:.1f} / p99 {result.client_p99_ms:.1f} ms, "
            f"server median {result.median_ms:.1f} ms, {result.rps:.0f} req/s, ratio {result.ratio():.2f}, "
            f"hits {result.hit_rate:.0%}, non-200 {result.errors}")
        results.append(result)
        bare = after
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a database to fill (it is emptied first); default: a new SQLite file")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--smoke", action="store_true", help="tiny dataset and 2-second runs; fails on any error")
    parser.add_argument("--no-page-cache", action="store_true",
                        help="turn the anonymous page cache off: measures rendering every request")
    parser.add_argument("--ids", help="JSON file of the dataset's ids: written after a build; if it exists "
                                      "already, the database at --database-url is served as it is")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args(argv)
    if args.smoke:
        args.scale, args.duration, args.connections = 0.002, 2, 4

    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if args.ids and Path(args.ids).exists() and args.database_url:
        ids = json.loads(Path(args.ids).read_text(encoding="utf-8"))
        print("reusing the dataset described in", args.ids, flush=True)
        if ids.get("scale", args.scale) != args.scale:  # the table says the scale that was built
            print(f"that dataset was built at scale {ids['scale']}, not {args.scale}", flush=True)
            args.scale = ids["scale"]
    else:
        print(f"building the dataset at scale {args.scale} into {database_url.split('@')[-1]}", flush=True)
        ids = build(database_url, args.scale, workdir)
        if args.ids:
            Path(args.ids).write_text(json.dumps(ids), encoding="utf-8")
    env = {"PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": "bench-secret-key-0123456789abcdef",
           "PORTAL_BASE_URL": "http://127.0.0.1",
           "PORTAL_MAIL_BACKEND": "null", "PORTAL_RATELIMIT_ENABLED": "0", "PORTAL_MAIL_SEND_AFTER_REQUEST": "0",
           "PORTAL_PAGE_CACHE_SECONDS": "0" if args.no_page_cache else "30"}
    with Server(env, workdir) as server:
        results = run_pages(server, pages(ids), args.duration, args.connections,
                            log=lambda line: print(line, flush=True))
    meta = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores, {platform.machine()}",
            "database": "PostgreSQL" if database_url.startswith("postgres") else "SQLite",
            "scale": args.scale, "build_seconds": ids["build_seconds"], "connections": args.connections,
            "duration": args.duration, "page_cache": not args.no_page_cache}
    print()
    print(table(results, meta))
    print()
    print("\n".join(verdicts(results)))
    if args.out:
        Path(args.out).write_text(json.dumps({"meta": meta, "results": [r.__dict__ for r in results]},
                                             ensure_ascii=False, indent=2), encoding="utf-8")
    errors = sum(r.errors for r in results)
    if errors:
        print(f"{errors} requests were not answered 200: the run fails", file=sys.stderr)
        for r in results:
            if r.errors:
                print(f"  {r.name}: statuses {r.statuses}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Serve the portal with gunicorn (2 workers) on loopback and drive it with wrk.

What a visitor waits is measured by wrk itself, in its own process: client-side latency
percentiles (p50, p95, p99, including the wait for a free worker) and throughput, with every
response's status counted by a small Lua script (any non-200 fails the run) and, for the page
cache, its ``X-Cache`` header. Server-side latency (median, p95) comes from gunicorn's access log,
which records each request's duration in microseconds; the difference between the two is time
spent queued. A run may spread its requests over many URLs (``paths``), picked at random.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    name: str
    path: str
    requests: int
    rps: float
    median_ms: float          # server side (gunicorn's access log)
    p95_ms: float
    p99_ms: float
    errors: int               # 5xx in the access log + non-200 seen by the client
    client_p50_ms: float = float("nan")
    client_p95_ms: float = float("nan")
    client_p99_ms: float = float("nan")
    statuses: dict | None = None
    cache_hits: int = 0
    bare_rps: float = 0.0     # mean throughput of the bare-route runs just before and after

    def ratio(self, baseline: "Result | None" = None) -> float:
        reference = self.bare_rps or (baseline.rps if baseline else 0.0)
        return self.rps / reference if reference else 0.0

    @property
    def hit_rate(self) -> float:
        return self.cache_hits / self.requests if self.requests else 0.0


# Counts statuses and cache hits per thread, spreads requests over the paths in PATHS (one a
# line), and prints the client-side latency percentiles in microseconds at the end.
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {}; hits = 0 end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if headers["X-Cache"] == "hit" then hits = hits + 1 end
end
function done(summary, latency, requests)
  local total = {}
  local all_hits = 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
    all_hits = all_hits + thread:get("hits")
  end
  for status, n in pairs(total) do io.write(string.format("STATUS %d %d\\n", status, n)) end
  io.write(string.format("HITS %d\\n", all_hits))
  io.write(string.format("LATENCY %d %d %d\\n", latency:percentile(50), latency:percentile(95),
                         latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers, access log with durations, on a free loopback port."""

    def __init__(self, env: dict[str, str], workdir: Path, workers: int = 2):
        self.port = free_port()
        self.log = workdir / "access.log"
        self.env = {**os.environ, **env}
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.workdir = workdir

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Server":
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        self.proc = subprocess.Popen(
            [gunicorn, "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--access-logfile", str(self.log), "--access-logformat", "%(U)s %(s)s %(D)s",
             "--log-level", "warning", "--timeout", "120", "--error-logfile", str(self.workdir / "error.log"),
             "portal:create_app()"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start: " + self.errors())

    def errors(self) -> str:
        path = self.workdir / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def __exit__(self, *exc):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def log_offset(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def durations_since(self, offset: int) -> tuple[list[float], int]:
        """Durations in ms of the requests logged since ``offset``, and the count of 5xx."""
        with self.log.open("rb") as fh:
            fh.seek(offset)
            lines = fh.read().decode("utf-8", "replace").splitlines()
        durations, errors = [], 0
        for line in lines:
            parts = line.rsplit(" ", 2)
            if len(parts) != 3 or not parts[2].isdigit():
                continue
            if parts[1].startswith("5"):
                errors += 1
            durations.append(int(parts[2]) / 1000.0)
        return durations, errors


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[index]


@dataclass
class WrkRun:
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[int, int]
    hits: int

    @property
    def not_ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)


def wrk(base_url: str, paths: list[str], duration: int, connections: int, workdir: Path,
        threads: int = 1) -> WrkRun:
    """Run wrk over ``paths`` (picked at random for each request)."""
    script = workdir / "bench.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    path_file = workdir / "paths.txt"
    path_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                          "-s", str(script), base_url], capture_output=True, text=True, check=True,
                         env={**os.environ, "WRK_PATHS": str(path_file)}).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    statuses = {int(a): int(b) for a, b in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M)}
    hits = int(re.search(r"^HITS (\d+)$", out, re.M).group(1))
    p50, p95, p99 = (int(v) / 1000.0 for v in re.search(r"^LATENCY (\d+) (\d+) (\d+)$", out, re.M).groups())
    return WrkRun(requests, rps, p50, p95, p99, statuses, hits)


def measure(server: Server, name: str, paths: str | list[str], duration: int, connections: int) -> Result:
    paths = [paths] if isinstance(paths, str) else list(paths)
    # Warm the workers (imports, template compilation, connection pools) before measuring.
    for path in paths[:4] * (4 if len(paths) == 1 else 1):
        try:
            urllib.request.urlopen(server.url + path, timeout=60).read()
        except urllib.error.HTTPError:
            pass  # a page that fails is counted (and fails the run) by the measured run itself
    offset = server.log_offset()
    run = wrk(server.url, paths, duration, connections, server.workdir)
    time.sleep(0.3)  # let gunicorn flush the access log
    durations, errors = server.durations_since(offset)
    shown = paths[0] if len(paths) == 1 else f"{len(paths)} URLs"
    return Result(name, shown, run.requests, run.rps,
                  statistics.median(durations) if durations else float("nan"),
                  percentile(durations, 95), percentile(durations, 99), errors + run.not_ok,
                  run.p50_ms, run.p95_ms, run.p99_ms, run.statuses, run.hits)

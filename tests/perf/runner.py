"""Serve the portal with gunicorn (2 workers) on loopback and drive it with wrk.

Throughput (requests/s) comes from wrk, in its own process; server-side latency (median, p95)
from gunicorn's access log, which records each request's duration in microseconds. Each page is
measured in the same way as a bare ``/healthz`` route in the same run, and reported as a ratio.
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
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    name: str
    path: str
    requests: int
    rps: float
    median_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    def ratio(self, baseline: "Result") -> float:
        return self.rps / baseline.rps if baseline.rps else 0.0


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


def wrk(url: str, duration: int, connections: int, threads: int = 1) -> tuple[int, float, int]:
    """Run wrk; returns (requests, requests per second, non-2xx/3xx responses)."""
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                          "--latency", url], capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return requests, rps, int(bad.group(1)) if bad else 0


def measure(server: Server, name: str, path: str, duration: int, connections: int) -> Result:
    # Warm the workers (imports, template compilation, connection pools) before measuring.
    for _ in range(4):
        urllib.request.urlopen(server.url + path, timeout=60).read()
    offset = server.log_offset()
    requests, rps, bad = wrk(server.url + path, duration, connections)
    time.sleep(0.3)  # let gunicorn flush the access log
    durations, errors = server.durations_since(offset)
    return Result(name, path, requests, rps, statistics.median(durations) if durations else float("nan"),
                  percentile(durations, 95), percentile(durations, 99), errors + bad)

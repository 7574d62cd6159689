"""The portal served by gunicorn on a test's database, on a port of ``TEST_PORT_RANGE``.

Used by the tests that talk to a served portal over HTTP (the attack replay, the outage page).
Ports come from ``TEST_PORT_RANGE`` (``low-high``, default 11000-11099), so that test runs on a
shared machine stay inside the range they were given."""
from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

from tests.perf.runner import Server


def port_in_range() -> int:
    """A free loopback port of ``TEST_PORT_RANGE`` (the lowest one free now)."""
    low, high = (int(x) for x in os.environ.get("TEST_PORT_RANGE", "11000-11099").split("-"))
    for port in range(low, high + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high}")


def need_gunicorn() -> None:
    if not shutil.which("gunicorn", path=str(Path(sys.executable).parent)) and not shutil.which("gunicorn"):
        pytest.skip("gunicorn is not installed")


def start_server(env: dict[str, str], workdir: Path) -> Server:
    """gunicorn (2 workers) with ``env`` on a port of the range; stop it with ``__exit__``."""
    server = Server(env, workdir)
    server.port = port_in_range()
    return server.__enter__()

"""Scheduled jobs run on one node at a time.

Every app node has the same systemd timers (deploy/systemd), so each scheduled command would run
on every node at once. ``@exclusive_job("name")`` lets the first one run and makes the others
print that they skipped: on PostgreSQL with a session-level advisory lock
(``pg_try_advisory_lock``) held on its own connection for the whole job, released when the job
ends or its process dies; on SQLite (one machine) with an exclusive ``flock`` on a file in the
instance folder.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click
from flask import current_app
from sqlalchemy import text

from .extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (Python's hash() changes from process to process)."""
    return int.from_bytes(hashlib.sha256(f"portal-job:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Yields True when this process holds the lock of job ``name``, False when another does."""
    if db.engine.dialect.name == "postgresql":
        key = lock_key(name)
        with db.engine.connect() as conn:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()  # the lock belongs to the session, not to this transaction
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    import fcntl

    folder = os.path.join(current_app.instance_path, "locks")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"{name}.lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def exclusive_job(name: str) -> Callable[[F], F]:
    """Decorate a CLI command's function: run it only if no other node is running job ``name``."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with job_lock(name) as acquired:
                if not acquired:
                    current_app.logger.info("job %s skipped: running elsewhere", name)
                    click.echo(f"{name}: already running on another node; skipped")
                    return None
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate

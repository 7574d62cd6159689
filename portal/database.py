"""Database plumbing shared by every feature: SQLite pragmas, the one-commit-per-request helper."""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, Result, event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from .extensions import db


def _sqlite_pragmas(dbapi_connection, connection_record):
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` in URLs: a number beyond a database integer is simply not found (404), instead
    of an integer overflow in the query (a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_database(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter  # before the blueprints add their rules
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    # Import every model module so that metadata (and Alembic autogenerate) sees all tables.
    from . import models  # noqa: F401


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def commit() -> None:
    """The single commit of a request; routes call it once after the services have flushed."""
    db.session.commit()


def changed_rows(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE statement run by ``db.session.execute`` changed
    (typed: the session declares a plain ``Result``, whose ``rowcount`` mypy does not see)."""
    return cast(CursorResult[Any], result).rowcount or 0


@contextmanager
def savepoint() -> Iterator[None]:
    """``db.session.begin_nested()`` for every service (docs/architecture.md), staying inside the request's transaction on SQLite too.

    pysqlite opens a transaction only before a write, so a SAVEPOINT as the first write would be a
    transaction of its own, committed when it is released (before the audit entry, and kept even
    if the request is rolled back later). The transaction is opened first, with the write lock
    (BEGIN IMMEDIATE: nothing is read inside it before the lock is held, as the atomic UPDATEs
    require). PostgreSQL needs nothing: its savepoint is always inside the transaction."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is not None and not getattr(dbapi_connection, "in_transaction", True):
            _begin_immediate(dbapi_connection)
    with db.session.begin_nested():
        yield


SQLITE_BUSY_TIMEOUT_MS = 30000
_WRITE_LOCK_POLL_SECONDS = 0.0005


def _begin_immediate(dbapi_connection) -> None:
    """BEGIN IMMEDIATE, waiting for the writer that holds the lock by trying again every 0.5 ms.

    SQLite's own busy handler (``busy_timeout``) sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50,
    100 ms between its tries: in a flash crowd two workers take turns holding the lock for a
    millisecond or two, so a worker that just missed it slept up to 80 ms while the lock stood
    free (registration storm on SQLite: p99 wait 19 ms, max 79 ms). Trying again every half
    millisecond takes the lock soon after it is released; the wait stays bounded by the same
    timeout. The tries go to the driver's own cursor: a refused try costs a few microseconds."""
    import sqlite3

    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    from sqlalchemy.exc import OperationalError  # as SQLAlchemy raises the others

                    raise OperationalError("BEGIN IMMEDIATE", None, error) from error
                time.sleep(_WRITE_LOCK_POLL_SECONDS)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

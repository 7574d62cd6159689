"""SQLite: a service's first write takes the write lock (BEGIN IMMEDIATE) and, while another
writer holds it, tries again every half millisecond instead of sleeping in SQLite's busy handler
(1, 2, 5, 10, … 100 ms steps), within the same 30 s bound."""
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portal import database
from portal.extensions import db


@pytest.fixture
def sqlite_file(app):
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        pytest.skip("SQLite's write lock only")
    db.create_all()
    db.session.commit()
    return db.engine.url.database


def _other_writer(path: str) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def _busy_timeout() -> int:
    return db.session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()


def test_the_write_lock_is_taken_as_soon_as_the_other_writer_commits(sqlite_file):
    """Held for 130 ms by another connection: SQLite's busy handler would have slept until 178 ms
    (its tries at 1, 3, 8, 18, 33, 53, 78, 103, 128, 178 ms); trying every 0.5 ms gets it within a
    few ms of 130."""
    other = _other_writer(sqlite_file)
    threading.Timer(0.130, lambda: other.execute("COMMIT")).start()
    started = time.perf_counter()
    with database.savepoint():
        waited = time.perf_counter() - started
        db.session.execute(text("INSERT INTO data_version (id, n) VALUES (7, 1)"))
    db.session.commit()
    other.close()
    assert 0.125 <= waited < 0.160, waited
    assert db.session.execute(text("SELECT n FROM data_version WHERE id = 7")).scalar() == 1
    assert _busy_timeout() == database.SQLITE_BUSY_TIMEOUT_MS  # restored for every other statement


def test_the_wait_for_the_write_lock_is_still_bounded(sqlite_file, monkeypatch):
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 80)
    other = _other_writer(sqlite_file)
    started = time.perf_counter()
    with pytest.raises(OperationalError, match="locked"):
        with database.savepoint():
            pass
    waited = time.perf_counter() - started
    other.execute("ROLLBACK")
    other.close()
    db.session.rollback()
    assert 0.080 <= waited < 0.5
    assert _busy_timeout() == 80


def test_a_free_lock_is_taken_at_the_first_try(sqlite_file, monkeypatch):
    naps = []
    monkeypatch.setattr(database.time, "sleep", naps.append)
    with database.savepoint():
        db.session.execute(text("INSERT INTO data_version (id, n) VALUES (8, 1)"))
    db.session.commit()
    assert naps == []
    assert db.session.execute(text("SELECT n FROM data_version WHERE id = 8")).scalar() == 1

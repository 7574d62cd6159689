"""Fixtures: an app per test on a fresh database.

SQLite (default): the schema is built once per session into a template file, and each test gets
its own copy. PostgreSQL (``TEST_DATABASE_URL`` only, never ``DATABASE_URL``, which names the
portal's real database): the schema is built once per session and every table is truncated after
each test. The suite refuses a database that holds anything it did not create (a migrated portal
database, other tables): it drops and truncates tables, so point it at an empty database of its own.
Tests that use Redis take the database number from ``TEST_REDIS_URL`` (``redis_test_url``).
"""
from __future__ import annotations

import os
import shutil

import pytest
from flask import g
from sqlalchemy import text

from portal import create_app
from portal.extensions import db

from . import factories


def _database_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _refuse_foreign_database(engine) -> None:
    """Stop the run unless every table in the database is one the suite itself creates: a database
    built by ``flask db upgrade`` (with ``alembic_version``) or holding other tables is someone's
    data, and the suite would drop it."""
    from sqlalchemy import inspect

    ours = set(db.metadata.tables)
    found = set(inspect(engine).get_table_names())
    foreign = sorted(found - ours)
    if foreign:
        pytest.exit(f"TEST_DATABASE_URL names a database with tables the test suite did not create "
                    f"({', '.join(foreign[:5])}); the suite drops and truncates tables, so it only runs "
                    f"on an empty database of its own (createdb portal_test).", returncode=4)


@pytest.fixture(scope="session")
def redis_test_url():
    """``TEST_REDIS_URL`` (its database number is the only one tests use), reachable; else skip."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("set TEST_REDIS_URL=redis://127.0.0.1:6379/<n> to run the Redis tests")
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not reachable at {url}")
    finally:
        client.close()
    return url


BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_BACKEND": "null",
    "MAIL_SEND_AFTER_REQUEST": False,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 64,
    "SERVER_NAME": None,
    # Factories change data without audit entries, so cached pages could look stale in tests;
    # tests/test_pagecache.py covers the cache itself.
    "PAGE_CACHE_SECONDS": 0,
}


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """Build the schema once; yields a callable giving the URL for one test."""
    url = _database_url()
    folder = tmp_path_factory.mktemp("db")
    if url and not url.startswith("sqlite"):
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url}, instance_path=str(folder))
        with app.app_context():
            _refuse_foreign_database(db.engine)
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP FUNCTION IF EXISTS audit_entry_append_only() CASCADE"))
            db.create_all()
            db.engine.dispose()
        yield {"kind": "postgresql", "url": url}
        return
    template = folder / "template.sqlite3"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{template}"},
                     instance_path=str(folder))
    with app.app_context():
        db.create_all()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    yield {"kind": "sqlite", "template": template}


def _truncate_all(app) -> None:
    with app.app_context():
        db.session.remove()
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


def _fresh_g() -> None:
    for name in list(g):
        g.pop(name)


@pytest.fixture
def make_app(database, tmp_path):
    """Build an app on this test's fresh database, with config overrides."""
    made = []

    def build(**overrides):
        if database["kind"] == "sqlite":
            target = tmp_path / "test.sqlite3"
            if not target.exists():
                shutil.copy(database["template"], target)
            url = f"sqlite:///{target}"
        else:
            url = database["url"]
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides},
                         instance_path=str(tmp_path / "instance"))
        # The ``app`` fixture keeps one app context pushed, and Flask reuses it for the test
        # client's requests: without this, ``g`` (Flask-Login's current user, Flask-Babel's
        # locale, ...) would leak from one request into the next. Production has a fresh g.
        app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
        made.append(app)
        return app

    yield build
    if made:
        if database["kind"] == "postgresql":
            _truncate_all(made[0])
        for app in made:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def clock_now():
    """The moment this package's tests run at (``None``: the real clock). A package's conftest
    overrides it: ``clock_now = pytest.fixture(lambda: NOW)``."""
    return None


@pytest.fixture(autouse=True)
def frozen_clock(request, clock_now):
    """Freeze the portal clock at ``clock_now`` for every test that has an app; a test moves it
    with ``app.config["CLOCK_NOW"] = ...``."""
    if clock_now is not None:
        request.getfixturevalue("app").config["CLOCK_NOW"] = clock_now
    return clock_now


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """Log the test client in as an account without going through the form."""

    def do(account):
        with client.session_transaction() as session:
            session["_user_id"] = account.get_id()
            session["_fresh"] = True
        return account

    return do


@pytest.fixture
def f(app):
    """The factories, bound to the test's database (``f.unit()``, ``f.resident()``, ...)."""
    return factories

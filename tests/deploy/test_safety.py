"""The test suite cannot hurt the machine it runs on: it never falls back to DATABASE_URL and
refuses a database holding tables it did not create."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from portal.extensions import db
from tests.conftest import _database_url, _refuse_foreign_database


def test_only_test_database_url_is_read(monkeypatch):
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://portal@db.example/portal")
    assert _database_url() is None
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/portal_test")
    assert _database_url() == "postgresql://postgres@127.0.0.1/portal_test"


@pytest.mark.parametrize("foreign", ["alembic_version", "payroll"])
def test_a_database_with_other_tables_stops_the_run(tmp_path, foreign):
    engine = create_engine(f"sqlite:///{tmp_path / 'someone.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {foreign} (id INTEGER PRIMARY KEY)"))
    with pytest.raises(pytest.exit.Exception, match="tables the test suite did not create"):
        _refuse_foreign_database(engine)
    engine.dispose()


def test_an_empty_database_or_one_with_the_suites_own_tables_is_accepted(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'own.sqlite3'}")
    _refuse_foreign_database(engine)
    db.metadata.create_all(engine, tables=[db.metadata.tables["unit"]])
    _refuse_foreign_database(engine)
    engine.dispose()

"""The migrations build the same schema as the models, on SQLite and on PostgreSQL."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db

from .conftest import BASE_CONFIG, _database_url


@pytest.fixture
def empty_database_url(tmp_path):
    url = _database_url()
    if not url or url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    from portal.config import normalise_database_url

    server = make_url(normalise_database_url(url))
    name = f"portal_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_on_an_empty_database_matches_the_models(empty_database_url, tmp_path):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database_url},
                     instance_path=str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"

        # The append-only rule of the audit log is in the migrated database too.
        from portal.audit.services import record

        record(None, "test.migrated", object_type="test", object_id=1)
        db.session.commit()
        with pytest.raises(Exception, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE audit_entry SET action = 'changed'"))
        db.session.remove()
        db.engine.dispose()


def test_online_activities_migration_widens_the_kinds_keeps_the_rows_and_goes_back(empty_database_url, tmp_path):
    """online01 (the kind ``online`` and its ``online_url``), on SQLite (the table is rebuilt) and
    on PostgreSQL: the activities and their slots survive (on SQLite the rebuild's DROP would
    cascade to every slot and registration with foreign keys on), foreign keys are on again, the
    migrated database accepts an online activity with its link, refuses one without a link or with
    an ID check, and downgrades and upgrades again."""
    from flask_migrate import downgrade
    from sqlalchemy.exc import IntegrityError

    from portal.units.models import Unit

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database_url},
                     instance_path=str(tmp_path / "instance"))
    insert = text("INSERT INTO open_activity (unit_id, title, theme, kind, description, place, {url_column}"
                  "accessibility, registration_opens_at, registration_closes_at, cancel_cutoff_hours, "
                  "id_check_required, summary_text, created_at) VALUES (:unit, 't', '', :kind, '', 'p', {url}"
                  "'', '2026-07-01 09:00', '2026-08-01 09:00', 24, :id_check, '', '2026-06-01 09:00') RETURNING id")
    before, after = (text(insert.text.format(url_column=c, url=v))
                     for c, v in (("", ""), ("online_url, ", ":url, ")))
    with app.app_context():
        upgrade(revision="board02")
        db.session.add(owner := Unit(name="青松区测试局", short_name="测试局", slug="u", kind="bureau"))
        db.session.flush()
        unit = owner.id
        db.session.commit()
        db.session.remove()
        with db.engine.begin() as conn:
            kept = conn.execute(before, {"unit": unit, "kind": "open_day", "id_check": True}).scalar_one()
            conn.execute(text("INSERT INTO open_slot (activity_id, starts_at, ends_at, capacity, confirmed_count, "
                              "next_queue_no, waiting_count) VALUES (:a, '2026-08-10 09:00', '2026-08-10 11:00', "
                              "5, 0, 0, 0)"), {"a": kept})
        db.engine.dispose()
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM open_slot WHERE activity_id = :a"), {"a": kept}).scalar_one() == 1
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            conn.execute(after, {"unit": unit, "kind": "online", "url": "https://live.example.cn/1", "id_check": False})
        for kind, url, id_check in (("online", None, False), ("online", "https://live.example.cn/1", True),
                                    ("open_day", "https://live.example.cn/1", False), ("webinar", None, False)):
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(after, {"unit": unit, "kind": kind, "url": url, "id_check": id_check})
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM open_activity WHERE kind = 'online'"))
        db.engine.dispose()
        downgrade(revision="board02")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM open_slot")).scalar_one() == 1
            with pytest.raises(IntegrityError), conn.begin_nested():
                conn.execute(before, {"unit": unit, "kind": "online", "id_check": False})
        db.engine.dispose()
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(after, {"unit": unit, "kind": "online", "url": "https://live.example.cn/2", "id_check": False})
            assert conn.execute(text("SELECT count(*) FROM open_slot")).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()


def test_a_table_rebuilt_on_sqlite_keeps_the_rows_that_refer_to_it(empty_database_url, tmp_path):
    """meet01 rebuilds ``meeting`` on SQLite (batch mode: copy, DROP, rename). With foreign keys on,
    the DROP cascaded to every meeting's seats (and applications and decisions): migrations/env.py
    runs every migration with foreign keys off, checks the references at the end, and turns them on
    again. (PostgreSQL alters in place; the test runs there too.)"""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database_url},
                     instance_path=str(tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="privacy01")  # just before meet01
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO unit (name, short_name, slug, kind, phone, email, address, created_at) "
                              "VALUES ('青松区测试局', '测试局', 'u', 'bureau', '', '', '', '2026-01-01 09:00')"))
            conn.execute(text(
                "INSERT INTO meeting (unit_id, meeting_type, title, starts_at, place, eligibility, signup_opens_at, "
                "signup_closes_at, selection_method, withdrawal_cutoff, applications_issued, outcome, created_at, "
                "updated_at) SELECT id, 'executive', '常务会议', '2026-09-10 09:00', '会议室', '', '2026-08-01 09:00', "
                "'2026-08-20 17:00', 'review', '2026-09-01 17:00', 0, '', '2026-07-01 09:00', '2026-07-01 09:00' "
                "FROM unit"))
            conn.execute(text("INSERT INTO meeting_seat (meeting_id, category, position, count, taken) "
                              "SELECT id, 'citizen', 1, 3, 0 FROM meeting"))
        db.engine.dispose()
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM meeting_seat")).scalar_one() == 1
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1  # on again for the portal
        db.session.remove()
        db.engine.dispose()

"""Configuration order, database URL handling and the production SECRET_KEY rule."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from portal import create_app
from portal.config import normalise_database_url
from portal.extensions import db

REAL_KEY = "k3y-" + "x" * 40


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    import os

    for name in list(os.environ):
        if name.startswith("PORTAL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.gov.cn")  # required in production
    return monkeypatch


def test_defaults_sqlite_in_instance_folder_with_wal(clean_env, tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"TESTING": True}, instance_path=str(instance))
    expected = f"sqlite:///{instance / 'portal.sqlite3'}"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_CN"
    assert app.config["FEEDBACK_DUE_WORKING_DAYS"] == 10
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()
    assert (instance / "portal.sqlite3").exists()


def test_instance_config_then_environment_then_overrides(clean_env, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "MAIL_BACKEND = 'smtp'\nMAIL_PORT = 2525\nFEEDBACK_DUE_WORKING_DAYS = 12\n"
        "CONSULTATION_MIN_DAYS = 40\nSQLALCHEMY_DATABASE_URI = 'sqlite:///from-instance.db'\n")
    clean_env.setenv("PORTAL_MAIL_PORT", "2626")
    clean_env.setenv("PORTAL_MAIL_USE_TLS", "yes")
    clean_env.setenv("PORTAL_FEEDBACK_DUE_WORKING_DAYS", "15")
    clean_env.setenv("PORTAL_LANGUAGES", '{"en": "English"}')
    app = create_app({"TESTING": True, "CONSULTATION_MIN_DAYS": 45}, instance_path=str(instance))
    assert app.config["MAIL_BACKEND"] == "smtp"  # instance file
    assert app.config["MAIL_PORT"] == 2626  # environment wins, coerced to int
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["FEEDBACK_DUE_WORKING_DAYS"] == 15
    assert app.config["LANGUAGES"] == {"en": "English"}
    assert app.config["CONSULTATION_MIN_DAYS"] == 45  # explicit mapping wins over all
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-instance.db"


def test_bare_and_prefixed_environment_variables(clean_env, tmp_path):
    clean_env.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/portal")
    clean_env.setenv("REDIS_URL", "redis://cache.example:6379/3")
    clean_env.setenv("SECRET_KEY", REAL_KEY)
    app = create_app({"TESTING": False}, instance_path=str(tmp_path / "i"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example:5432/portal"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert app.config["REDIS_URL"] == "redis://cache.example:6379/3"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/3"
    assert app.config["SECRET_KEY"] == REAL_KEY
    # The PORTAL_ form wins over the bare one.
    clean_env.setenv("PORTAL_DATABASE_URL", "postgresql://other/portal2")
    clean_env.setenv("PORTAL_SECRET_KEY", "p" + REAL_KEY)
    app = create_app({"TESTING": False}, instance_path=str(tmp_path / "i"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://other/portal2"
    assert app.config["SECRET_KEY"] == "p" + REAL_KEY


@pytest.mark.parametrize("given,expected", [
    ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg2://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_urls_use_psycopg3(given, expected):
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize("key", [None, "explicit-none", "", "dev", "change-me", "secret", "short-key-15chr"])
def test_refuses_to_start_in_production_without_a_real_secret_key(clean_env, tmp_path, key):
    config = {"TESTING": False}
    if key is not None:
        config["SECRET_KEY"] = key
    if key == "explicit-none":
        config["SECRET_KEY"] = None
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config, instance_path=str(tmp_path / "i"))


def test_production_starts_with_a_real_key_and_secure_cookies(clean_env, tmp_path):
    app = create_app({"TESTING": False, "SECRET_KEY": REAL_KEY}, instance_path=str(tmp_path / "i"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_debug_and_testing_get_a_development_key(clean_env, tmp_path):
    app = create_app({"TESTING": True}, instance_path=str(tmp_path / "i"))
    assert app.config["SECRET_KEY"]
    assert app.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("value", [None, "", "  "])
def test_refuses_to_start_in_production_without_a_base_url(clean_env, tmp_path, value):
    clean_env.delenv("PORTAL_BASE_URL")
    if value is not None:
        clean_env.setenv("PORTAL_BASE_URL", value)
    with pytest.raises(RuntimeError, match="PORTAL_BASE_URL"):
        create_app({"TESTING": False, "SECRET_KEY": REAL_KEY}, instance_path=str(tmp_path / "i"))
    # Development, tests and the demo (bin/serve) run on the default address.
    assert create_app({"TESTING": True}, instance_path=str(tmp_path / "i")).testing
    assert create_app({"DEMO_MODE": True, "SECRET_KEY": REAL_KEY}, instance_path=str(tmp_path / "i"))

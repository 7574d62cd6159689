"""Every setting the README documents is read under its documented name, and deploy/portal.env
lists every setting there is.

Each name in the README's configuration table is set through the environment of a production
app (create_app without TESTING), and the test checks the effect: the value reaches the key that
the code reads (found by scanning portal/ for ``config["KEY"]`` and ``config.get("KEY"``), or, for
settings Flask and its extensions consume, the behaviour itself (413 above the body limit, the
cookie's Secure flag, the limiter switched off, ProxyFix installed, the JSON formatter)."""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from portal import create_app
from portal.config import Defaults

ROOT = Path(__file__).resolve().parents[2]
REAL_KEY = "k3y-" + "y" * 40
BASE = "https://portal.example.gov.cn"


def documented_names() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: list[str] = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        names += re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell)
    return names


def keys_read_by_code() -> set[str]:
    """Keys looked up as ``config["KEY"]`` / ``config.get("KEY"``, or named as a string literal
    (``key = "TARGET_MEETINGS_UNIT" if ...``) anywhere in portal/ but config.py itself."""
    keys: set[str] = set()
    for path in (ROOT / "portal").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""(?:config|cfg)\[["']([A-Z][A-Z0-9_]+)["']\]""", source))
        keys |= set(re.findall(r"""(?:config|cfg)\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))
        if path.name != "config.py":
            keys |= set(re.findall(r"""["']([A-Z][A-Z0-9_]{3,})["']""", source))
    return keys


def config_key(name: str) -> str:
    key = name[len("PORTAL_"):] if name.startswith("PORTAL_") else name
    return "SQLALCHEMY_DATABASE_URI" if key == "DATABASE_URL" else key


SPECIAL = {
    "MAIL_BACKEND": "null", "LOG_FORMAT": "json", "CATALOGUE_DEADLINE_MONTH_DAY": "04-30",
    "REDIS_URL": "redis://127.0.0.1:6399/9", "SECRET_KEY": "s" + REAL_KEY,
    "MAIL_DEFAULT_SENDER": "测试 <t@example.gov.cn>", "PROXY_HOPS": "2",
    "REMEMBER_COOKIE_DURATION": "86400",  # the default is the 30-day maximum
}


def value_for(key: str, tmp_path: Path) -> str:
    if key in SPECIAL:
        return SPECIAL[key]
    if key.endswith("RATE_LIMIT_IP") or key.endswith("RATE_LIMIT_ACCOUNT"):
        return "7 per hour"
    if key == "SQLALCHEMY_DATABASE_URI":
        return f"sqlite:///{tmp_path / 'other.sqlite3'}"
    if key in ("BASE_URL", "PORTAL_BASE_URL"):
        return BASE + "/portal"
    if key in ("INSTANCE_PATH", "UPLOAD_FOLDER"):
        return str(tmp_path / key.lower())
    default = getattr(Defaults, key)
    if isinstance(default, bool):
        return "0" if default else "1"
    if isinstance(default, int):
        return str(default + 3)
    if isinstance(default, float):
        return str(default + 0.5)
    if isinstance(default, list):
        return "[7, 2]"
    return f"value-of-{key.lower()}"


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.startswith("PORTAL_") or name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FLASK_DEBUG"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("PORTAL_BASE_URL", BASE)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    yield monkeypatch
    for name in ("portal", "portal.request", "flask-limiter"):  # the production apps' log handlers
        logger = logging.getLogger(name)
        for handler in [h for h in logger.handlers if h.get_name() == "portal"]:
            logger.removeHandler(handler)


def test_the_readme_documents_the_production_settings():
    names = set(documented_names())
    for must in ("PORTAL_SECRET_KEY", "PORTAL_BASE_URL", "PORTAL_DATABASE_URL", "PORTAL_REDIS_URL",
                 "PORTAL_ID_HASH_KEY", "PORTAL_PROXY_HOPS", "PORTAL_LOG_FORMAT", "PORTAL_UPLOAD_FOLDER",
                 "PORTAL_MAX_CONTENT_LENGTH", "PORTAL_SESSION_COOKIE_SECURE", "PORTAL_MAIL_BACKEND",
                 "PORTAL_INSTANCE_PATH", "PORTAL_DATABASE_STATEMENT_TIMEOUT_MS"):
        assert must in names, must


@pytest.mark.parametrize("name", documented_names())
def test_each_documented_setting_is_read_under_its_documented_name(production_env, tmp_path, name):
    if name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        production_env.delenv("PORTAL_" + name, raising=False)  # the PORTAL_ form would win
    key = config_key(name)
    value = value_for(key, tmp_path)
    production_env.setenv(name, value)
    app = create_app()
    if key == "INSTANCE_PATH":
        assert app.instance_path == value
        return
    if key in ("BASE_URL", "PORTAL_BASE_URL"):
        from portal.notifications.services import absolute_url

        with app.app_context():
            assert absolute_url("/feedback/1") == value + "/feedback/1"
        return
    if key == "SECRET_KEY":
        assert app.secret_key == value
        return
    if key == "SESSION_COOKIE_SECURE":
        with app.test_request_context():
            from flask import session

            session["x"] = 1
        response = app.test_client().get("/auth/login", base_url=BASE)
        assert "Secure" not in response.headers.get("Set-Cookie", "Secure")
        assert app.config[key] is False
        return
    if key == "MAX_CONTENT_LENGTH":
        assert app.test_client().post("/auth/login", data=b"x" * (int(value) + 1),
                                      content_type="application/octet-stream", base_url=BASE).status_code == 413
        return
    if key == "RATELIMIT_ENABLED":
        from portal.extensions import limiter

        assert limiter.enabled is False
        return
    if key == "PROXY_HOPS":
        from werkzeug.middleware.proxy_fix import ProxyFix

        assert isinstance(app.wsgi_app, ProxyFix) and app.wsgi_app.x_for == 2
        return
    if key == "LOG_FORMAT":
        from portal.runtime import JsonFormatter

        handler = next(h for h in logging.getLogger(app.logger.name).handlers if h.get_name() == "portal")
        assert isinstance(handler.formatter, JsonFormatter)
        return
    if key == "REDIS_URL":
        assert app.config["RATELIMIT_STORAGE_URI"] == value
    expected = value
    default = getattr(Defaults, key, None)
    if key == "SQLALCHEMY_DATABASE_URI":
        expected = value
    elif isinstance(default, bool):
        expected = value == "1"
    elif isinstance(default, int):
        expected = int(value)
    elif isinstance(default, float):
        expected = float(value)
    elif isinstance(default, list):
        expected = json.loads(value)
    assert app.config[key] == expected, (name, key)
    assert key in keys_read_by_code() | {"SQLALCHEMY_DATABASE_URI", "REMEMBER_COOKIE_SECURE"}, (
        f"{name} sets {key}, which nothing in portal/ reads")


@pytest.mark.parametrize("bare", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_the_bare_names_hosting_platforms_set_are_read_too(production_env, tmp_path, bare):
    production_env.delenv("PORTAL_SECRET_KEY")
    production_env.setenv("SECRET_KEY", REAL_KEY)
    key = config_key(bare)
    value = value_for(key, tmp_path)
    production_env.setenv(bare, value)
    assert create_app().config[key] == value


def test_the_environment_template_lists_every_setting():
    template = (ROOT / "deploy" / "portal.env").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*(PORTAL_[A-Z0-9_]+)=", template, re.M))
    wanted = {k if k.startswith("PORTAL_") else "PORTAL_" + ("DATABASE_URL" if k == "SQLALCHEMY_DATABASE_URI" else k)
              for k in vars(Defaults) if k.isupper()}
    assert wanted <= listed, sorted(wanted - listed)


def test_an_explicit_development_address_in_the_instance_file_is_accepted(production_env, tmp_path):
    """bin/serve writes the development address into instance/config.py, so that bin/portal works
    in a development checkout; only an address that nobody set is refused."""
    production_env.delenv("PORTAL_BASE_URL")
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    with pytest.raises(RuntimeError, match="PORTAL_BASE_URL"):
        create_app()
    (instance / "config.py").write_text('PORTAL_BASE_URL = "http://127.0.0.1:5000"\n', encoding="utf-8")
    assert create_app().config["PORTAL_BASE_URL"] == "http://127.0.0.1:5000"

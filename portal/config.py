"""Configuration: defaults here, then ``instance/config.py``, then ``PORTAL_*`` environment variables.

``DATABASE_URL``, ``REDIS_URL`` and ``SECRET_KEY`` are also read without the prefix, as most hosting
platforms set them that way. Nothing here is read at import time by the rest of the code: every
setting is looked up on ``current_app.config``.
"""
from __future__ import annotations

import json
import os
from typing import Any

INSECURE_SECRET_KEYS = {"", "dev", "change-me", "secret", "changeme"}


class Defaults:
    SECRET_KEY = ""
    # None means: SQLite file ``portal.sqlite3`` in the instance folder.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    REDIS_URL: str | None = None
    # PostgreSQL: seconds to wait for a connection, and milliseconds a statement may run. Both are
    # far below gunicorn's worker timeout (deploy/gunicorn.conf.py, 30 s), so a stalled database
    # answers 503 pages instead of getting workers killed.
    DATABASE_CONNECT_TIMEOUT = 5
    DATABASE_STATEMENT_TIMEOUT_MS = 10000
    DATABASE_POOL_TIMEOUT = 5

    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host headers are
    # trusted (1 behind deploy/nginx/portal.conf; 0 when clients reach gunicorn directly). Rate
    # limits key on the address this yields: with 0 behind a proxy every visitor shares one.
    PROXY_HOPS = 0
    # "text" (default) or "json": one JSON line per request (request id, method, path, status,
    # duration) and per log record, on standard error.
    LOG_FORMAT = "text"

    # Portal time: every stored datetime is naive local time in this zone (China has no DST).
    TIMEZONE = "Asia/Shanghai"
    # An ISO datetime that freezes the clock (tests and demos only).
    CLOCK_NOW: str | None = None

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "简体中文", "en": "English"}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8
    # "Keep me logged in": the cookie's lifetime in seconds, enforced by the server as well (the
    # login time is signed into the cookie); at most 30 days whatever is configured.
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    FORCE_HTTPS = False  # set behind a TLS-terminating proxy that does not redirect itself

    # CSRF is checked for every POST; views that re-render their form opt in to showing the
    # failure on the form itself (see portal.security.form_view).
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8

    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # When Redis is unreachable, each process keeps counting in memory (and logs it) instead of
    # failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1}
    LOGIN_RATE_LIMIT_IP = "20 per 5 minutes"
    LOGIN_RATE_LIMIT_ACCOUNT = "5 per 5 minutes"
    REGISTER_RATE_LIMIT_IP = "10 per hour"

    PASSWORD_MIN_LENGTH = 8
    # argon2id cost (argon2-cffi's RFC 9106 low-memory profile); tests lower it.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536

    # Mail: "file" writes .eml files into instance/mail (development), "smtp" sends, "null" drops.
    MAIL_BACKEND = "file"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "政民互动平台 <noreply@portal.invalid>"
    MAIL_TIMEOUT = 10
    MAIL_MAX_ATTEMPTS = 6
    # One `mail send` run sends for at most this long (the timer starts it every minute) and
    # reuses each SMTP connection for this many messages.
    MAIL_SEND_SECONDS = 50
    MAIL_MESSAGES_PER_CONNECTION = 100
    # Try to send queued mail right after the response of the request that queued it.
    MAIL_SEND_AFTER_REQUEST = True
    # The portal's public address: every absolute link (emails, feeds, API documents) is built
    # from it, never from the request's Host header, and requests for other host names are refused
    # (400) unless listed in EXTRA_HOSTS (health checks on /healthz are always answered).
    PORTAL_BASE_URL = "http://127.0.0.1:5000"
    EXTRA_HOSTS: list[str] = []

    # SMS (verification codes for accounts registered with a mobile number): "file" writes one
    # text file per message into instance/sms (development), "http" posts JSON
    # {"to", "text"} to SMS_HTTP_URL (with "Authorization: Bearer SMS_HTTP_TOKEN" if set), "null"
    # drops. A message has at most 70 characters (one SMS).
    SMS_BACKEND = "file"
    SMS_HTTP_URL: str | None = None
    SMS_HTTP_TOKEN: str | None = None
    SMS_TIMEOUT = 10

    # Subscriptions: the hour (portal time) from which the daily digest is sent, the delivery
    # refusals in a row after which an address is paused, and the free seats of an open-day slot
    # at which its followers are told that seats are running low.
    SUBSCRIPTION_DIGEST_HOUR = 8
    SUBSCRIPTION_PAUSE_AFTER_FAILURES = 3
    OPEN_DAY_SEATS_LOW = 5
    # Email or mobile verification: a 6-digit code valid this many minutes, this many attempts.
    VERIFY_CODE_MINUTES = 15
    VERIFY_CODE_MAX_ATTEMPTS = 5
    VERIFY_SEND_RATE_LIMIT = "5 per hour"
    # Password reset by email: the link is valid this many minutes, and once.
    PASSWORD_RESET_MINUTES = 60
    PASSWORD_RESET_RATE_LIMIT_IP = "10 per hour"

    # Rules from the seeds: settings, never literals in code.
    FEEDBACK_DUE_WORKING_DAYS = 10
    CONSULTATION_MIN_DAYS = 30
    CATALOGUE_DEADLINE_MONTH_DAY = "03-31"
    CONCENTRATED_THEME_MIN_ITEMS = 5
    # Adoption feedback: staff of the unit are reminded this many working days before the due date
    # (`flask feedback remind`, run daily).
    FEEDBACK_REMINDER_WORKING_DAYS = [3, 1]
    TARGET_MEETINGS_DISTRICT = 3
    TARGET_MEETINGS_UNIT = 1
    TARGET_OPEN_DAYS = 3
    TARGET_OPEN_WEEKS = 1
    # Staff overview: consultations closing within this many days are listed as closing soon.
    OVERSIGHT_CLOSING_SOON_DAYS = 7
    # Risk before the deadline (dashboard, /staff, `flask oversight remind`): a yearly count target
    # not covered by what is held and scheduled is at risk with this many days of the year left
    # (122: from 1 September) and missed with this many left (too late to announce and hold one);
    # a catalogue not published this many days before its deadline is at risk, and adoption
    # feedback with a report due within this many working days.
    OVERSIGHT_AT_RISK_DAYS_LEFT = 122
    OVERSIGHT_TOO_LATE_DAYS_LEFT = 14
    OVERSIGHT_CATALOGUE_AT_RISK_DAYS = 30
    OVERSIGHT_FEEDBACK_AT_RISK_WORKING_DAYS = 3
    OPEN_DAY_PURGE_AFTER_DAYS = 90
    # Staff exports of a consultation's comments: up to this many rows the file is sent at once;
    # above, it is written by the `exports run` job and kept (in the database) this many hours.
    EXPORT_DIRECT_MAX_ROWS = 10000
    EXPORT_KEEP_HOURS = 24
    # Meetings with public representatives: applicants must be adults on the meeting date, and
    # ID numbers are kept only as last 4 digits plus an HMAC-SHA256 under this key (None: a key
    # derived from SECRET_KEY; set it explicitly in production so that rotating SECRET_KEY does not
    # break the one-application-per-person check of meetings already open).
    MEETING_MIN_AGE = 18
    ID_HASH_KEY: str | None = None

    # The accessibility statement (/accessibility) gives this unit's address, phone and e-mail for
    # reporting problems (its slug; empty: the district government's unit).
    ACCESSIBILITY_CONTACT_UNIT = ""

    # Consultations: comment length, submission limits (per account and per IP) and the Jaccard
    # similarity of character 3-grams above which comments of different accounts form a campaign.
    COMMENT_MAX_LENGTH = 2000
    COMMENT_RATE_LIMIT_ACCOUNT = "10 per hour"
    COMMENT_RATE_LIMIT_IP = "60 per hour"
    CAMPAIGN_SIMILARITY = 0.5

    # Policy message board (政策留言板): reply within this many working days (simple questions:
    # BOARD_SIMPLE_WORKING_DAYS, when staff mark them simple by the end of that first working day);
    # a message received at or after BOARD_CUTOFF, or on a day off, counts from the next working
    # day; a transfer restarts the deadline only with BOARD_TRANSFER_RESTARTS; replies are signed
    # off by a second member of staff ("second_staff") or the unit's approver ("approver");
    # one follow-up within BOARD_FOLLOWUP_DAYS days of the reply.
    BOARD_DUE_WORKING_DAYS = 5
    BOARD_SIMPLE_WORKING_DAYS = 1
    BOARD_CUTOFF = "17:00"
    BOARD_TRANSFER_RESTARTS = False
    BOARD_SIGNOFF = "second_staff"
    BOARD_FOLLOWUP_DAYS = 10
    BOARD_MAX_LENGTH = 2000
    BOARD_DUPLICATE_HOURS = 24
    BOARD_RATE_LIMIT_ACCOUNT = "5 per hour"
    BOARD_RATE_LIMIT_IP = "30 per hour"

    # Uploaded documents (back them up with the database); None: instance/uploads.
    UPLOAD_FOLDER: str | None = None
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    # Largest request body; nginx's client_max_body_size (deploy/nginx/portal.conf) matches it.
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    # Whole-page cache of public pages for anonymous visitors (portal/pagecache.py); 0 turns it off.
    PAGE_CACHE_SECONDS = 30
    PAGE_CACHE_MAX_ENTRIES = 2000
    # How often a process re-reads the data version to see other processes' changes (seconds).
    PAGE_CACHE_VERSION_SECONDS = 1.0

    DEMO_MODE = False
    # Bootstrap's CSS and JS from the bootstrap-flask package, never a CDN (CSP, intranets).
    BOOTSTRAP_SERVE_LOCAL = True


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int) and not isinstance(default, bool):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, (dict, list)):
        return json.loads(value)
    return value


def load(app, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` in order: defaults, instance/config.py, environment, test overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for bare in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        if os.environ.get(bare):
            key = "SQLALCHEMY_DATABASE_URI" if bare == "DATABASE_URL" else bare
            app.config[key] = os.environ[bare]
    prefix = "PORTAL_"
    for name, value in os.environ.items():
        if not name.startswith(prefix):
            continue
        key = name[len(prefix):]
        if hasattr(Defaults, name):
            key = name  # a setting whose own name starts with PORTAL_ (PORTAL_BASE_URL)
        elif key == "DATABASE_URL":
            key = "SQLALCHEMY_DATABASE_URI"
        app.config[key] = _coerce(value, app.config.get(key))
    if overrides:
        app.config.update(overrides)
    # Remember-me never lasts longer than 30 days (issue: sessions that end).
    app.config["REMEMBER_COOKIE_DURATION"] = min(int(_seconds(app.config["REMEMBER_COOKIE_DURATION"])),
                                                 60 * 60 * 24 * 30)

    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        os.makedirs(app.instance_path, exist_ok=True)
        uri = "sqlite:///" + os.path.join(app.instance_path, "portal.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Survive a database restart without restarting the portal.
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_timeout", int(app.config["DATABASE_POOL_TIMEOUT"]))
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", int(app.config["DATABASE_CONNECT_TIMEOUT"]))
        statement_ms = int(app.config["DATABASE_STATEMENT_TIMEOUT_MS"])
        if statement_ms > 0:
            connect_args.setdefault("options", f"-c statement_timeout={statement_ms}")
        options["connect_args"] = connect_args
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    if app.debug or app.testing:
        app.config["SESSION_COOKIE_SECURE"] = app.config.get("SESSION_COOKIE_SECURE_IN_DEV", False)
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = "insecure-development-key"
    elif (app.config.get("SECRET_KEY") or "") in INSECURE_SECRET_KEYS or len(app.config["SECRET_KEY"]) < 16:
        raise RuntimeError(
            "Refusing to start without a real SECRET_KEY (at least 16 random characters). "
            "Set SECRET_KEY or PORTAL_SECRET_KEY, or put it in instance/config.py."
        )
    explicit = bool((app.config.get("PORTAL_BASE_URL") or "").strip()) and (
        "PORTAL_BASE_URL" in os.environ or "PORTAL_BASE_URL" in (overrides or {})
        or _in_instance_file(app, "PORTAL_BASE_URL"))
    if not (app.debug or app.testing or app.config.get("DEMO_MODE") or explicit) and not configured_base_url(app):
        raise RuntimeError(
            "Refusing to start without the portal's public address, used for links in emails, "
            "calendar files and feeds. Set PORTAL_BASE_URL (e.g. https://portal.example.gov.cn).")
    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("RATELIMIT_STORAGE_URI") or (
        app.config["REDIS_URL"] if app.config.get("REDIS_URL") else "memory://"
    )


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def _in_instance_file(app, key: str) -> bool:
    """Whether instance/config.py sets ``key`` (bin/serve writes the development address there)."""
    from flask import Config

    probe = Config(app.instance_path)
    return probe.from_pyfile("config.py", silent=True) and key in probe


def configured_base_url(app) -> str | None:
    """The public base URL if one was configured (not the development default)."""
    for key in ("BASE_URL", "PORTAL_BASE_URL"):
        value = (app.config.get(key) or "").strip()
        if value and value != DEVELOPMENT_BASE_URL:
            return value
    return None


def normalise_database_url(uri: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    for old in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if uri.startswith(old):
            return "postgresql+psycopg://" + uri[len(old):]
    return uri

"""Whole-page cache for anonymous visitors of public pages.

Most traffic to a consultation is anonymous reading (a flash crowd after a news story), and the
same page is the same for every anonymous visitor. So a GET without a session cookie on a public
path is answered from a per-process cache when the stored copy is still valid:

- **valid** means: same path and query, same language and text size, younger than
  ``PAGE_CACHE_SECONDS``, and rendered at the current *data version*. The data version is a
  counter in its own row (``data_version``) that every commit writing an audit entry bumps inside
  that same commit: every state change of the portal writes one (a rule of the house,
  ``portal.audit.services.record``), so any change invalidates every copy at once, the moment it
  becomes visible, whatever the order in which concurrent transactions commit. A process learns
  of its own changes when they commit, and reads the version (a primary-key lookup) at most
  every ``PAGE_CACHE_VERSION_SECONDS`` to learn of other processes' (and other nodes')
  changes: a copy outlives a change made elsewhere by that long at most. The age limit covers what changes with the clock
  alone (a consultation that closes at midnight).
- **stored** only when the response is a 200, sets no cookie and did not touch the session (so it
  holds no CSRF token, flash message or personal data).

Logged-in users, staff and admin pages, forms and files are never cached.

A cached page holds no link built from the request's ``Host`` header (``portal.urls``: absolute links
come from ``PORTAL_BASE_URL``), and the host is part of the key all the same, so a request sent with
a forged ``Host:`` can never change what other visitors are served.

**Private pages** (``PRIVATE_PREFIXES``: the account's own pages, staff and admin pages, login
forms; and views marked with ``@no_store``) are answered with ``Cache-Control: no-store``, so that
neither the browser nor a proxy keeps a copy of personal data, check-in codes or exports.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from flask import Flask, Response, current_app, g, has_app_context, request, session
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from .extensions import db

# Paths whose every response is private: answered with Cache-Control: no-store.
PRIVATE_PREFIXES = ("/me", "/staff", "/admin", "/auth")
NO_STORE = "no-store, private"

NEVER_CACHED = ("/staff", "/admin", "/me", "/auth", "/preferences", "/static", "/bootstrap", "/healthz", "/readyz")
CACHED_TYPES = ("text/html", "application/json", "application/atom+xml")


@dataclass
class Entry:
    body: bytes
    mimetype: str
    charset: str | None
    version: int
    expires: float


class PageCache:
    """A small thread-safe LRU of rendered pages."""

    def __init__(self, max_entries: int, version_interval: float = 1.0):
        self.max_entries = max_entries
        self.version = VersionClock(version_interval)
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, version: int) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.version != version or entry.expires < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def data_version() -> int:
    from .audit.models import DataVersion

    return db.session.scalar(select(DataVersion.n).where(DataVersion.id == 1)) or 0


_BUMP = text("INSERT INTO data_version (id, n) VALUES (1, 1) "
             "ON CONFLICT (id) DO UPDATE SET n = data_version.n + 1")


class VersionClock:
    """The data version as this process knows it: re-read at most every ``interval`` seconds,
    and forgotten at once when this process commits an audited change."""

    def __init__(self, interval: float):
        self.interval = interval
        self._value: int | None = None
        self._read_at = 0.0

    def current(self) -> int:
        now = time.monotonic()
        if self._value is None or now - self._read_at >= self.interval:
            self._value, self._read_at = data_version(), now
        return self._value

    def forget(self) -> None:
        self._value = None


@event.listens_for(Session, "after_flush")
def _note_audited_change(session, flush_context) -> None:
    from .audit.models import AuditEntry

    if any(isinstance(obj, AuditEntry) for obj in session.new):
        session.info["audited_change"] = True


@event.listens_for(Session, "before_commit")
def _bump_version_in_the_commit(session) -> None:
    """Bump the data version as the last statement of a transaction that wrote an audit entry
    (the row lock is held only for the commit itself)."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit would flush them after this hook: note audit entries now
    if session.info.get("audited_change"):
        session.execute(_BUMP)


@event.listens_for(Session, "after_commit")
def _forget_version_after_commit(session) -> None:
    if session.info.pop("audited_change", False) and has_app_context():
        cache = current_app.extensions.get("page_cache")
        if cache is not None:
            cache.version.forget()


@event.listens_for(Session, "after_rollback")
def _drop_note_after_rollback(session) -> None:
    session.info.pop("audited_change", None)


def _cacheable_request() -> bool:
    if request.method not in ("GET", "HEAD") or _under(request.path, NEVER_CACHED):
        return False
    cookies = request.cookies
    return (current_app.config["SESSION_COOKIE_NAME"] not in cookies
            and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies)


def no_store(view):
    """Mark a view's responses private (for a private page outside ``PRIVATE_PREFIXES``)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.no_store = True
        return view(*args, **kwargs)

    return wrapper


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    """``path`` is one of ``prefixes`` or below one (``/me/...``, ``/me.json``), segment by segment:
    ``/meetings`` is not under ``/me``."""
    return any(path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + ".")
               for prefix in prefixes)


def is_private_path(path: str) -> bool:
    return _under(path, PRIVATE_PREFIXES)


def init_cache_control(app: Flask) -> None:
    @app.after_request
    def mark_private(response):
        if g.get("no_store") or is_private_path(request.path):
            response.headers["Cache-Control"] = NO_STORE
            response.headers["Pragma"] = "no-cache"
            response.headers.pop("Expires", None)
        return response


def init_page_cache(app: Flask) -> None:
    init_cache_control(app)
    seconds = app.config.get("PAGE_CACHE_SECONDS") or 0
    if seconds <= 0:
        return
    cache = PageCache(app.config.get("PAGE_CACHE_MAX_ENTRIES", 2000),
                      float(app.config.get("PAGE_CACHE_VERSION_SECONDS", 1.0)))
    app.extensions["page_cache"] = cache

    @app.before_request
    def serve_from_cache():
        if not _cacheable_request():
            return None
        key = (request.host.lower(), request.full_path, request.cookies.get("lang", ""),
               request.cookies.get("text_size", ""))
        version = cache.version.current()
        g.page_cache = (key, version)
        entry = cache.get(key, version)
        if entry is None:
            return None
        g.page_cache_hit = True
        response = Response(entry.body, status=200, mimetype=entry.mimetype)
        if entry.charset:
            response.charset = entry.charset
        return response

    @app.after_request
    def store_in_cache(response):
        state = g.get("page_cache")
        if state is None:
            return response
        if g.get("page_cache_hit"):
            response.headers["X-Cache"] = "hit"
            return response
        response.headers["X-Cache"] = "miss"
        if (response.status_code == 200 and not response.direct_passthrough and not response.is_streamed
                and response.mimetype in CACHED_TYPES and "Set-Cookie" not in response.headers
                and not session.modified):
            key, version = state
            cache.put(key, Entry(response.get_data(), response.mimetype, response.mimetype_params.get("charset"),
                                 version, time.monotonic() + seconds))
        return response

"""How the app runs behind a proxy: trusted ``X-Forwarded-*`` hops, request ids, structured logs.

- ``PROXY_HOPS`` (0 by default): the number of reverse proxies whose ``X-Forwarded-For``,
  ``-Proto`` and ``-Host`` are trusted (werkzeug's ProxyFix). With nginx in front, 1: the client
  address that rate limits key on is then the visitor's, not nginx's. A header a visitor forges
  sits further left in ``X-Forwarded-For`` and is ignored.
- Every request has an id: nginx's ``X-Request-ID`` (deploy/nginx/portal.conf passes
  ``$request_id``) when it looks like one, else a fresh one; it is sent back in ``X-Request-ID``
  and put on every log line of the request.
- ``LOG_FORMAT=json``: one JSON object a line on standard error, for every log record and one per
  request (``request_id``, ``method``, ``path``, ``status``, ``duration_ms``, ``remote_addr``).
  Flask-Limiter's messages (Redis unreachable, recovered) go to the same log in both formats.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_LOGGER = "portal.request"


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, extra fields."""

    EXTRA = ("method", "path", "status", "duration_ms", "remote_addr", "cache")

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id()
        if rid:
            data["request_id"] = rid
        for name in self.EXTRA:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id() or "-"
        return True


def _handler(fmt: str) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name("portal")
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    return handler


def init_logging(app: Flask) -> None:
    fmt = str(app.config.get("LOG_FORMAT") or "text").lower()
    names = (app.logger.name, "flask-limiter", REQUEST_LOGGER)
    for name in names:  # an earlier app of this process (tests) may have configured them
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "portal"]:
            logger.removeHandler(old)
    if app.testing and fmt != "json":
        return  # pytest captures Flask's default handler; nothing to configure
    handler = _handler(fmt)
    for name in names:
        logger = logging.getLogger(name)
        for null in [h for h in logger.handlers if isinstance(h, logging.NullHandler)]:
            logger.removeHandler(null)
        if name == app.logger.name:
            # Flask's default handler would print each record a second time, unformatted.
            from flask.logging import default_handler

            logger.removeHandler(default_handler)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        logger.disabled = False  # logging.config.fileConfig (Alembic's env.py) disables existing loggers


def init_runtime(app: Flask) -> None:
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    init_logging(app)
    log_requests = str(app.config.get("LOG_FORMAT") or "text").lower() == "json"
    request_log = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def assign_request_id():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        g.request_clock = time.perf_counter()

    @app.after_request
    def log_request(response):
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-ID"] = rid
        if log_requests:
            started = g.get("request_clock")
            duration = (time.perf_counter() - started) * 1000 if started is not None else None
            request_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round(duration, 1) if duration is not None else None,
                "remote_addr": request.remote_addr, "cache": response.headers.get("X-Cache"),
            })
        return response

"""The portal's own address: absolute links and the host names it answers to.

Absolute links (emails, Atom feeds, API documents, ``url_for(..., _external=True)``) are built from
``PORTAL_BASE_URL``, never from the request's ``Host`` header: a request sent with
``Host: evil.example`` must not make the portal (or its page cache) hand out links to
evil.example. Requests naming another host are refused with 400, except the names listed in
``EXTRA_HOSTS`` (and ``localhost`` / ``127.0.0.1`` in debug and test runs), and ``/healthz``, which
load balancers call by IP address.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Request, abort, current_app, request
from werkzeug.routing import MapAdapter
from werkzeug.sansio.utils import host_is_trusted

HOST_CHECK_EXEMPT = ("/healthz",)


def base_url() -> str:
    """The configured base URL without a trailing slash ("" when none is configured)."""
    return (current_app.config.get("PORTAL_BASE_URL") or "").rstrip("/")


def absolute_url(path: str) -> str:
    """``path`` (a path inside the portal, e.g. from ``url_for``) as an absolute URL."""
    if path.startswith(("http://", "https://")):
        return path
    base = base_url()
    if not base:  # no base URL configured: only the request can tell (development)
        base = request.host_url.rstrip("/") if request else ""
    parts = urlsplit(base)
    # url_for() already includes the script name; do not repeat the base URL's own path.
    if parts.path and path.startswith(parts.path + "/"):
        base = f"{parts.scheme}://{parts.netloc}"
    return base + "/" + path.lstrip("/")


def trusted_hosts(app: Flask) -> list[str] | None:
    """Host names the portal answers to, or None (any) when no base URL is configured."""
    base = (app.config.get("PORTAL_BASE_URL") or "").strip()
    if not base:
        return None
    names = [urlsplit(base).hostname or ""]
    extra = app.config.get("EXTRA_HOSTS") or []
    if isinstance(extra, str):
        extra = [name.strip() for name in extra.split(",")]
    names.extend(name for name in extra if name)
    if app.debug or app.testing:
        names.extend(["localhost", "127.0.0.1"])
    return [name for name in names if name]


class PortalFlask(Flask):
    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:  # type: ignore[override]
        adapter = super().create_url_adapter(request)
        base = (self.config.get("PORTAL_BASE_URL") or "").strip()
        if adapter is not None and request is not None and base:
            parts = urlsplit(base)
            adapter.server_name = parts.netloc
            adapter.url_scheme = parts.scheme or "https"
            if parts.path.rstrip("/"):
                adapter.script_name = parts.path.rstrip("/") + "/"
        return adapter


def init_hosts(app: Flask) -> None:
    @app.before_request
    def refuse_unknown_host():
        hosts = trusted_hosts(current_app)
        if hosts is None or request.path in HOST_CHECK_EXEMPT:
            return None
        if not host_is_trusted(request.host, hosts):
            abort(400)
        return None

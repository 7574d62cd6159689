"""CSRF for every POST, with form views showing a failed check on the form itself.

``WTF_CSRF_CHECK_DEFAULT`` is off so that a view decorated with ``@form_view`` can re-render its
form (keeping what the user typed) with a clear message when the token is missing or forged: its
FlaskForm validates the token as one of its fields. Every other POST is checked before the view
runs and answered with the 400 page.
"""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, request

from .extensions import csrf


def form_view(view):
    """Mark a view whose FlaskForm validates the CSRF token and re-renders on failure."""
    view._csrf_checked_by_form = True

    @wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    wrapper._csrf_checked_by_form = True
    return wrapper


def signed_token_post(view):
    """A POST authorised by the signed token in its own URL, not by a session: RFC 8058 one-click
    unsubscribe, which mail clients send without cookies or a CSRF token. The view must refuse
    (404) a token that does not verify before it changes anything."""
    view._signed_token_post = True
    return view


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vals) for key, vals in values.lists())


def init_csrf(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        """No path, query parameter or form field may hold a NUL character: nobody can type one,
        and PostgreSQL cannot store or compare one. Such a request is malformed (400), never a 500."""
        if "\x00" in request.path or _has_nul(request.args) or \
                (request.method in ("POST", "PUT", "PATCH") and _has_nul(request.form)):
            abort(400)

    @app.before_request
    def check_csrf():
        if not current_app.config.get("WTF_CSRF_ENABLED", True):
            return None
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return None
        view = current_app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, "_csrf_checked_by_form", False):
            return None
        if view is not None and getattr(view, "_signed_token_post", False) and (request.view_args or {}).get("token"):
            return None  # the view refuses (404) unless the signed token in its URL is valid
        csrf.protect()
        return None


CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

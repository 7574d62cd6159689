"""Domain exceptions that services raise, and the generic error pages.

Services raise ``UserInputError(field, message)`` for bad input that belongs on a form field and
``RuleViolation(message)`` for a rule that refuses the action as a whole; routes map both back onto
the form (``apply_to_form``) so that nothing the user typed is lost, or, for a button, onto a flash
message (``refuse``). Both roll the request's session back: nothing of a refused action is saved.
Error pages never show a trace.
"""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException

from .extensions import db


class DomainError(Exception):
    """Base of the errors that services raise for the user to read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UserInputError(DomainError):
    """Input that breaks a rule; ``field`` names the form field it belongs to (or None)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field


class RuleViolation(DomainError):
    """An action that the rules refuse in the current state (closed period, full slot...)."""


class AccessDenied(DomainError):
    """The current account may not touch this object (mapped to 403)."""


def apply_to_form(form, error: DomainError) -> None:
    """Undo the request's changes and put a domain error onto a WTForms form: on its field if it
    names one, else as a form error. The one place where a form route rolls back
    (docs/architecture.md, "Transactions")."""
    db.session.rollback()
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = list(form[field].errors) + [error.message]
    else:
        form.form_errors.append(error.message)


def refuse(error: DomainError, next_url: str):
    """Undo the request's changes, show the error as a flash message and go to ``next_url``: the
    one place where a button (POST without a form page) route rolls back."""
    from flask import flash, redirect

    db.session.rollback()
    flash(error.message, "error")
    return redirect(next_url)


_TITLES = {
    400: ("请求有误", "Bad request"),
    403: ("无权访问", "Forbidden"),
    404: ("页面不存在", "Page not found"),
    405: ("不支持的操作", "Method not allowed"),
    413: ("文件过大", "Request too large"),
    429: ("操作过于频繁", "Too many requests"),
    500: ("服务暂时不可用", "Server error"),
    503: ("服务暂时不可用", "Service unavailable"),
}


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please go back and try again."),
        403: _("You do not have permission to view this page or change this item."),
        404: _("The page you are looking for does not exist or has been moved."),
        405: _("This action is not supported here."),
        413: _("The upload is larger than allowed."),
        429: _("Too many attempts in a short time. Please wait a few minutes and try again."),
        500: _("Something went wrong on our side. Nothing you submitted was saved by the failed "
               "request. Please try again later."),
        503: _("The service is temporarily unavailable. Please try again in a moment."),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, message: str | None = None):
    from sqlalchemy.exc import InterfaceError, OperationalError

    message = message or _messages().get(code, _messages()[500])
    if wants_json():
        return {"error": {"status": code, "message": message}}, code
    try:
        return render_template("errors/error.html", code=code, message=message), code
    except (OperationalError, InterfaceError):
        # The page itself needed the database (the account of a logged-in visitor, for a 400, 404
        # or 413 during an outage): without this, gunicorn's bare "Internal Server Error".
        _show_as_anonymous()
        return render_template("errors/error.html", code=503, message=_messages()[503]), 503


def _show_as_anonymous() -> None:
    """Render the rest of the request as to an anonymous visitor: loading the account or its
    unread count would need the database again."""
    from flask import g

    from .extensions import login_manager

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection itself is gone
        pass
    g._login_user = login_manager.anonymous_user()


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("The form has expired or did not come from this site. "
                                   "Please go back, reload the page and submit again."))

    @app.errorhandler(AccessDenied)
    def access_denied(error):
        return render_error(403)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code == 413:
            # The body was refused unread: forms on the error page (the logout button of a signed-in
            # visitor) must not try to parse it again, which raised the 413 anew and became a 500.
            request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
        if code == 429:
            # A view may answer its own rate limit (on_breach), e.g. with its form and the typed text.
            return error.response if error.response is not None else render_error(429)
        if code == 405 and getattr(error, "valid_methods", None):  # RFC 9110: a 405 lists what is allowed
            return (*render_error(code, error.description if wants_json() else None),
                    {"Allow": ", ".join(error.valid_methods)})  # type: ignore[attr-defined]
        if wants_json() or code not in _TITLES:
            return render_error(code, error.description)
        return render_error(code)

    @app.errorhandler(Exception)
    def unhandled(error: Exception):
        from sqlalchemy.exc import InterfaceError, OperationalError

        try:
            db.session.rollback()
        except Exception:  # the connection itself is gone
            app.logger.warning("rollback failed after an error", exc_info=True)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        code = 503 if isinstance(error, (OperationalError, InterfaceError)) else 500
        if code == 503:
            # The error page must not need the database: show it as to an anonymous visitor
            # (loading the account or the unread count would fail again).
            _show_as_anonymous()
        try:
            return render_error(code)
        except Exception:
            app.logger.exception("The error page failed too")
            return STATIC_ERROR_PAGE, code, {"Content-Type": "text/html; charset=utf-8"}


STATIC_ERROR_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>服务暂时不可用</title></head>
<body><h1>服务暂时不可用</h1><p>系统正在恢复，请稍后再试。您刚才提交的内容如未收到成功提示，请稍后重新提交。</p>
<p>The service is temporarily unavailable. Please try again in a moment.</p>
<p><a href="/">返回首页</a></p></body></html>"""


def form_status() -> int:
    """200 for a form shown afresh, 422 for a submitted form shown again with its errors."""
    return 200 if request.method == "GET" else 422

import time

from flask import current_app, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.access import staff_required
from ..auth.routes import safe_next
from ..extensions import db
from ..i18n import LANG_COOKIE, TEXT_SIZE_COOKIE
from ..notifications.services import unread_count
from ..sections import sections_for
from ..units.models import units_in_order
from . import bp

ONE_YEAR = 365 * 24 * 3600


@bp.app_context_processor
def inject_inbox_unread():
    if current_user.is_authenticated:
        return {"inbox_unread": unread_count(current_user)}
    return {"inbox_unread": 0}


@bp.before_app_request
def start_timer():
    g.request_started = time.perf_counter()


@bp.after_app_request
def server_timing(response):
    # Server-side duration of every response, for monitoring and the benchmark.
    started = g.get("request_started")
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


@bp.route("/healthz")
def healthz():
    """Liveness check for load balancers (no database): also the benchmark's bare baseline."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/")
def index():
    units = db.session.scalars(units_in_order()).all()
    return render_template("main/index.html", units=units, sections=sections_for("home"))


@bp.route("/preferences/language/<code>")
def language(code: str):
    response = redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(LANG_COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/preferences/text-size/<size>")
def text_size(size: str):
    response = redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    if size in ("large", "normal"):
        response.set_cookie(TEXT_SIZE_COOKIE, size, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement (无障碍声明): what was tested, to which level, and whom to tell."""
    slug = current_app.config["ACCESSIBILITY_CONTACT_UNIT"]
    units = db.session.scalars(units_in_order()).all()
    contact = next((u for u in units if u.slug == slug), None) if slug else None
    contact = contact or next((u for u in units if u.kind == "district_government"), None) or \
        (units[0] if units else None)
    return render_template("main/accessibility.html", contact=contact)


@bp.route("/staff")
@staff_required
def staff_home():
    unit = current_user.unit
    return render_template("main/staff_home.html", unit=unit, sections=sections_for("staff", current_user))

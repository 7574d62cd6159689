"""Registers every feature's blueprint and its place in the main navigation."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

# The five public sections appear in the header only once their feature exists (no placeholders):
# each feature adds its (endpoint, label) here when it lands.
NAV_SECTIONS: list[tuple[str, object]] = [
    ("catalogue.index", _l("Decision catalogue")),
    ("consultation.index", _l("Consultations")),
    ("feedback.index", _l("Adoption feedback")),
    ("meetings.index", _l("Public representatives")),
    ("open_days.index", _l("Government open days")),
    ("board.index", _l("Message board")),
    ("units.index", _l("Units")),
]


def register_blueprints(app: Flask) -> None:
    from .accounts import bp as accounts_bp
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .board import bp as board_bp
    from .calendar import bp as calendar_bp
    from .catalogue import bp as catalogue_bp
    from .consultation import bp as consultation_bp
    from .exports import bp as exports_bp
    from .feedback import bp as feedback_bp
    from .main import bp as main_bp
    from .meetings import bp as meetings_bp
    from .notifications import bp as notifications_bp
    from .open_days import bp as open_days_bp
    from .oversight import bp as oversight_bp
    from .redline import bp as redline_bp
    from .sitesearch import bp as sitesearch_bp
    from .subscriptions import bp as subscriptions_bp
    from .units import bp as units_bp

    # Feature blueprints are imported (and so add their API endpoints to api_bp) before api_bp
    # itself is registered, last.
    for bp in (main_bp, auth_bp, accounts_bp, units_bp, notifications_bp, audit_bp, calendar_bp,
               admin_bp, meetings_bp, open_days_bp, catalogue_bp, consultation_bp, feedback_bp, oversight_bp,
               redline_bp, board_bp, subscriptions_bp, exports_bp, sitesearch_bp, api_bp):
        app.register_blueprint(bp)

    from .requestargs import link_args

    app.jinja_env.globals["link_args"] = link_args  # also seen by imported macros (pagination)

    @app.context_processor
    def inject_nav():
        return {"nav_sections": NAV_SECTIONS}

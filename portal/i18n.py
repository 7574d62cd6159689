"""Flask-Babel set-up: zh_CN by default, English on request (cookie set by the language switch)."""
from __future__ import annotations

import os

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime

from . import clock
from .extensions import babel

LANG_COOKIE = "lang"
TEXT_SIZE_COOKIE = "text_size"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LANG_COOKIE) if request else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_i18n(app: Flask) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", os.path.join(os.path.dirname(__file__), "translations")
    )
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def inject_preferences():
        return {
            "current_locale": select_locale(),
            # a label's colon: full-width in Chinese, without the space an English colon takes
            "colon": "：" if select_locale().startswith("zh") else ": ",
            "languages": current_app.config["LANGUAGES"],
            "large_text": request.cookies.get(TEXT_SIZE_COOKIE) == "large",
            "portal_now": clock.now(),
        }

    @app.template_filter("date")
    def date_filter(value, fmt="medium"):
        if value is None:
            return ""
        return format_date(value, fmt)

    @app.template_filter("datetime")
    def datetime_filter(value, fmt="yyyy-MM-dd HH:mm"):
        if value is None:
            return ""
        # Stored datetimes are already portal time: format them without a zone conversion.
        return format_datetime(clock.aware(value), fmt)

    @app.template_filter("isodate")
    def isodate_filter(value):
        return value.isoformat() if value else ""

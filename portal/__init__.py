"""政民互动 public participation portal: catalogue of major decisions, consultations, adoption
feedback, public representatives at decision meetings and government open days."""
from __future__ import annotations

from typing import Any

from flask import Flask

from .urls import PortalFlask, init_hosts


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """The portal. ``instance_path`` (else ``PORTAL_INSTANCE_PATH``, else ``instance/`` in the
    checkout) holds instance/config.py, uploads, the development mail folder and the job locks."""
    import os

    instance_path = instance_path or os.environ.get("PORTAL_INSTANCE_PATH") or None
    app = PortalFlask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
        instance_path=instance_path,
    )
    if config and config.get("TESTING"):
        app.testing = True
    from . import config as config_module

    config_module.load(app, config)

    from . import extensions as ext
    from .runtime import init_runtime

    init_runtime(app)  # first: its request id and clock cover every other before_request
    from .i18n import init_i18n
    from .security import CSP, init_csrf

    init_hosts(app)
    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=app.config.get("MIGRATIONS_DIR") or _migrations_dir(),
                         render_as_batch=True, compare_type=True)
    ext.login_manager.init_app(app)
    ext.csrf.init_app(app)
    ext.bootstrap.init_app(app)
    ext.limiter.init_app(app)
    ext.talisman.init_app(
        app,
        force_https=bool(app.config.get("FORCE_HTTPS")),
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=bool(app.config.get("FORCE_HTTPS")),
    )
    init_i18n(app)
    init_csrf(app)
    app.jinja_env.add_extension("jinja2.ext.do")

    from .notifications.services import init_after_request_delivery

    init_after_request_delivery(app)

    from .errors import register_error_handlers

    register_error_handlers(app)

    from .database import init_database

    init_database(app)

    from .blueprints import register_blueprints

    register_blueprints(app)

    from .health import init_health

    init_health(app)

    from .pagecache import init_page_cache

    init_page_cache(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _migrations_dir() -> str:
    import os

    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")

"""``/readyz`` for load balancers: 200 when this node can serve, 503 with the reason otherwise.

``/healthz`` (portal/main) only says the process answers. ``/readyz`` also checks that the
database answers, that its schema is at the migrations' head (a node started before
``flask db upgrade`` or with older code is not ready), and that Redis answers when ``REDIS_URL`` is
set (without Redis the node still serves, with per-process rate limits, but is reported
degraded with a 503 so that monitoring notices).
"""
from __future__ import annotations

import functools
import os

from flask import Flask, current_app
from sqlalchemy import text

from .extensions import db


@functools.lru_cache(maxsize=4)
def migration_heads(directory: str) -> frozenset[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _check_database() -> tuple[bool, str]:
    from alembic.runtime.migration import MigrationContext

    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        current_app.logger.warning("readyz: database unreachable: %s", type(error).__name__)
        return False, "unreachable"
    directory = current_app.extensions["migrate"].directory
    heads = migration_heads(os.path.abspath(directory))
    if current != heads:
        return False, "schema at %s, migrations at %s" % (",".join(sorted(current)) or "none",
                                                          ",".join(sorted(heads)))
    return True, "ok"


def _check_redis() -> tuple[bool, str]:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return True, "not configured"
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001
        current_app.logger.warning("readyz: redis unreachable: %s", type(error).__name__)
        return False, "unreachable"
    finally:
        client.close()
    return True, "ok"


def readyz():
    checks = {}
    ready = True
    for name, check in (("database", _check_database), ("redis", _check_redis)):
        ok, detail = check()
        checks[name] = detail
        ready = ready and ok
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return body, 200 if ready else 503, {"Cache-Control": "no-store"}


def init_health(app: Flask) -> None:
    app.add_url_rule("/readyz", "readyz", readyz)

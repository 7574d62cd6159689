"""The portal's clock: naive local datetimes in the configured zone (Asia/Shanghai by default).

China has one time zone and no daylight saving time, so every stored datetime is naive local
"portal time". Tests and demos freeze the clock with ``CLOCK_NOW``; nothing else calls
``datetime.now()`` directly.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def zone() -> ZoneInfo:
    name = current_app.config["TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def now() -> datetime:
    """Current portal time, without microseconds (they only make tests and audit noisy)."""
    if has_app_context():
        frozen = current_app.config.get("CLOCK_NOW")
        if frozen:
            return frozen if isinstance(frozen, datetime) else datetime.fromisoformat(frozen)
    return datetime.now(zone()).replace(tzinfo=None, microsecond=0)


def today() -> date:
    return now().date()


def aware(value: datetime) -> datetime:
    """Attach the portal zone to a stored naive datetime (for calendars and feeds)."""
    return value.replace(tzinfo=zone())

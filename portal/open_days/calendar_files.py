"""Files handed to visitors: the check-in QR image and the .ics calendar files of an activity and
of a registration. Changes when a format or a calendar client changes, not when a rule does."""
from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from flask import current_app

from .. import clock
from ..notifications.services import absolute_url
from .models import OpenActivity, OpenRegistration, OpenSlot


def qr_png(code: str) -> bytes:
    import qrcode
    from qrcode.image.pure import PyPNGImage

    image = qrcode.make(code, image_factory=PyPNGImage, box_size=8, border=3)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def _event(slot: OpenSlot, uid: str, stamp) -> Any:
    from icalendar import Event

    activity = slot.activity
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", clock.aware(slot.starts_at))
    event.add("dtend", clock.aware(slot.ends_at))
    event.add("summary", activity.title)
    event.add("location", activity.place)
    event.add("description", activity.description)
    event.add("url", absolute_url(f"/open-days/{activity.id}"))
    return event


def _calendar(events: Iterable[Any]) -> bytes:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//Public Participation Portal//open days//ZH")
    calendar.add("version", "2.0")
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _host() -> str:
    return current_app.config["PORTAL_BASE_URL"].split("//")[-1].split("/")[0]


def activity_ics(activity: OpenActivity) -> bytes:
    stamp = clock.aware(clock.now())
    host = _host()
    return _calendar(_event(slot, f"open-slot-{slot.id}@{host}", stamp) for slot in activity.slots)


def registration_ics(registration: OpenRegistration) -> bytes:
    stamp = clock.aware(clock.now())
    return _calendar([_event(registration.slot, f"open-registration-{registration.id}@{_host()}", stamp)])

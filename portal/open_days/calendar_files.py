"""Files handed to visitors: the check-in QR image and the .ics calendar files of an activity and
of a registration. Changes when a format or a calendar client changes, not when a rule does."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app

from .. import clock
from ..notifications.services import MadeAttachment, absolute_url, attachment_maker
from .models import OpenActivity, OpenRegistration, OpenSlot


def qr_png(code: str, box_size: int = 8, border: int = 3) -> bytes:
    """The check-in code as a black-and-white PNG (``box_size`` pixels a module, ``border``
    modules of quiet zone). The PNG is written here with zlib: qrcode's pure-Python PNG writer took
    two thirds of the CPU of a confirmed registration, whose email carries this image."""
    import qrcode

    qr = qrcode.QRCode(box_size=box_size, border=border)
    qr.add_data(code)
    qr.make(fit=True)
    return png_of_matrix(qr.get_matrix(), box_size)  # the matrix includes the border


@attachment_maker("checkin-qr")
def _checkin_qr(code: str) -> bytes:
    return qr_png(code)


def checkin_qr_attachment(code: str) -> MadeAttachment:
    """The check-in QR image of a registration's email, drawn when the email is sent."""
    return MadeAttachment(f"check-in-{code}.png", "image/png", "checkin-qr", code)


def png_of_matrix(matrix: list[list[bool]], box_size: int) -> bytes:
    """A 1-bit greyscale PNG of ``matrix`` (True is a dark module), each module a square of
    ``box_size`` pixels."""
    import struct
    import zlib

    size = len(matrix) * box_size
    rows = []
    for modules in matrix:
        bits = "".join(("0" if dark else "1") * box_size for dark in modules)  # 0 is black
        bits += "1" * (-len(bits) % 8)
        row = b"\x00" + int(bits, 2).to_bytes(len(bits) // 8, "big")  # filter type 0, then the pixels
        rows.append(row * box_size)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)  # 1 bit, greyscale, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
            + chunk(b"IEND", b""))


def _event(slot: OpenSlot, uid: str, stamp) -> Any:
    from icalendar import Event

    activity = slot.activity
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", clock.aware(slot.starts_at))
    event.add("dtend", clock.aware(slot.ends_at))
    event.add("summary", activity.title)
    # An online activity's place is its link (the services store it as both): the calendar opens it.
    event.add("location", activity.place)
    event.add("description", activity.description)
    event.add("url", activity.online_url if activity.is_online else absolute_url(f"/open-days/{activity.id}"))
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

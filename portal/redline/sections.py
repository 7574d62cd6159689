"""The redline's sections on pages owned by others: the item hub and "my participation"."""
from __future__ import annotations

from ..sections import section
from . import services as svc

ME_LIMIT = 20


@section("hub", "redline/_hub_section.html", order=35)
def hub_changes(item):
    if item.status not in svc.ISSUED_STATUSES:
        return None
    final = svc.final_text_of(item)
    if final is None or not final.counts:
        return None
    return {"item": item, "counts": final.counts}


@section("me", "redline/_me_section.html", order=16)
def my_threads(account):
    found = svc.my_items(account, ME_LIMIT)
    return {"threads": found} if found else None

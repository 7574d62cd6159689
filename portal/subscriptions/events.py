"""``emit``: one line in the owning service writes the event row in that service's transaction.

    events.emit(EventKind.consultation_opened, consultation)

A new kind of event is one member of ``EventKind`` and the ``emit`` call in its service, as the
message board's ``board_reply_published`` (``portal/board/publication.py``); a feature's model may
say what it is about with a method
``subscription_event() -> (subject type, unit id, decision id, title, link path)``, so followers
of the policy (decision item), its unit and its topics are told.

Nothing is sent here: the fan-out job matches the event to subscriptions after it committed
(a refused or rolled-back action emits nothing).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from .models import Event, EventKind

__all__ = ["EventKind", "emit"]


def _describe(subject: Any) -> tuple[str, int | None, int | None, str, str]:
    """(subject type, unit id, decision id, title, link path) of a model object. Paths are
    written out (not ``url_for``) because scheduled jobs emit events outside any request."""
    name = type(subject).__name__
    describe = getattr(subject, "subscription_event", None)
    if describe is not None:  # a feature's own model describes itself (e.g. a message-board reply)
        return describe()
    if name == "Consultation":
        return ("consultation", subject.unit_id, subject.decision_id, subject.title,
                f"/consultations/{subject.id}")
    if name == "DecisionItem":
        return ("decision", subject.unit_id, subject.id, subject.title,
                f"/decisions/{subject.id}")
    if name == "AdoptionReport":
        item = subject.decision
        return ("feedback", item.unit_id, item.id, item.title, f"/feedback/{item.id}")
    if name == "Meeting":
        decisions = list(subject.decisions)
        return ("meeting", subject.unit_id, decisions[0].id if decisions else None, subject.title,
                f"/meetings/{subject.id}")
    if name == "OpenActivity":
        return ("open_day", subject.unit_id, None, subject.title,
                f"/open-days/{subject.id}")
    raise TypeError(f"no event can be emitted for {name}")


def emit(kind: EventKind, subject: Any, *, summary: str = "", dedup_key: str | None = None) -> Event | None:
    """Write the event of ``kind`` about ``subject`` (flushed, never committed). With
    ``dedup_key`` an event already emitted under that key is not emitted again (returns None)."""
    subject_type, unit_id, decision_id, title, link = _describe(subject)
    if dedup_key is not None and db.session.scalar(select(Event.id).where(Event.dedup_key == dedup_key)):
        return None
    event = Event(kind=kind.value, unit_id=unit_id, decision_id=decision_id, subject_type=subject_type,
                  subject_id=subject.id, title=title[:300], summary=summary, link=link, dedup_key=dedup_key)
    db.session.add(event)
    db.session.flush()
    return event

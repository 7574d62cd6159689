"""The one helper that every state change calls: ``record``."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request

from .. import clock
from ..extensions import db
from .models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return _plain(value.value)  # enums
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The given fields of a model as plain JSON data, for ``before`` and ``after``."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(
    actor,
    action: str,
    obj: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
    object_type: str | None = None,
    object_id: int | None = None,
    unit_id: int | None = None,
) -> AuditEntry:
    """Append an audit entry for a state change, in the same transaction as the change.

    ``actor`` is an Account or None (the system, e.g. a CLI command). Never put personal data
    (ID numbers, mobiles) in ``before``/``after``: the log outlives the purge of such data.
    """
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__.lower())
        if object_id is None:
            if getattr(obj, "id", None) is None:
                db.session.flush()
            object_id = getattr(obj, "id", None)
        if unit_id is None:
            # The same rule as the access check: owner_unit_id, else unit_id; a Unit is its own.
            unit_id = getattr(obj, "owner_unit_id", None) or getattr(obj, "unit_id", None)
            if unit_id is None and getattr(obj, "__tablename__", None) == "unit":
                unit_id = obj.id
    actor_id = getattr(actor, "id", None)
    actor_label = ""
    if actor is not None:
        # Staff and admins act in office and are named; residents only by account number, so that
        # the log holds no resident's personal data after the account is deleted.
        actor_label = f"{actor.name} ({actor.role})" if actor.role != "resident" else f"resident #{actor.id}"
    entry = AuditEntry(
        actor_id=actor_id,
        actor_label=actor_label or "system",
        unit_id=unit_id,
        object_type=object_type or "",
        object_id=object_id,
        action=action,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        summary=summary[:500],
        ip=(request.remote_addr if has_request_context() else None),
        at=clock.now(),  # the time of the action, not of the flush that writes the entry
    )
    # Added, not flushed: it is written by the caller's next flush or by the commit, with the other
    # rows of the action (one flush instead of one more per action: a registration storm sends 500).
    # A query in the same transaction still sees it (autoflush).
    db.session.add(entry)
    return entry

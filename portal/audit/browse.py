"""The audit log as the district office reads it: filters (unit, actor, object, action, dates) and
the export of what they select (CSV streamed, XLSX), in words (see ``labels``)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from ..extensions import db
from ..requestargs import DB_INT_MAX, parse_int
from . import labels
from .models import AuditEntry

BATCH = 1000
CSV_CHUNK_ROWS = 500
TEXT_MAX = 100


@dataclass
class AuditFilters:
    unit_id: int | None = None
    actor_id: int | None = None
    actor: str = ""            # part of the actor's name as recorded
    object_type: str = ""
    object_id: int | None = None
    action: str = ""           # an action name, or its prefix ("catalogue.")
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        def day(name: str) -> date | None:
            raw = (args.get(name) or "")[:40]
            try:
                return datetime.fromisoformat(raw).date() if raw else None
            except ValueError:
                return None

        def text(name: str) -> str:
            return (args.get(name) or "").strip()[:TEXT_MAX]

        return cls(unit_id=parse_int(args.get("unit_id"), minimum=1, maximum=DB_INT_MAX),
                   actor_id=parse_int(args.get("actor_id"), minimum=1, maximum=DB_INT_MAX),
                   actor=text("actor"), object_type=text("object_type"),
                   object_id=parse_int(args.get("object_id"), minimum=0, maximum=DB_INT_MAX),
                   action=text("action"), since=day("since"), until=day("until"))

    def query(self) -> Select:
        query = select(AuditEntry)
        if self.unit_id is not None:
            query = query.where(AuditEntry.unit_id == self.unit_id)
        if self.actor_id is not None:
            query = query.where(AuditEntry.actor_id == self.actor_id)
        if self.actor:
            query = query.where(AuditEntry.actor_label.contains(self.actor, autoescape=True))
        if self.object_type:
            query = query.where(AuditEntry.object_type == self.object_type)
        if self.object_id is not None:
            query = query.where(AuditEntry.object_id == self.object_id)
        if self.action:
            query = query.where(AuditEntry.action.startswith(self.action, autoescape=True))
        if self.since is not None:
            query = query.where(AuditEntry.at >= datetime.combine(self.since, time.min))
        if self.until is not None:
            query = query.where(AuditEntry.at <= datetime.combine(self.until, time.max))
        return query.order_by(AuditEntry.id.desc())


def object_types() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)))


def actor_text(entry: AuditEntry) -> str:
    """Who acted, in words: the name and role as recorded, "system" for the scheduled jobs."""
    label = entry.actor_label or ""
    if label == "system":
        return _("System")
    for role, word in (("(admin)", _("district office")), ("(staff)", _("unit staff"))):
        if label.endswith(role):
            return f"{label[: -len(role)].strip()}（{word}）"
    if label.startswith("resident #"):
        return _("Resident no. %(n)s", n=label[len("resident #"):])
    return label


def header() -> list[str]:
    return [_("Time"), _("Actor"), _("Action"), _("Object"), _("Object ID"), _("Name"), _("Field"), _("Before"),
            _("After"), _("Summary"), _("Action name")]


def rows(filters: AuditFilters) -> Iterator[list[Any]]:
    """One row per changed field of each entry (one row for an entry without fields), in batches
    (the objects' names without their pages: an export has no links)."""
    query = filters.query().execution_options(yield_per=BATCH)
    batch: list[AuditEntry] = []

    def flush(entries: list[AuditEntry]) -> Iterator[list[Any]]:
        refs = labels.object_refs(entries, links=False)
        for e in entries:
            ref = refs.get((e.object_type, e.object_id)) if e.object_id is not None else None
            base = [e.at.strftime("%Y-%m-%d %H:%M:%S"), actor_text(e), labels.action_label(e.action),
                    labels.object_label(e.object_type), e.object_id if e.object_id is not None else "",
                    ref.name if ref else ""]
            changed = labels.changes(e.before, e.after, e.object_type)
            if not changed:
                yield [*base, "", "", "", e.summary, e.action]
            for change in changed:
                yield [*base, change.label, change.before, change.after, e.summary, e.action]

    for entry in db.session.scalars(query):
        batch.append(entry)
        if len(batch) == BATCH:
            yield from flush(batch)
            batch = []
    yield from flush(batch)


def excel_safe(value: Any) -> Any:
    # A cell starting with = + - @ would be run as a formula by spreadsheet programs.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def csv_stream(filters: AuditFilters) -> Iterator[str]:
    """CSV in UTF-8 with a byte order mark (Excel shows the Chinese text), in chunks; see
    ``csv_response_body`` for running it after the request."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header())
    for count, row in enumerate(rows(filters), 1):
        writer.writerow([excel_safe(v) for v in row])
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(filters: AuditFilters) -> bytes:
    """The same rows as a workbook, written in openpyxl's write-only mode (rows read in batches)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Audit log"))[:31])
    sheet.append(header())
    for row in rows(filters):
        sheet.append([excel_safe(v) for v in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_response_body(filters: AuditFilters, locale: str) -> Iterator[str]:
    """``csv_stream`` for a streamed response: it runs after the request has ended, in an
    application context and the request's language of its own. Not started until the first chunk
    is asked for (so a response never read leaves nothing open)."""
    from flask import current_app
    from flask_babel import force_locale

    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def body() -> Iterator[str]:
        with app.app_context(), force_locale(locale):
            try:
                yield from csv_stream(filters)
            finally:
                db.session.remove()

    return body()

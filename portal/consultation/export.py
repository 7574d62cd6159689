"""The staff export of a consultation's comments and offline opinions (CSV and XLSX).

Rows are read from the database in batches (``yield_per``), so a consultation with 200,000
comments is exported without holding them in memory. The CSV is streamed: ``csv_stream`` loads the
consultation itself, by id, because a streamed response runs after the request's own session has
closed (its objects are detached by then)."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterator

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from .models import (
    Comment,
    CommentStatus,
    Consultation,
    OfflineChannel,
    RejectionReason,
    RespondentType,
)
from .services import offline_of

BATCH = 1000
CSV_CHUNK_ROWS = 500
TIME_FORMAT = "%Y-%m-%d %H:%M"


def export_header() -> list[str]:
    return [_("Source"), _("Number"), _("Section"), _("Respondent type"), _("Status"), _("Shown as"),
            _("Original text (as typed, staff only)"), _("Published text (personal data hidden)"),
            _("Submitted"), _("Published"), _("Campaign"), _("Reason not published"), _("Participants")]


def export_rows(consultation: Consultation) -> Iterator[list[Any]]:
    """Every comment and offline opinion of the consultation, read in batches."""
    labels = {s.id: s.label for s in consultation.sections}
    whole_draft = str(_("Whole draft"))
    query = (select(Comment).where(Comment.consultation_id == consultation.id).order_by(Comment.id)
             .execution_options(yield_per=BATCH))
    for c in db.session.scalars(query):
        reason = RejectionReason.label_of(c.rejection_reason)
        if c.rejection_note:
            reason = f"{reason}: {c.rejection_note}"
        section = labels.get(c.section_id, whole_draft) if c.section_id is not None else whole_draft
        yield [str(_("Online comment")), c.tracking_number or "", section,
               RespondentType.label_of(c.respondent_type) or c.respondent_type,
               CommentStatus.label_of(c.status), c.public_name, c.text, c.public_text,
               c.created_at.strftime(TIME_FORMAT),
               c.published_at.strftime(TIME_FORMAT) if c.published_at else "",
               c.campaign_id or "", reason, 1]
    for opinion in offline_of(consultation):
        channel = OfflineChannel.label_of(opinion.channel)
        yield [channel, f"OFF-{opinion.id}", "", "", "", "", opinion.summary, opinion.public_summary,
               opinion.held_on.isoformat(), "", "", "", opinion.participants]
        for item in opinion.items:
            section = labels.get(item.section_id, whole_draft) if item.section_id is not None else whole_draft
            yield [channel, f"OFF-{opinion.id}-{item.id}", section,
                   "", "", "", item.text, "", opinion.held_on.isoformat(), "", "", "", ""]


def csv_chunks(consultation: Consultation) -> Iterator[str]:
    """CSV in UTF-8 with a byte order mark, so that Excel shows the Chinese text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(export_header())
    for count, row in enumerate(export_rows(consultation), 1):
        writer.writerow([excel_safe(value) for value in row])
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_stream(consultation_id: int) -> Iterator[str]:
    """``csv_chunks`` for a streamed response: run inside the request's contexts (wrap it in
    ``stream_with_context``), it loads the consultation in the session the stream itself uses."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:  # deleted between the request and the stream
        return
    yield from csv_chunks(consultation)


def xlsx_bytes(consultation: Consultation) -> bytes:
    """The same rows as an Excel workbook, written in openpyxl's streaming (write-only) mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Comments"))[:31])
    sheet.append(export_header())
    for row in export_rows(consultation):
        sheet.append([excel_safe(value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def excel_safe(value: Any) -> Any:
    # A cell starting with = + - @ would be run as a formula by spreadsheet programs.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value

"""The staff export of a consultation's comments and offline opinions (CSV and XLSX).

Staff see both texts, labelled: the original as typed (staff only) and the published text with
personal data hidden, which is what every public output uses. Rows are read as plain tuples in
keyset batches (``id > last ORDER BY id LIMIT BATCH`` on ``ix_consultation_comment_export``), never
as ORM objects and without a cursor held open across batches, so memory stays flat whatever the
number of comments and the export job may commit its progress between batches. The XLSX is written
by openpyxl in write-only mode (rows go to a temporary file, never kept in memory).

A consultation up to ``EXPORT_DIRECT_MAX_ROWS`` rows is sent at once (``csv_stream`` /
``write_xlsx``); a larger one is written by the export job (``portal.exports``, kind
``consultation_comments``), which calls the same writers.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

from flask import current_app, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import record
from ..exports.models import ExportJob
from ..exports.services import register
from ..extensions import db
from .models import (
    Comment,
    CommentStatus,
    Consultation,
    OfflineChannel,
    OfflineOpinion,
    OfflineOpinionItem,
    RejectionReason,
    RespondentType,
)
from .services import offline_of

KIND = "consultation_comments"
BATCH = 2000
CSV_CHUNK_ROWS = 500
TIME_FORMAT = "%Y-%m-%d %H:%M"
FORMATS = ("csv", "xlsx")
# Characters XML 1.0 (so XLSX) cannot hold: control characters other than tab, LF and CR.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Progress = Callable[[int], None]

_COLUMNS = (Comment.id, Comment.tracking_number, Comment.section_id, Comment.respondent_type, Comment.status,
            Comment.public_name, Comment.text, Comment.public_text, Comment.created_at, Comment.published_at,
            Comment.campaign_id, Comment.rejection_reason, Comment.rejection_note)


def export_header() -> list[str]:
    return [_("Source"), _("Number"), _("Section"), _("Respondent type"), _("Status"), _("Shown as"),
            _("Original text (as typed, staff only)"), _("Published text (personal data hidden)"),
            _("Submitted"), _("Published"), _("Campaign"), _("Reason not published"), _("Participants")]


def row_count(consultation: Consultation) -> int:
    """Rows of the export: every comment, every offline opinion and each of its items."""
    comments = db.session.scalar(select(func.count()).select_from(Comment)
                                 .where(Comment.consultation_id == consultation.id)) or 0
    opinions = db.session.scalar(select(func.count()).select_from(OfflineOpinion)
                                 .where(OfflineOpinion.consultation_id == consultation.id)) or 0
    items = db.session.scalar(select(func.count()).select_from(OfflineOpinionItem).join(OfflineOpinion)
                              .where(OfflineOpinion.consultation_id == consultation.id)) or 0
    return comments + opinions + items


def _comment_batches(consultation_id: int) -> Iterator[Sequence[Any]]:
    last = 0
    while True:
        batch = db.session.execute(
            select(*_COLUMNS).where(Comment.consultation_id == consultation_id, Comment.id > last)
            .order_by(Comment.id).limit(BATCH)).all()
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def export_rows(consultation: Consultation) -> Iterator[list[Any]]:
    """Every comment and offline opinion of the consultation, read in batches."""
    labels = {s.id: s.label for s in consultation.sections}
    whole_draft = str(_("Whole draft"))
    online = str(_("Online comment"))
    statuses = {value: str(label) for value, label in CommentStatus.choices()}
    respondents = {value: str(label) for value, label in RespondentType.choices()}
    reasons = {value: str(label) for value, label in RejectionReason.choices()}
    for batch in _comment_batches(consultation.id):
        for (_id, number, section_id, respondent, status, public_name, text, public_text, created_at,
             published_at, campaign_id, reason_value, note) in batch:
            reason = reasons.get(reason_value, "") if reason_value else ""
            if note:
                reason = f"{reason}: {note}"
            section = labels.get(section_id, whole_draft) if section_id is not None else whole_draft
            yield [online, number or "", section, respondents.get(respondent, respondent),
                   statuses.get(status, status), public_name, text, public_text,
                   created_at.strftime(TIME_FORMAT), published_at.strftime(TIME_FORMAT) if published_at else "",
                   campaign_id or "", reason, 1]
    for opinion in offline_of(consultation):
        channel = OfflineChannel.label_of(opinion.channel)
        yield [channel, f"OFF-{opinion.id}", "", "", "", "", opinion.summary, opinion.public_summary,
               opinion.held_on.isoformat(), "", "", "", opinion.participants]
        for item in opinion.items:
            section = labels.get(item.section_id, whole_draft) if item.section_id is not None else whole_draft
            yield [channel, f"OFF-{opinion.id}-{item.id}", section,
                   "", "", "", item.text, "", opinion.held_on.isoformat(), "", "", "", ""]


def _counted(rows: Iterable[list[Any]], progress: Progress | None) -> Iterator[list[Any]]:
    """``rows``, reporting the number written after each ``BATCH`` rows and at the end."""
    count = 0
    for row in rows:
        yield row
        count += 1
        if progress is not None and count % BATCH == 0:
            progress(count)
    if progress is not None:
        progress(count)


def csv_chunks(consultation: Consultation, progress: Progress | None = None) -> Iterator[str]:
    """CSV in UTF-8 with a byte order mark, so that Excel shows the Chinese text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(export_header())
    for count, row in enumerate(_counted(export_rows(consultation), progress), 1):
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


def write_csv(consultation: Consultation, out: IO[bytes], progress: Progress | None = None) -> None:
    for chunk in csv_chunks(consultation, progress):
        out.write(chunk.encode("utf-8"))


def write_xlsx(consultation: Consultation, out: IO[bytes], progress: Progress | None = None) -> None:
    """The same rows as an Excel workbook, written in openpyxl's streaming (write-only) mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Comments"))[:31])
    sheet.append(export_header())
    for row in _counted(export_rows(consultation), progress):
        sheet.append([xlsx_safe(value) for value in row])
    workbook.save(out)


def xlsx_bytes(consultation: Consultation) -> bytes:
    output = io.BytesIO()
    write_xlsx(consultation, output)
    return output.getvalue()


def excel_safe(value: Any) -> Any:
    # A cell starting with = + - @ would be run as a formula by spreadsheet programs.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def xlsx_safe(value: Any) -> Any:
    """``excel_safe``, and without the control characters an XLSX file cannot hold (a comment
    pasted with one would otherwise fail the whole export)."""
    if isinstance(value, str):
        value = _XML_ILLEGAL.sub("", value)
    return excel_safe(value)


def record_direct(actor, consultation: Consultation, fmt: str, rows: int) -> None:
    """The audit entry of an export sent at once (a job records its request and each download)."""
    record(actor, "consultation.export", consultation, after={"format": fmt, "rows": rows},
           summary=consultation.title)


def filename(consultation: Consultation, fmt: str) -> str:
    return f"consultation-{consultation.id}-comments.{fmt}"


def job_title(consultation: Consultation, fmt: str) -> str:
    return _("Comments of %(title)s (%(format)s)", title=consultation.title, format=fmt.upper())


def _back(job: ExportJob) -> str:
    return url_for("consultation.staff_detail", consultation_id=job.subject_id)


@register(KIND, back=_back)
def write_job(job: ExportJob, out: IO[bytes], progress: Progress) -> None:
    """The export job's writer: the consultation in ``job.params``, in ``job.format``."""
    with force_locale(job.params.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
        consultation = db.session.get(Consultation, job.params["consultation_id"])
        if consultation is None:
            raise LookupError(_("The consultation no longer exists."))
        (write_xlsx if job.format == "xlsx" else write_csv)(consultation, out, progress)


def job_params(consultation: Consultation) -> dict[str, Any]:
    """The job's input: the consultation, and the language of the request (headers and labels)."""
    return {"consultation_id": consultation.id, "locale": str(get_locale() or "")}

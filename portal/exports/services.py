"""Export jobs: queue one, claim it on exactly one node, write its file, keep it until it expires.

A feature registers a writer for its ``kind``::

    @register("consultation_comments", back=lambda job: url_for(...))
    def write(job: ExportJob, out: BinaryIO, progress: Callable[[int], None]) -> None:
        ...  # write the file to ``out``; call progress(rows_done) after each batch

and queues a job with ``request_export(actor, kind=..., ...)`` from its route. The worker
(``flask --app portal exports run``) claims queued jobs with a conditional UPDATE (a row-level
claim: two nodes never run the same job, and several nodes work on different jobs at once), writes
the file to a temporary file of its own, then stores it in ``export_chunk`` rows in the same
transaction that marks the job done, so every node can serve it and no half-written file is ever
offered. ``purge_expired`` deletes the chunks of files past ``expires_at``.
"""
from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update

from .. import clock
from ..audit.services import record
from ..database import changed_rows
from ..extensions import db
from .models import ExportChunk, ExportJob, ExportStatus

CHUNK_BYTES = 1024 * 1024
# A running job whose worker has not reported progress for this long is taken as dead (the node
# stopped): it is marked failed, so that staff see it and may request the export again.
STALE_AFTER = timedelta(minutes=10)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Writer = Callable[[ExportJob, IO[bytes], Callable[[int], None]], None]


@dataclass(frozen=True)
class Kind:
    name: str
    write: Writer
    back: Callable[[ExportJob], str] | None  # the page the job page links back to


KINDS: dict[str, Kind] = {}


def register(name: str, back: Callable[[ExportJob], str] | None = None) -> Callable[[Writer], Writer]:
    def decorate(write: Writer) -> Writer:
        KINDS[name] = Kind(name, write, back)
        return write
    return decorate


def back_url(job: ExportJob) -> str | None:
    kind = KINDS.get(job.kind)
    return kind.back(job) if kind and kind.back else None


def keep_for() -> timedelta:
    return timedelta(hours=current_app.config["EXPORT_KEEP_HOURS"])


def direct_max_rows() -> int:
    return int(current_app.config["EXPORT_DIRECT_MAX_ROWS"])


# --- requesting ----------------------------------------------------------------------------------

def request_export(actor, *, kind: str, fmt: str, params: dict[str, Any], title: str, filename: str,
                   unit_id: int | None, rows_total: int, subject_type: str = "",
                   subject_id: int | None = None) -> ExportJob:
    """Queue an export, or return the same one already waiting or running (pressing "export"
    twice does not write the file twice). Flushes; the caller commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown export format {fmt!r}")
    for job in db.session.scalars(select(ExportJob).where(
            ExportJob.kind == kind, ExportJob.format == fmt, ExportJob.subject_type == subject_type,
            ExportJob.subject_id == subject_id,
            ExportJob.status.in_((ExportStatus.queued.value, ExportStatus.running.value)))):
        if job.params == params:
            return job
    job = ExportJob(kind=kind, format=fmt, params=params, title=title[:300], filename=filename[:200],
                    content_type=CONTENT_TYPES[fmt], unit_id=unit_id, rows_total=rows_total,
                    subject_type=subject_type, subject_id=subject_id,
                    requested_by_id=getattr(actor, "id", None), status=ExportStatus.queued.value)
    db.session.add(job)
    db.session.flush()
    record(actor, "export.request", job, after={"kind": kind, "format": fmt, "rows": rows_total,
                                                "subject": f"{subject_type}:{subject_id}"},
           summary=title)
    return job


def jobs_of(subject_type: str, subject_id: int, limit: int = 5) -> list[ExportJob]:
    return list(db.session.scalars(select(ExportJob).where(
        ExportJob.subject_type == subject_type, ExportJob.subject_id == subject_id)
        .order_by(ExportJob.id.desc()).limit(limit)))


# --- the worker ----------------------------------------------------------------------------------

def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def claim(job_id: int, worker: str | None = None) -> bool:
    """Take a queued job for this process: True for exactly one caller, whatever the node."""
    now = clock.now()
    result = db.session.execute(
        update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == ExportStatus.queued.value)
        .values(status=ExportStatus.running.value, started_at=now, heartbeat_at=now, rows_done=0,
                worker=worker or worker_name()))
    return changed_rows(result) == 1


def claim_next(worker: str | None = None) -> ExportJob | None:
    """The oldest queued job, claimed (committed, so other nodes see it taken), or None."""
    while True:
        job_id = db.session.scalar(select(ExportJob.id).where(ExportJob.status == ExportStatus.queued.value)
                                   .order_by(ExportJob.id).limit(1))
        if job_id is None:
            db.session.rollback()
            return None
        taken = claim(job_id, worker)
        db.session.commit()
        if taken:
            return db.session.get(ExportJob, job_id, populate_existing=True)


def fail_stale() -> int:
    """Mark running jobs whose worker went silent (``STALE_AFTER``) as failed. Flushes."""
    cutoff = clock.now() - STALE_AFTER
    stale = list(db.session.scalars(select(ExportJob).where(
        ExportJob.status == ExportStatus.running.value, ExportJob.heartbeat_at < cutoff)))
    for job in stale:
        _fail(job, _("The export stopped unexpectedly (its worker went silent). Please request it again."))
    return len(stale)


def _fail(job: ExportJob, message: str) -> None:
    db.session.execute(delete(ExportChunk).where(ExportChunk.job_id == job.id))
    job.status = ExportStatus.failed.value
    job.error = message[:1000]
    job.finished_at = clock.now()
    record(None, "export.failed", job, after={"error": job.error}, summary=job.title)
    db.session.flush()


def run(job: ExportJob) -> None:
    """Write the file of a claimed job and store it; commits (progress, then the result).

    Progress (rows written) is committed after each batch the writer reports, so the job page
    shows it and ``fail_stale`` knows the worker is alive. A writer error marks the job failed
    with its message (shown on the job page) and is logged with its trace."""
    kind = KINDS.get(job.kind)
    job_id = job.id

    def progress(rows_done: int) -> None:
        db.session.execute(update(ExportJob).where(ExportJob.id == job_id)
                           .values(rows_done=rows_done, heartbeat_at=clock.now()))
        db.session.commit()

    try:
        if kind is None:
            raise LookupError(f"no writer for exports of kind {job.kind!r}")
        with tempfile.TemporaryFile() as out:
            kind.write(job, out, progress)
            size = out.tell()
            out.seek(0)
            seq = 0
            while data := out.read(CHUNK_BYTES):
                # Core inserts: the chunks never sit in the session's identity map.
                db.session.execute(insert(ExportChunk).values(job_id=job_id, seq=seq, data=data))
                seq += 1
        now = clock.now()
        # Only a job still running: one failed meanwhile as stale stays failed, its file unstored.
        finished = db.session.execute(
            update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == ExportStatus.running.value)
            .values(status=ExportStatus.done.value, size_bytes=size, finished_at=now, heartbeat_at=now,
                    expires_at=now + keep_for()))
        if changed_rows(finished) != 1:
            db.session.rollback()
            current_app.logger.warning("export job %s was no longer running; its file is dropped", job_id)
            return
        job = db.session.get_one(ExportJob, job_id, populate_existing=True)
        record(None, "export.completed", job, after={"rows": job.rows_done, "bytes": size}, summary=job.title)
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - any writer error fails this job, not the worker
        db.session.rollback()
        current_app.logger.exception("export job %s (%s) failed", job_id, getattr(kind, "name", "?"))
        job = db.session.get_one(ExportJob, job_id, populate_existing=True)
        _fail(job, str(error) or type(error).__name__)
        db.session.commit()


def run_pending(worker: str | None = None, limit: int | None = None) -> int:
    """Fail stale jobs, then claim and run queued ones until none is left (or ``limit``)."""
    fail_stale()
    db.session.commit()
    done = 0
    while limit is None or done < limit:
        job = claim_next(worker)
        if job is None:
            break
        run(job)
        done += 1
    return done


def purge_expired() -> int:
    """Delete the files of finished jobs from ``expires_at`` on and mark them expired. Flushes."""
    now = clock.now()
    jobs = list(db.session.scalars(select(ExportJob).where(
        ExportJob.status == ExportStatus.done.value, ExportJob.expires_at <= now)))
    for job in jobs:
        db.session.execute(delete(ExportChunk).where(ExportChunk.job_id == job.id))
        job.status = ExportStatus.expired.value
        record(None, "export.expired", job, summary=job.title)
    db.session.flush()
    return len(jobs)


# --- downloading ---------------------------------------------------------------------------------

def record_download(actor, job: ExportJob) -> None:
    record(actor, "export.download", job, after={"bytes": job.size_bytes, "rows": job.rows_done},
           summary=job.title)


def file_chunks(job_id: int) -> Iterator[bytes]:
    """The stored file, one chunk (one query) at a time: a download holds one chunk in memory.
    Loads by id, so it can run in a streamed response after the request's session closed."""
    seq = 0
    while True:
        data = db.session.scalar(select(ExportChunk.data).where(ExportChunk.job_id == job_id,
                                                                ExportChunk.seq == seq))
        if data is None:
            return
        yield bytes(data)
        seq += 1

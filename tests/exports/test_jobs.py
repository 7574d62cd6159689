"""The export job mechanism (portal.exports): queue, claim once, progress, failure, expiry."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal.audit.models import AuditEntry
from portal.exports import services as svc
from portal.exports.models import ExportChunk, ExportJob, ExportStatus
from portal.extensions import db

from .conftest import NOW

seen_progress: list[int] = []


@svc.register("test_numbers")
def _write_numbers(job, out, progress):
    """A writer for these tests: ``params["n"]`` lines, progress every 10."""
    for k in range(1, job.params["n"] + 1):
        out.write(f"{k},行{k}\n".encode())
        if k % 10 == 0:
            progress(k)
            # What another process (the job page) sees while the job runs: committed progress.
            with db.engine.connect() as conn:
                seen_progress.append(conn.execute(text("SELECT rows_done FROM export_job WHERE id = :i"),
                                                  {"i": job.id}).scalar())


@svc.register("test_slow")
def _write_slow(job, out, progress):
    """A worker that falls silent past STALE_AFTER: another node fails its job meanwhile."""
    out.write(b"1\n")
    progress(1)
    db.session.get(ExportJob, job.id).status = ExportStatus.failed.value   # as fail_stale on node b
    db.session.commit()


@svc.register("test_broken")
def _write_broken(job, out, progress):
    progress(3)
    raise ValueError("第 4 行无法写入")


def _queue(setup, kind="test_numbers", n=25, fmt="csv", subject_id=None):
    return svc.request_export(setup["staff"], kind=kind, fmt=fmt, params={"n": n}, title="测试导出",
                              filename="numbers.csv", unit_id=setup["unit"].id, rows_total=n,
                              subject_type="test", subject_id=subject_id)


def _file(job_id: int) -> bytes:
    return b"".join(svc.file_chunks(job_id))


def test_a_request_is_queued_with_its_audit_entry_and_an_unfinished_one_is_reused(app, setup):
    job = _queue(setup)
    db.session.commit()
    assert job.status == ExportStatus.queued and job.requested_by_id == setup["staff"].id
    assert _queue(setup).id == job.id                        # pressed twice: the same job
    assert _queue(setup, fmt="xlsx").id != job.id            # another format is another file
    assert _queue(setup, n=26).id != job.id                  # other input, another file
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.request")).all()
    assert len(entries) == 3 and entries[0].object_id == job.id and entries[0].unit_id == setup["unit"].id
    job.status = ExportStatus.done.value
    db.session.commit()
    assert _queue(setup).id != job.id                        # a finished one is not reused: fresh data


def test_a_job_is_claimed_once(app, setup):
    job = _queue(setup)
    db.session.commit()
    assert svc.claim(job.id, "node-a") is True
    db.session.commit()
    assert svc.claim(job.id, "node-b") is False
    db.session.commit()
    db.session.refresh(job)
    assert job.status == ExportStatus.running and job.worker == "node-a" and job.started_at == NOW
    assert svc.claim_next("node-b") is None                 # nothing else queued


def test_two_workers_share_the_queue_and_never_take_the_same_job(app, setup):
    first, second = _queue(setup, n=11), _queue(setup, n=12)
    db.session.commit()
    a = svc.claim_next("node-a")
    b = svc.claim_next("node-b")
    assert {a.id, b.id} == {first.id, second.id}
    assert svc.claim_next("node-c") is None


def test_run_writes_the_file_reports_progress_and_keeps_it_until_it_expires(app, setup):
    seen_progress.clear()
    job = _queue(setup, n=25)
    db.session.commit()
    assert svc.run_pending(worker="node-a") == 1
    db.session.refresh(job)
    assert seen_progress == [10, 20]                         # committed while the job ran
    assert job.status == ExportStatus.done and job.rows_done == 20 and job.percent == 100
    content = "".join(f"{k},行{k}\n" for k in range(1, 26)).encode()
    assert _file(job.id) == content and job.size_bytes == len(content)
    assert job.finished_at == NOW and job.expires_at == NOW + timedelta(hours=24)
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == job.id,
                                                           AuditEntry.action == "export.completed"))
    assert svc.run_pending() == 0                           # nothing left


def test_a_file_larger_than_a_chunk_is_stored_in_order(app, setup, monkeypatch):
    monkeypatch.setattr(svc, "CHUNK_BYTES", 7)
    job = _queue(setup, n=25)
    db.session.commit()
    svc.run_pending()
    assert db.session.scalar(select(db.func.count()).select_from(ExportChunk)
                             .where(ExportChunk.job_id == job.id)) > 20
    assert _file(job.id) == "".join(f"{k},行{k}\n" for k in range(1, 26)).encode()


def test_a_failure_is_recorded_with_its_reason_and_nothing_is_kept(app, setup, caplog, monkeypatch):
    job = _queue(setup, kind="test_broken")
    db.session.commit()
    # Alembic's fileConfig (tests/test_migrations.py) disables existing loggers; production apps
    # re-enable theirs (portal/runtime.py).
    monkeypatch.setattr(app.logger, "disabled", False)
    app.logger.addHandler(caplog.handler)
    try:
        svc.run_pending()
    finally:
        app.logger.removeHandler(caplog.handler)
    db.session.refresh(job)
    assert job.status == ExportStatus.failed and job.error == "第 4 行无法写入" and job.finished_at == NOW
    assert job.rows_done == 3 and _file(job.id) == b""
    assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "export.failed")) == "测试导出"
    assert "export job" in caplog.text and "ValueError" in caplog.text   # the trace is in the log


def test_an_unknown_kind_fails_the_job_not_the_worker(app, setup):
    job = _queue(setup)
    job.kind = "no_such_kind"
    other = _queue(setup, n=3)
    db.session.commit()
    assert svc.run_pending() == 2
    assert db.session.get(ExportJob, job.id).status == ExportStatus.failed
    assert db.session.get(ExportJob, other.id).status == ExportStatus.done


@pytest.mark.parametrize("silent,failed", [(timedelta(minutes=10), False), (timedelta(minutes=10, seconds=1), True)])
def test_a_running_job_whose_worker_went_silent_is_failed(app, setup, silent, failed):
    job = _queue(setup)
    db.session.commit()
    svc.claim(job.id, "node-a")
    db.session.commit()
    app.config["CLOCK_NOW"] = NOW + silent
    svc.run_pending(worker="node-b")
    db.session.refresh(job)
    assert (job.status == ExportStatus.failed) is failed
    assert job.worker == "node-a"                           # never taken over by node-b
    if failed:
        assert job.error


def test_expiry_at_its_exact_moment_and_the_purge(app, setup):
    job = _queue(setup)
    db.session.commit()
    svc.run_pending()
    db.session.refresh(job)
    expires = NOW + timedelta(hours=24)
    assert job.can_download(expires - timedelta(seconds=1)) and not job.can_download(expires)
    assert job.display_status(expires) == ExportStatus.expired   # shown expired before the purge ran

    app.config["CLOCK_NOW"] = expires - timedelta(seconds=1)
    assert svc.purge_expired() == 0
    db.session.commit()
    assert _file(job.id)
    app.config["CLOCK_NOW"] = expires
    assert svc.purge_expired() == 1
    db.session.commit()
    db.session.refresh(job)
    assert job.status == ExportStatus.expired and _file(job.id) == b""
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "export.expired"))
    assert svc.purge_expired() == 0


def test_keep_hours_is_a_setting(app, setup):
    app.config["EXPORT_KEEP_HOURS"] = 2
    job = _queue(setup)
    db.session.commit()
    svc.run_pending()
    db.session.refresh(job)
    assert job.expires_at == NOW + timedelta(hours=2)


def test_the_commands(app, setup, runner):
    from portal.jobs import job_lock

    _queue(setup)
    db.session.commit()
    assert runner.invoke(args=["exports", "run"]).output.strip() == "exports written: 1"
    app.config["CLOCK_NOW"] = NOW + timedelta(days=1)
    with job_lock("exports-purge"):
        assert "skipped" in runner.invoke(args=["exports", "purge"]).output
    assert runner.invoke(args=["exports", "purge"]).output.strip() == "exports expired: 1"


def test_a_job_failed_as_stale_meanwhile_stays_failed_and_keeps_no_file(app, setup):
    job = _queue(setup, kind="test_slow")
    db.session.commit()
    svc.run_pending(worker="node-a")
    db.session.refresh(job)
    assert job.status == ExportStatus.failed and _file(job.id) == b""
    assert not db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "export.completed"))

"""What the comment export holds (CSV and XLSX, through the job) and that it runs in flat memory."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
import tracemalloc
from datetime import date

import pytest
from openpyxl import load_workbook

from portal.consultation import export
from portal.consultation import services as consultation_svc
from portal.database import commit
from portal.exports import services as svc
from portal.exports.models import ExportJob, ExportStatus
from portal.extensions import db

from .conftest import add_comments

HOSTILE = ["=HYPERLINK(\"http://x\",\"点这里\")", "+86 建议", "-1 反对", "@SUM(A1:A2)", "普通意见：同意"]


def _request(setup, fmt: str) -> ExportJob:
    consultation = setup["consultation"]
    job = svc.request_export(setup["staff"], kind=export.KIND, fmt=fmt, params={**export.job_params(consultation), "locale": "en"},
                             title=export.job_title(consultation, fmt), filename=export.filename(consultation, fmt),
                             unit_id=consultation.unit_id, rows_total=export.row_count(consultation),
                             subject_type="consultation", subject_id=consultation.id)
    db.session.commit()
    return job


def _run(setup, fmt: str) -> bytes:
    job = _request(setup, fmt)
    assert svc.run_pending() == 1
    db.session.refresh(job)
    assert job.status == ExportStatus.done, job.error
    return b"".join(svc.file_chunks(job.id))


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())                  # Excel reads the Chinese text
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def commented(setup, f):
    consultation = setup["consultation"]
    article = consultation.sections[1]
    comments = [consultation_svc.submit_comment(consultation, f.resident(), {
        "text": text, "consent": True, "section_id": article.id if n % 2 else None})
        for n, text in enumerate(HOSTILE)]
    private = consultation_svc.submit_comment(consultation, f.resident(), {
        "text": "我住在盈溪街道，手机 13912345678，建议晚上八点后也能投放。", "consent": True})
    control = consultation_svc.submit_comment(consultation, f.resident(), {
        "text": "复制来的意见\x0b带有控制字符\x01。", "consent": True})
    consultation_svc.record_offline(setup["staff"], consultation, {
        "channel": "symposium", "held_on": date(2026, 4, 1), "participants": 12,
        "summary": "在盈溪街道召开居民座谈会。", "items": "第二条：建议增加投放点"})
    commit()
    return {"comments": comments, "private": private, "control": control, "article": article}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_holds_both_texts_chinese_and_formula_safe_cells(app, setup, commented, fmt):
    data = _run(setup, fmt)
    rows = _csv_rows(data) if fmt == "csv" else _xlsx_rows(data)
    header, body = rows[0], rows[1:]
    assert header[6] == "Original text (as typed, staff only)" and header[7] == "Published text (personal data hidden)"
    assert len(body) == len(HOSTILE) + 2 + 1 + 1                # comments, the offline opinion and its item
    by_number = {row[1]: row for row in body}
    for comment, text in zip(commented["comments"], HOSTILE, strict=True):
        row = by_number[comment.tracking_number]
        # A cell starting with = + - @ is kept as text (a leading apostrophe), never a formula.
        expected = "'" + text if text[0] in "=+-@" else text
        assert row[6] == expected and row[7] == expected
        assert row[0] == "Online comment" and row[4] == "Awaiting review" and row[8] == "2026-04-10 09:30"
    assert by_number[commented["comments"][1].tracking_number][2] == commented["article"].label
    assert by_number[commented["comments"][0].tracking_number][2] == "Whole draft"
    private = by_number[commented["private"].tracking_number]
    assert "13912345678" in private[6] and "13912345678" not in private[7] and "盈溪街道" in private[7]
    control = by_number[commented["control"].tracking_number]
    if fmt == "xlsx":    # XML cannot hold control characters: dropped instead of failing the export
        assert control[6] == "复制来的意见带有控制字符。"
    else:
        assert control[6] == "复制来的意见\x0b带有控制字符\x01。"
    assert "在盈溪街道召开居民座谈会。" in [row[6] for row in body]
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(data)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_direct_and_the_job_export_are_the_same_file(app, client, login, setup, commented):
    """Same bytes, same language (the job writes in the language of the request that queued it)."""
    login(setup["staff"])
    url = f"/staff/consultations/{setup['consultation'].id}/export/csv"
    for lang, first_header in (("zh_CN", "来源"), ("en", "Source")):
        client.set_cookie("lang", lang)
        app.config["EXPORT_DIRECT_MAX_ROWS"] = 10000
        direct = client.post(url).get_data()
        app.config["EXPORT_DIRECT_MAX_ROWS"] = 0
        job_page = client.post(url).headers["Location"]
        svc.run_pending()
        assert client.post(job_page + "/download").get_data() == direct
        assert direct.decode("utf-8-sig").startswith(first_header + ",")


def _peak_while_running(setup, fmt: str) -> tuple[int, float, ExportJob]:
    job = _request(setup, fmt)
    db.session.expire_all()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        svc.run_pending()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    db.session.refresh(job)
    return peak, time.perf_counter() - started, job


@pytest.mark.parametrize("fmt,small,batch", [("csv", 1000, 250), ("xlsx", 300, 100)])
def test_memory_stays_flat_when_the_comments_quadruple(app, setup, fmt, small, batch, monkeypatch):
    """The fast variant of the 200,000-comment test: N and then 4×N comments need the same peak
    of Python memory (tracemalloc), and the file has every row. What memory holds is one batch of
    rows and one stored chunk (at most CHUNK_BYTES): both made small here so that both exports
    span several of each, as the 200,000-comment one does. (tracemalloc slows openpyxl down
    about tenfold, hence the smaller XLSX.)"""
    monkeypatch.setattr(svc, "CHUNK_BYTES", 16 * 1024)
    monkeypatch.setattr(export, "BATCH", batch)
    consultation = setup["consultation"]
    add_comments(consultation, setup["resident"], small)
    peak_small, _seconds, job = _peak_while_running(setup, fmt)
    assert job.status == ExportStatus.done and job.rows_done == small
    add_comments(consultation, setup["resident"], 3 * small, offset=small)
    peak_large, _seconds, job = _peak_while_running(setup, fmt)
    assert job.status == ExportStatus.done and job.rows_done == 4 * small
    assert peak_large < peak_small * 1.25 + 64 * 1024, (peak_small, peak_large)
    assert peak_large < 8 * 1024 * 1024


def _run_worker(app, tmp_path, *args: str) -> tuple[float, int]:
    """``flask --app portal exports run`` in a process of its own, as systemd starts it: its wall
    time and its peak resident memory (KiB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], PORTAL_SECRET_KEY="k" * 48,
               PORTAL_BASE_URL="https://portal.example.gov.cn", PORTAL_INSTANCE_PATH=str(tmp_path / "worker"),
               PORTAL_RATELIMIT_ENABLED="0", PORTAL_LOG_FORMAT="text")
    command = ["flask", "--app", "portal", "exports", "run", *args]
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _MEASURED, *command], env=env, capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, result.stderr[-2000:]
    return time.perf_counter() - started, int(result.stderr.rsplit("MAXRSS ", 1)[1].split()[0])


# The command, then its own peak resident memory (KiB) on stderr.
_MEASURED = """
import resource, sys
from flask.cli import main
sys.argv = sys.argv[1:]
try:
    main()
except SystemExit as stop:
    if stop.code:
        raise
print("MAXRSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


@pytest.mark.load
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_200000_comments_through_the_job(app, setup, fmt, tmp_path, capsys):
    """Issue 14's "done when": the 200,000-comment consultation exports through the job, every
    row, and the worker's memory does not grow with it: its peak RSS stays within 64 MiB of the
    same command with nothing to do. Prints the figures for the README ("Exports of any size")."""
    consultation = setup["consultation"]
    add_comments(consultation, setup["resident"], 200_000)
    _seconds, idle_rss = _run_worker(app, tmp_path, "--limit", "0")
    job = _request(setup, fmt)
    seconds, peak_rss = _run_worker(app, tmp_path)
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.status == ExportStatus.done, job.error
    assert job.rows_done == 200_000 == job.rows_total
    started = time.perf_counter()
    data = b"".join(svc.file_chunks(job.id))
    if fmt == "csv":
        assert len(_csv_rows(data)) == 200_001
    else:
        sheet = load_workbook(io.BytesIO(data), read_only=True).active
        assert sum(1 for _row in sheet.iter_rows(values_only=True)) == 200_001
    read = time.perf_counter() - started
    assert peak_rss - idle_rss < 64 * 1024, (idle_rss, peak_rss)
    with capsys.disabled():
        print(f"\n{db.engine.dialect.name} {fmt}: 200,000 comments written in {seconds:.1f} s "
              f"(worker RSS {idle_rss / 1024:.0f} MiB idle, {peak_rss / 1024:.0f} MiB peak), "
              f"file {job.size_bytes / 2**20:.1f} MiB, read back in {read:.1f} s")

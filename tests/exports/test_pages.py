"""The consultation's export button, the job page and the download: who, when, what is recorded."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.exports import services as svc
from portal.exports.models import ExportJob, ExportStatus
from portal.extensions import db

from .conftest import NOW, add_comments


@pytest.fixture(autouse=True)
def english(client):
    """Assertions below read the English pages (the language switch's cookie)."""
    client.set_cookie("lang", "en")


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.parametrize("comments,queued", [(5, False), (6, True)])
def test_above_the_threshold_the_export_becomes_a_job(app, client, login, setup, comments, queued):
    app.config["EXPORT_DIRECT_MAX_ROWS"] = 5
    consultation = setup["consultation"]
    add_comments(consultation, setup["resident"], comments)
    login(setup["staff"])
    response = client.post(f"/staff/consultations/{consultation.id}/export/csv")
    job = db.session.scalar(select(ExportJob))
    if not queued:   # exactly at the threshold: the file at once
        assert response.status_code == 200 and job is None
        assert response.headers["Content-Disposition"] == f"attachment; filename=consultation-{consultation.id}-comments.csv"
        assert len(list(csv.reader(io.StringIO(response.get_data(as_text=True))))) == 1 + comments
        assert _actions()[-1] == "consultation.export"
        return
    assert response.status_code == 302 and response.headers["Location"] == f"/staff/exports/{job.id}"
    assert job.rows_total == 6 and job.unit_id == setup["unit"].id and job.subject_id == consultation.id
    assert _actions()[-1] == "export.request"


def test_an_unknown_format_is_404_and_other_units_staff_and_residents_are_refused(app, client, login, setup):
    consultation = setup["consultation"]
    login(setup["staff"])
    assert client.post(f"/staff/consultations/{consultation.id}/export/pdf").status_code == 404
    for account in (setup["other_staff"], setup["resident"]):
        login(account)
        assert client.post(f"/staff/consultations/{consultation.id}/export/xlsx").status_code == 403
    assert db.session.scalar(select(ExportJob)) is None and "consultation.export" not in _actions()


def _job(app, client, login, setup, n=30):
    app.config["EXPORT_DIRECT_MAX_ROWS"] = 10
    add_comments(setup["consultation"], setup["resident"], n)
    login(setup["staff"])
    client.post(f"/staff/consultations/{setup['consultation'].id}/export/csv")
    return db.session.scalar(select(ExportJob))


def test_the_job_page_shows_progress_and_refreshes_itself_until_the_file_is_ready(app, client, login, setup):
    job = _job(app, client, login, setup)
    page = client.get(f"/staff/exports/{job.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert '<meta http-equiv="refresh" content="3">' in body and "Waiting to start" in body
    assert "0 of 30 rows written" in body and "Download" not in body

    svc.claim(job.id, "node-a")
    job.rows_done = 12
    db.session.commit()
    body = client.get(f"/staff/exports/{job.id}").get_data(as_text=True)
    assert "Being generated" in body and "12 of 30 rows written (40%)" in body and 'value="12"' in body

    db.session.execute(ExportJob.__table__.update().values(status="queued"))
    db.session.commit()
    svc.run_pending()
    body = client.get(f"/staff/exports/{job.id}").get_data(as_text=True)
    assert "http-equiv" not in body and "Ready to download" in body
    assert f'action="/staff/exports/{job.id}/download"' in body
    # The consultation's page lists its exports.
    detail = client.get(f"/staff/consultations/{setup['consultation'].id}").get_data(as_text=True)
    assert f"/staff/exports/{job.id}" in detail and "Ready to download" in detail


def test_download_by_staff_of_the_unit_and_admins_only_recorded_and_no_store(app, client, login, setup):
    job = _job(app, client, login, setup)
    svc.run_pending()
    url = f"/staff/exports/{job.id}"
    for account in (setup["other_staff"], setup["resident"]):
        login(account)
        assert client.get(url).status_code == 403
        assert client.post(url + "/download").status_code == 403
    client.post("/auth/logout")
    assert client.get(url).status_code in (302, 401)
    assert "export.download" not in _actions()

    for account in (setup["staff"], setup["admin"]):
        login(account)
        response = client.post(url + "/download")
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == f"attachment; filename={job.filename}"
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        assert len(rows) == 31 and int(response.headers["Content-Length"]) == len(response.get_data())
    downloads = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.download")).all()
    assert [e.actor_id for e in downloads] == [setup["staff"].id, setup["admin"].id]
    assert client.get(url + "/download").status_code == 405      # never a GET (it writes the audit entry)


def test_a_download_is_refused_before_it_is_ready_and_from_the_moment_it_expires(app, client, login, setup):
    job = _job(app, client, login, setup)
    url = f"/staff/exports/{job.id}/download"
    response = client.post(url)
    assert response.status_code == 302 and response.headers["Location"] == f"/staff/exports/{job.id}"
    assert "not ready yet" in client.get(f"/staff/exports/{job.id}").get_data(as_text=True)
    svc.run_pending()
    expires = NOW + timedelta(hours=24)
    app.config["CLOCK_NOW"] = expires - timedelta(seconds=1)
    assert client.post(url).status_code == 200
    app.config["CLOCK_NOW"] = expires                          # the purge has not run yet
    response = client.post(url)
    assert response.status_code == 302
    page = client.get(f"/staff/exports/{job.id}").get_data(as_text=True)
    assert "has expired" in page and "Expired" in page and "Download the file" not in page
    assert _actions().count("export.download") == 1


def test_a_failed_job_shows_why(app, client, login, setup):
    job = _job(app, client, login, setup)
    job.params = {**job.params, "consultation_id": 10**6}     # deleted since
    db.session.commit()
    svc.run_pending()
    assert db.session.get(ExportJob, job.id).status == ExportStatus.failed
    page = client.get(f"/staff/exports/{job.id}").get_data(as_text=True)
    assert "The export failed" in page and "The consultation no longer exists." in page
    assert f"job number {job.id}" in page

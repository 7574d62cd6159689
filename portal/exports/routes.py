"""The job page of an export (progress, then the download) and the download itself (a POST: it
writes the audit entry). Staff of the job's unit and admins only; every response is no-store."""
from __future__ import annotations

from flask import Response, render_template, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..auth.access import get_for_unit, staff_required
from ..database import commit
from ..errors import RuleViolation, refuse
from . import bp
from . import services as svc
from .models import ExportJob, ExportStatus

REFRESH_SECONDS = 3


@bp.route("/staff/exports/<int:job_id>")
@staff_required
def job(job_id: int):
    export = get_for_unit(ExportJob, job_id)
    now = clock.now()
    return render_template("exports/job.html", job=export, now=now, status=export.display_status(now),
                           statuses=ExportStatus, back=svc.back_url(export),
                           refresh=REFRESH_SECONDS if export.unfinished else None)


@bp.route("/staff/exports/<int:job_id>/download", methods=["POST"])
@staff_required
def download(job_id: int):
    export = get_for_unit(ExportJob, job_id)
    if not export.can_download(clock.now()):
        message = (_("This export has expired. Request it again.") if export.is_expired_at(clock.now())
                   else _("This export is not ready yet."))
        return refuse(RuleViolation(message), url_for("exports.job", job_id=export.id))
    svc.record_download(current_user, export)
    commit()
    response = Response(stream_with_context(svc.file_chunks(export.id)), content_type=export.content_type)
    response.headers["Content-Disposition"] = f"attachment; filename={export.filename}"
    response.headers["Content-Length"] = str(export.size_bytes)
    response.headers["Cache-Control"] = "no-store, private"
    return response



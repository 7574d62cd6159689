"""The compliance dashboard (admins), its charts and export, and each unit's yearly report (admins,
and the unit's own staff under /staff)."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..auth.access import admin_required, ensure_unit_access, staff_required
from ..charts import narrow_requested
from ..database import commit
from ..errors import DomainError, apply_to_form, form_status
from ..extensions import db
from ..feeds import FeedEntry, atom_response
from ..requestargs import int_arg
from ..security import form_view
from ..units.models import Unit
from . import assessment, bp, charts, export
from . import services as svc
from .forms import PublishAssessmentForm


@bp.app_context_processor
def inject_oversight_labels():
    return {"oversight_labels": {"states": dict(svc.TargetState.choices()), "markers": svc.STATE_MARKERS,
                                 "targets": dict(svc.Target.choices())}}


def _year_arg() -> int:
    year = request.args.get("year", type=int)
    return year if svc.valid_year(year) else clock.today().year


def _svg(title: str, rows) -> Response:
    return Response(charts.render_svg(title, rows, narrow_requested()), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300"})


def _xlsx(content: bytes, filename: str) -> Response:
    return Response(content, mimetype=export.XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


# --- the dashboard ---------------------------------------------------------------------------------

@bp.route("/admin/compliance")
@admin_required
def dashboard():
    year = _year_arg()
    overview = svc.compliance(year)
    chart_rows = {kind: charts.chart_data(kind, overview) for kind in charts.KINDS}
    return render_template("oversight/dashboard.html", overview=overview, year=year,
                           years=svc.years_to_choose(), chart_rows=chart_rows, value_headings=charts.VALUE_HEADINGS)


@bp.route("/admin/compliance.xlsx")
@admin_required
def dashboard_xlsx():
    year = _year_arg()
    return _xlsx(export.dashboard_xlsx(svc.compliance(year)), f"compliance-{year}.xlsx")


@bp.route("/admin/compliance/chart-<kind>.svg")
@admin_required
def dashboard_chart(kind: str):
    if kind not in charts.KINDS:
        abort(404)
    return _svg(*charts.chart_data(kind, svc.compliance(_year_arg())))


# --- a unit's yearly report ------------------------------------------------------------------------

def _unit_and_year(unit_slug: str, year: int) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.slug == unit_slug))
    if unit is None or not svc.valid_year(year):
        abort(404)
    ensure_unit_access(unit)
    return unit


def _report_page(unit_slug: str, year: int, chart_endpoint: str, xlsx_endpoint: str):
    report = svc.yearly_report(_unit_and_year(unit_slug, year), year)
    chart_rows = {kind: charts.chart_data(kind, report.overview, report.unit.id) for kind in charts.MONTH_CHARTS}
    return render_template("oversight/report.html", report=report, figures=report.figures,
                           chart_rows=chart_rows, chart_endpoint=chart_endpoint, xlsx_endpoint=xlsx_endpoint,
                           value_headings=charts.VALUE_HEADINGS)


def _report_chart(unit_slug: str, year: int, kind: str):
    unit = _unit_and_year(unit_slug, year)
    if kind not in charts.MONTH_CHARTS:
        abort(404)
    return _svg(*charts.chart_data(kind, svc.compliance(year, [unit.id]), unit.id))


def _report_xlsx(unit_slug: str, year: int):
    report = svc.yearly_report(_unit_and_year(unit_slug, year), year)
    return _xlsx(export.report_xlsx(report), f"report-{report.unit.slug}-{year}.xlsx")


@bp.route("/admin/compliance/<unit_slug>/<int:year>")
@admin_required
def report(unit_slug: str, year: int):
    return _report_page(unit_slug, year, "oversight.report_chart", "oversight.report_xlsx")


@bp.route("/admin/compliance/<unit_slug>/<int:year>.xlsx")
@admin_required
def report_xlsx(unit_slug: str, year: int):
    return _report_xlsx(unit_slug, year)


@bp.route("/admin/compliance/<unit_slug>/<int:year>/chart-<kind>.svg")
@admin_required
def report_chart(unit_slug: str, year: int, kind: str):
    return _report_chart(unit_slug, year, kind)


# The same report for the unit's own staff (the /admin pages are for admins only).
@bp.route("/staff/compliance/<unit_slug>/<int:year>")
@staff_required
def staff_report(unit_slug: str, year: int):
    return _report_page(unit_slug, year, "oversight.staff_report_chart", "oversight.staff_report_xlsx")


@bp.route("/staff/compliance/<unit_slug>/<int:year>.xlsx")
@staff_required
def staff_report_xlsx(unit_slug: str, year: int):
    return _report_xlsx(unit_slug, year)


@bp.route("/staff/compliance/<unit_slug>/<int:year>/chart-<kind>.svg")
@staff_required
def staff_report_chart(unit_slug: str, year: int, kind: str):
    return _report_chart(unit_slug, year, kind)


# --- the published yearly assessment -----------------------------------------------------------------

def _assessment_year(year: int) -> int:
    if not 2000 <= year <= 9999:
        abort(404)
    return year


@bp.route("/oversight")
def assessments():
    return render_template("oversight/assessments.html", years=assessment.published_years())


@bp.route("/oversight/<int:year>")
def assessment_page(year: int):
    """The published results of ``year`` (the latest version, or ``?version=``): public, frozen."""
    number = int_arg("version", minimum=1)
    found = assessment.published(_assessment_year(year), number)
    if found is None:
        abort(404)
    return render_template("oversight/assessment.html", year=year, figures=found.figures, found=found,
                           versions=assessment.versions(year), draft=False)


@bp.route("/oversight/feed.atom")
def assessment_feed():
    entries = [FeedEntry(
        id=f"tag:portal,{a.year}:oversight-{a.year}-v{a.version}",
        title=_("Public participation assessment %(year)s (version %(version)s)", year=a.year, version=a.version),
        link=url_for("oversight.assessment_page", year=a.year, version=a.version), updated=a.published_at,
        summary=a.note or _("%(met)s targets met and %(missed)s missed across %(units)s units.",
                            met=sum(u["met"] for u in a.figures["units"]),
                            missed=sum(u["missed"] for u in a.figures["units"]), units=len(a.figures["units"])),
        author=_("District government office")) for a in assessment.latest_versions()]
    return atom_response(_("Yearly public participation assessments"), entries, feed_id="tag:portal,2026:oversight")


@bp.route("/admin/oversight/<int:year>", methods=["GET", "POST"])
@admin_required
@form_view
def assessment_draft(year: int):
    """The draft (live figures, admins only) and the publication of a new version."""
    _assessment_year(year)
    form = PublishAssessmentForm()
    if form.validate_on_submit():
        try:
            published = assessment.publish(current_user, year, form.note.data or "")
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("The assessment of %(year)s is published (version %(version)s).", year=year,
                    version=published.version), "success")
            return redirect(url_for("oversight.assessment_page", year=year))
    return render_template("oversight/assessment.html", year=year, figures=assessment.snapshot(year), found=None,
                           versions=assessment.versions(year), draft=True, form=form), form_status()

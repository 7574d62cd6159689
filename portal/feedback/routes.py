"""Adoption feedback pages. Public URLs take the decision item's id (``/feedback/<decision_id>``):
an issued item has its page before its report exists (due / overdue), and keeps it afterwards."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import get_for_unit, managed_unit_id, staff_required
from ..catalogue.models import DecisionItem
from ..catalogue.services import is_public
from ..charts import narrow_requested
from ..consultation.models import Campaign, Consultation, OfflineChannel
from ..consultation.services import campaigns_of
from ..database import commit
from ..errors import DomainError, UserInputError, apply_to_form, form_status
from ..extensions import db
from ..feeds import FeedEntry, atom_response
from ..requestargs import int_arg, link_args
from ..security import form_view
from . import bp, charts, themes
from . import deadlines as due_dates
from . import report as reports
from .forms import (
    AssignForm,
    CampaignAssignForm,
    DispositionForm,
    PublishForm,
    ReportForm,
    ThemeForm,
    UnassignForm,
)
from .models import AdoptionReport, DeadlineState, Disposition, Theme, ThemeAssignment

PER_PAGE = 20
ENTRIES_PER_PAGE = 50
COMMENTS_PER_PAGE = 50


@bp.app_context_processor
def inject_feedback_labels():
    return {"feedback_labels": {"disposition": dict(Disposition.choices()), "state": dict(DeadlineState.choices()),
                                "channel": dict(OfflineChannel.choices())}}


def _deadline_page(query, per_page: int = PER_PAGE):
    """A page of issued items (``page.items``) and their deadlines (``page.deadlines``) in a constant
    number of queries: the page, its reports, and one load of the working-day calendar."""
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=per_page, error_out=False)
    ids = [item.id for item in page.items]
    reports = {r.decision_id: r for r in db.session.scalars(
        select(AdoptionReport).where(AdoptionReport.decision_id.in_(ids)))} if ids else {}
    page.deadlines = due_dates.deadlines([(item, reports.get(item.id)) for item in page.items])
    return page


# --- public ----------------------------------------------------------------------------------------

@bp.route("/feedback")
def index():
    page = _deadline_page(due_dates.decided_items(public=True))
    return render_template("feedback/index.html", page=page)


def _public_item(decision_id: int) -> DecisionItem:
    item = db.session.get(DecisionItem, decision_id)
    if item is None or item.status not in due_dates.DECIDED_STATUSES or item.issue_date is None or not is_public(item):
        abort(404)
    return item


def _version(report: AdoptionReport | None):
    if report is None or not report.is_published:
        return None
    number = request.args.get("version", type=int)
    if number is not None and not 1 <= number <= 10**6:
        abort(404)  # no such version (and never an integer overflow in the query)
    version = reports.version_of(report, number)
    if version is None:
        abort(404)
    return version


@bp.route("/feedback/<int:decision_id>")
def report(decision_id: int):
    item = _public_item(decision_id)
    report = reports.report_of(item)
    version = _version(report)
    deadline = due_dates.deadlines([(item, report)])[0]
    entries = versions = None
    if version is not None:
        versions = reports.versions_of(report)
        if version.show_comments:
            entries = db.paginate(reports.entries_query(version), page=request.args.get("page", 1, type=int),
                                  per_page=ENTRIES_PER_PAGE, error_out=False)
    charts_data = {kind: charts.chart_data(kind, version) for kind in charts.KINDS} if version else {}
    return render_template("feedback/report.html", item=item, report=report, version=version, versions=versions,
                           deadline=deadline, entries=entries, charts=charts_data,
                           dispositions=reports.disposition_counts(version.themes) if version else None,
                           not_adopted=reports.not_adopted_concentrated(version.themes) if version else [])


@bp.route("/feedback/<int:decision_id>/chart-<kind>.svg")
def chart(decision_id: int, kind: str):
    if kind not in charts.KINDS:
        abort(404)
    item = _public_item(decision_id)
    version = _version(reports.report_of(item)) or abort(404)
    response = Response(charts.render_svg(kind, version, narrow_requested()), mimetype="image/svg+xml")
    # pygal styles the chart with a <style> element; the SVG's own policy allows that and nothing else.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.route("/feedback/feed.atom")
def feed():
    rows = db.session.execute(
        due_dates.decided_items(public=True).where(AdoptionReport.published_at.is_not(None))
        .order_by(None).order_by(AdoptionReport.published_at.desc(), AdoptionReport.id.desc()).limit(50)).all()
    entries = [FeedEntry(
        id=f"tag:portal,{report.published_at.year}:feedback-{report.id}-v{report.version}",
        title=_("Adoption feedback: %(title)s", title=item.title),
        link=url_for("feedback.report", decision_id=item.id), updated=report.updated_at or report.published_at,
        summary=report.summary, author=item.unit.name) for item, report in rows]
    return atom_response(_("Adoption feedback reports"), entries, feed_id="tag:portal,2026:feedback")


# --- staff: deadlines and the report -----------------------------------------------------------

@bp.route("/staff/feedback")
@staff_required
def staff_index():
    # Due dates in a year without a loaded calendar are shown as provisional; admins are warned by
    # the daily job (``flask feedback remind``), never by opening this page.
    page = _deadline_page(due_dates.decided_items(unit_id=managed_unit_id()))
    return render_template("feedback/staff_index.html", page=page)


def _render_workspace(item: DecisionItem, report_form: ReportForm | None = None,
                      publish_form: PublishForm | None = None):
    report = reports.report_of(item)
    consultations = themes.consultations_of(item)
    rows = themes.theme_rows([c.id for c in consultations])
    if report_form is None:
        report_form = ReportForm(obj=report) if report is not None else ReportForm()
    deadline = due_dates.deadline_of(item, report)
    return render_template("feedback/staff_decision.html", item=item, report=report, consultations=consultations,
                           rows=rows, deadline=deadline, report_form=report_form,
                           publish_form=publish_form or PublishForm(),
                           versions=reports.versions_of(report) if report is not None else [],
                           unassigned={c.id: themes.unassigned_count(c) for c in consultations}), form_status()


@bp.route("/staff/feedback/decisions/<int:decision_id>", methods=["GET", "POST"])
@staff_required
@form_view
def staff_decision(decision_id: int):
    item = get_for_unit(DecisionItem, decision_id)
    if item.status not in due_dates.DECIDED_STATUSES:
        flash(_("The feedback report can be written once the decision is issued."), "warning")
    form = ReportForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                reports.save_report(current_user, item, form.data)
            except DomainError as error:
                apply_to_form(form, error)
            else:
                commit()
                flash(_("Report saved."), "success")
                return redirect(url_for("feedback.staff_decision", decision_id=item.id))
        return _render_workspace(item, report_form=form)
    return _render_workspace(item)


@bp.route("/staff/feedback/decisions/<int:decision_id>/publish", methods=["POST"])
@staff_required
@form_view
def staff_publish(decision_id: int):
    item = get_for_unit(DecisionItem, decision_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            version = reports.publish_report(current_user, item, form.correction_reason.data or "")
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Version %(n)s of the report is published.", n=version.number), "success")
            return redirect(url_for("feedback.staff_decision", decision_id=item.id))
    return _render_workspace(item, publish_form=form)


# --- staff: themes -------------------------------------------------------------------------------

def _theme_choices(consultation: Consultation) -> list[tuple[int, str]]:
    return [(t.id, t.title) for t in db.session.scalars(select(Theme).where(
        Theme.consultation_id == consultation.id).order_by(Theme.position, Theme.id))]


def _render_themes(consultation: Consultation, theme_form: ThemeForm | None = None,
                   campaign_form: CampaignAssignForm | None = None):
    campaigns = campaigns_of(consultation)
    if campaign_form is None:
        campaign_form = CampaignAssignForm(formdata=None)
    campaign_form.campaign_id.choices = [(c.id, f"{c.sample_text[:40]} ({c.comment_count})") for c in campaigns]
    campaign_form.theme_id.choices = _theme_choices(consultation)
    return render_template("feedback/staff_themes.html", consultation=consultation,
                           rows=themes.theme_rows([consultation.id]), theme_form=theme_form or ThemeForm(formdata=None),
                           campaign_form=campaign_form, campaigns=campaigns,
                           unassigned=themes.unassigned_count(consultation), min_items=themes.min_items()), form_status()


@bp.route("/staff/feedback/consultations/<int:consultation_id>", methods=["GET", "POST"])
@staff_required
@form_view
def staff_themes(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    form = ThemeForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                theme = themes.create_theme(current_user, consultation, form.data)
            except DomainError as error:
                apply_to_form(form, error)
            else:
                commit()
                flash(_("Theme \"%(title)s\" created.", title=theme.title), "success")
                return redirect(url_for("feedback.staff_themes", consultation_id=consultation.id))
        return _render_themes(consultation, theme_form=form)
    return _render_themes(consultation)


@bp.route("/staff/feedback/consultations/<int:consultation_id>/campaign", methods=["POST"])
@staff_required
@form_view
def staff_assign_campaign(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    form = CampaignAssignForm()
    form.campaign_id.choices = [(c.id, str(c.id)) for c in campaigns_of(consultation)]
    form.theme_id.choices = _theme_choices(consultation)
    if form.validate_on_submit():
        theme = db.session.get(Theme, form.theme_id.data)
        try:
            n = themes.assign_campaign(current_user, theme, db.session.get(Campaign, form.campaign_id.data))
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("%(n)s comments assigned to \"%(title)s\".", n=n, title=theme.title), "success")
            return redirect(url_for("feedback.staff_themes", consultation_id=consultation.id))
    return _render_themes(consultation, campaign_form=form)


def _comment_filters() -> dict:
    section = "general" if request.args.get("section") == "general" else int_arg("section", minimum=1)
    return {"section": None if section is None else str(section), "campaign_id": int_arg("campaign", minimum=1),
            "unassigned": request.args.get("unassigned") == "1"}


@bp.route("/staff/feedback/consultations/<int:consultation_id>/comments", methods=["GET", "POST"])
@staff_required
@form_view
def staff_comments(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    filters = _comment_filters()
    form = AssignForm()
    form.theme_id.choices = _theme_choices(consultation)
    if request.method == "POST" and form.validate_on_submit():
        theme = db.session.get(Theme, form.theme_id.data)
        comment_ids = themes.clean_ids(form.comment_ids.data or [])
        offline_ids = themes.clean_ids(form.offline_item_ids.data or [])
        try:
            if not comment_ids and not offline_ids:
                raise UserInputError(None, _("Select at least one comment or opinion."))
            n = themes.assign_comments(current_user, theme, comment_ids) if comment_ids else 0
            n += themes.assign_offline_items(current_user, theme, offline_ids) if offline_ids else 0
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("%(n)s items assigned to \"%(title)s\".", n=n, title=theme.title), "success")
            return redirect(url_for("feedback.staff_comments", consultation_id=consultation.id,
                                    **link_args()))
    # The page holds the comments (the first entity of the query); their themes come in one query.
    page = db.paginate(themes.comments_query(consultation, **filters), page=request.args.get("page", 1, type=int),
                       per_page=COMMENTS_PER_PAGE, error_out=False)
    themes_of = dict(db.session.execute(
        select(ThemeAssignment.comment_id, ThemeAssignment.theme_id)
        .where(ThemeAssignment.comment_id.in_([c.id for c in page.items]))).all()) if page.items else {}
    theme_titles = dict(form.theme_id.choices)
    offline = [] if filters["campaign_id"] else themes.offline_items_of(consultation)
    if filters["unassigned"]:
        offline = [row for row in offline if row[2] is None]
    return render_template("feedback/staff_comments.html", consultation=consultation, form=form, page=page,
                           themes_of=themes_of, theme_titles=theme_titles, filters=filters, offline=offline,
                           campaigns=campaigns_of(consultation), unassigned=themes.unassigned_count(consultation)
                           ), form_status()


def _render_theme(theme: Theme, theme_form=None, disposition_form=None, unassign_form=None):
    if theme_form is None:
        theme_form = ThemeForm(formdata=None, obj=theme)
    if disposition_form is None:
        disposition_form = DispositionForm(formdata=None, obj=theme)
        disposition_form.section_ids.data = [s.id for s in theme.sections]
    disposition_form.section_ids.choices = [(s.id, s.label) for s in theme.consultation.sections]
    comments = db.session.scalars(themes.theme_comments(theme).limit(500)).all()
    return render_template("feedback/staff_theme.html", theme=theme, row=themes.theme_row(theme),
                           theme_form=theme_form, disposition_form=disposition_form,
                           unassign_form=unassign_form or UnassignForm(formdata=None), comments=comments,
                           offline=themes.theme_offline_items(theme)), form_status()


@bp.route("/staff/feedback/themes/<int:theme_id>", methods=["GET", "POST"])
@staff_required
@form_view
def staff_theme(theme_id: int):
    theme = get_for_unit(Theme, theme_id)
    if request.method == "GET":
        return _render_theme(theme)
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            themes.update_theme(current_user, theme, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Theme saved."), "success")
            return redirect(url_for("feedback.staff_theme", theme_id=theme.id))
    return _render_theme(theme, theme_form=form)


@bp.route("/staff/feedback/themes/<int:theme_id>/disposition", methods=["POST"])
@staff_required
@form_view
def staff_disposition(theme_id: int):
    theme = get_for_unit(Theme, theme_id)
    form = DispositionForm()
    form.section_ids.choices = [(s.id, s.label) for s in theme.consultation.sections]
    if form.validate_on_submit():
        try:
            themes.set_disposition(current_user, theme, form.data)
        except DomainError as error:  # raised before anything changed
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Disposition saved."), "success")
            return redirect(url_for("feedback.staff_theme", theme_id=theme.id))
    return _render_theme(theme, disposition_form=form)


@bp.route("/staff/feedback/themes/<int:theme_id>/unassign", methods=["POST"])
@staff_required
@form_view
def staff_unassign(theme_id: int):
    theme = get_for_unit(Theme, theme_id)
    form = UnassignForm()
    if form.validate_on_submit():
        try:
            n = themes.unassign(current_user, theme, themes.clean_ids(form.comment_ids.data or []),
                             themes.clean_ids(form.offline_item_ids.data or []))
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("%(n)s items removed from the theme.", n=n), "success")
            return redirect(url_for("feedback.staff_theme", theme_id=theme.id))
    return _render_theme(theme, unassign_form=form)


@bp.route("/staff/feedback/themes/<int:theme_id>/delete", methods=["POST"])
@staff_required
def staff_delete_theme(theme_id: int):
    theme = get_for_unit(Theme, theme_id)
    consultation_id = theme.consultation_id
    themes.delete_theme(current_user, theme)
    commit()
    flash(_("Theme deleted; its items are unassigned."), "success")
    return redirect(url_for("feedback.staff_themes", consultation_id=consultation_id))

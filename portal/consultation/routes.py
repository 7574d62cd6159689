from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock
from ..auth.access import get_for_unit, staff_required, verified_required
from ..catalogue.models import DecisionItem
from ..database import commit
from ..errors import DomainError, apply_to_form, form_status, refuse
from ..exports import services as exports_svc
from ..exports.models import ExportStatus
from ..extensions import db, limiter
from ..feeds import FeedEntry, atom_response
from ..requestargs import int_arg, link_args
from ..security import form_view
from ..units.models import Unit, units_in_order
from . import bp, export
from . import services as svc
from .forms import (
    CommentForm,
    ConsultationEditForm,
    ConsultationForm,
    ExtendForm,
    ImportDraftForm,
    ModerationForm,
    OfflineOpinionForm,
    RedactForm,
    SectionForm,
)
from .models import (
    Comment,
    CommentStatus,
    Consultation,
    ConsultationSection,
    ConsultationStatus,
    OfflineChannel,
    OfflineOpinion,
    RejectionReason,
    RespondentType,
    SectionKind,
)

PER_PAGE = 20
COMMENTS_PER_PAGE = 20
MODERATION_PER_PAGE = 50


@bp.app_context_processor
def inject_consultation_labels():
    return {"consultation_labels": {
        "status": dict(ConsultationStatus.choices()), "comment_status": dict(CommentStatus.choices()),
        "respondent": dict(RespondentType.choices()), "rejection": dict(RejectionReason.choices()),
        "channel": dict(OfflineChannel.choices()), "kind": dict(SectionKind.choices()), "pii": svc.PII_LABELS,
    }}


def _public_or_404(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not consultation.is_public:
        abort(404)
    return consultation


def _comment_key() -> str:
    if current_user.is_authenticated:
        return f"comment-account:{current_user.id}"
    return f"comment-ip:{request.remote_addr}"


# --- public --------------------------------------------------------------------------------------

@bp.route("/consultations")
def index():
    wanted = request.args.get("show")
    q = request.args.get("q", "").strip()[:100]
    # With a search, every consultation is looked at unless a state was chosen.
    default = "all" if q else ConsultationStatus.open
    show = wanted if wanted in (ConsultationStatus.open, ConsultationStatus.upcoming, ConsultationStatus.closed,
                                "all") else default
    unit = db.session.scalar(select(Unit).where(Unit.slug == request.args["unit"])) \
        if request.args.get("unit") else None
    query = svc.search_public(show, q, unit.id if unit else None)
    if request.args.get("unit") and unit is None:
        query = query.where(False)  # an unknown unit: an empty list
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template("consultation/index.html", page=page, show=show, q=q, unit=unit,
                           units=db.session.scalars(units_in_order()).all())


@bp.route("/consultations/feed.atom")
def feed():
    consultations = db.session.scalars(svc.latest_published(50)).all()
    entries = [FeedEntry(id=f"tag:portal,{c.published_at.year}:consultation-{c.id}", title=c.title,
                         link=url_for("consultation.detail", consultation_id=c.id, _external=True),
                         updated=c.published_at, author=c.unit.name,
                         summary=_("Open for comments from %(opens)s to %(closes)s.",
                                   opens=c.opens_at.strftime("%Y-%m-%d %H:%M"),
                                   closes=c.closes_at.strftime("%Y-%m-%d %H:%M")))
               for c in consultations]
    return atom_response(_("New consultations"), entries, feed_id="tag:portal,2026:consultations")


def _render_detail(consultation: Consultation, form: CommentForm | None, status: int = 200):
    latest = db.session.scalars(svc.published_comments_query(consultation).limit(5)).all()
    return render_template("consultation/detail.html", consultation=consultation, form=form,
                           latest=latest, sections_by_id={s.id: s for s in consultation.sections}), status


def _comment_form(consultation: Consultation) -> CommentForm:
    return CommentForm(consultation=consultation, max_length=current_app.config["COMMENT_MAX_LENGTH"])


@bp.route("/consultations/<int:consultation_id>")
def detail(consultation_id: int):
    consultation = _public_or_404(consultation_id)
    form = None
    if consultation.is_open and current_user.is_authenticated:
        form = _comment_form(consultation)
        section_id = request.args.get("section", type=int)
        if section_id:
            form.section_id.data = section_id
    return _render_detail(consultation, form)


def _comment_limit_reached(request_limit):
    """Too many comments in a short time: the form comes back (429) with what was typed and the
    reason, instead of the bare error page that would lose the text."""
    consultation = _public_or_404(request.view_args["consultation_id"])
    form = _comment_form(consultation)
    form.form_errors.append(_("You have sent many comments in a short time. Please wait a while before "
                              "you submit again: what you typed is kept below."))
    body, _status = _render_detail(consultation, form)
    return make_response(body, 429)


@bp.route("/consultations/<int:consultation_id>/comments", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["COMMENT_RATE_LIMIT_IP"], methods=["POST"],
               on_breach=_comment_limit_reached)
@limiter.limit(lambda: current_app.config["COMMENT_RATE_LIMIT_ACCOUNT"], methods=["POST"], key_func=_comment_key,
               on_breach=_comment_limit_reached)
@form_view
@verified_required
def comments(consultation_id: int):
    consultation = _public_or_404(consultation_id)
    if request.method == "GET":
        section = request.args.get("section", "all")
        if section not in ("all", "general"):
            if not (section.isascii() and section.isdigit() and len(section) <= 9):
                abort(404)  # not a section id (nor an integer overflow in the query)
            section = int(section)
        page = db.paginate(svc.published_comments_query(consultation, section),
                           page=request.args.get("page", 1, type=int), per_page=COMMENTS_PER_PAGE,
                           error_out=False)
        current = next((s for s in consultation.sections if s.id == section), None)
        return render_template("consultation/comments.html", consultation=consultation, page=page,
                               section=section, current=current,
                               sections_by_id={s.id: s for s in consultation.sections})
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    form = _comment_form(consultation)
    if form.validate_on_submit():
        try:
            comment = svc.submit_comment(consultation, current_user, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            return redirect(url_for("consultation.receipt", tracking_number=comment.tracking_number))
    return _render_detail(consultation, form, 422)


@bp.route("/consultations/receipts/<tracking_number>")
@login_required
def receipt(tracking_number: str):
    from sqlalchemy import select

    comment = db.session.scalar(select(Comment).where(Comment.tracking_number == tracking_number))
    if comment is None or comment.author_id != current_user.id:
        abort(404)
    return render_template("consultation/receipt.html", comment=comment, consultation=comment.consultation)


@bp.route("/me/comments")
@login_required
def my_comments():
    page = db.paginate(svc.comments_of_account(current_user), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False)
    return render_template("consultation/my_comments.html", page=page,
                           titles=svc.titles_of({c.consultation_id for c in page.items}))


# --- staff: consultations and sections -----------------------------------------------------------

@bp.route("/staff/consultations")
@staff_required
def staff_index():
    page = db.paginate(svc.staff_query(current_user), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False)
    return render_template("consultation/staff_index.html", page=page)


@bp.route("/staff/consultations/new", methods=["GET", "POST"])
@staff_required
@form_view
def staff_create():
    form = ConsultationForm()
    items = svc.consultable_items(current_user)
    form.decision_id.choices = [(item.id, f"{item.code} {item.title}") for item in items]
    if request.method == "GET":
        wanted = request.args.get("decision_id", type=int)
        if wanted:
            form.decision_id.data = wanted
        today = clock.today()
        from datetime import datetime, time, timedelta

        form.opens_at.data = form.opens_at.data or datetime.combine(today + timedelta(days=1), time(9, 0))
        form.closes_at.data = form.closes_at.data or datetime.combine(
            today + timedelta(days=1 + current_app.config["CONSULTATION_MIN_DAYS"]), time(17, 0))
    if form.validate_on_submit():
        decision = get_for_unit(DecisionItem, form.decision_id.data)
        try:
            consultation = svc.create_consultation(current_user, decision, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Consultation created as a draft. Check its sections, then publish it."), "success")
            return redirect(url_for("consultation.staff_detail", consultation_id=consultation.id))
    return render_template("consultation/staff_form.html", form=form, consultation=None), form_status()


@bp.route("/staff/consultations/<int:consultation_id>")
@staff_required
def staff_detail(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    return render_template("consultation/staff_detail.html", consultation=consultation,
                           extend_form=ExtendForm(), campaigns=svc.campaigns_of(consultation),
                           offline=svc.offline_of(consultation),
                           exports=exports_svc.jobs_of("consultation", consultation.id), now=clock.now(),
                           export_statuses=ExportStatus)


@bp.route("/staff/consultations/<int:consultation_id>/edit", methods=["GET", "POST"])
@staff_required
@form_view
def staff_edit(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    form = ConsultationEditForm(obj=consultation)
    if form.validate_on_submit():
        try:
            svc.update_consultation(current_user, consultation, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Consultation saved."), "success")
            return redirect(url_for("consultation.staff_detail", consultation_id=consultation.id))
    return render_template("consultation/staff_form.html", form=form, consultation=consultation), form_status()


def _action(consultation: Consultation, func, success: str, *args):
    back = url_for("consultation.staff_detail", consultation_id=consultation.id)
    try:
        func(current_user, *args)
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(success, "success")
    return redirect(back)


@bp.route("/staff/consultations/<int:consultation_id>/publish", methods=["POST"])
@staff_required
def staff_publish(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    return _action(consultation, svc.publish, _("Consultation published."), consultation)


@bp.route("/staff/consultations/<int:consultation_id>/extend", methods=["POST"])
@staff_required
@form_view
def staff_extend(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            svc.extend(current_user, consultation, form.closes_at.data, form.reason.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("The period was extended."), "success")
            return redirect(url_for("consultation.staff_detail", consultation_id=consultation.id))
    return render_template("consultation/staff_detail.html", consultation=consultation, extend_form=form,
                           campaigns=svc.campaigns_of(consultation), offline=svc.offline_of(consultation)), 422


@bp.route("/staff/consultations/<int:consultation_id>/sections/new", methods=["GET", "POST"])
@staff_required
@form_view
def staff_section_new(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            svc.add_section(current_user, consultation, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Section added."), "success")
            return redirect(url_for("consultation.staff_detail", consultation_id=consultation.id))
    return render_template("consultation/staff_section_form.html", form=form, consultation=consultation,
                           section=None), form_status()


@bp.route("/staff/consultations/sections/<int:section_id>/edit", methods=["GET", "POST"])
@staff_required
@form_view
def staff_section_edit(section_id: int):
    section = get_for_unit(ConsultationSection, section_id)
    consultation = section.consultation
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        try:
            svc.update_section(current_user, section, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Section saved."), "success")
            return redirect(url_for("consultation.staff_detail", consultation_id=consultation.id,
                                    _anchor=f"s{section.id}"))
    return render_template("consultation/staff_section_form.html", form=form, consultation=consultation,
                           section=section), form_status()


@bp.route("/staff/consultations/sections/<int:section_id>/delete", methods=["POST"])
@staff_required
def staff_section_delete(section_id: int):
    section = get_for_unit(ConsultationSection, section_id)
    return _action(section.consultation, svc.delete_section, _("Section deleted."), section)


@bp.route("/staff/consultations/sections/<int:section_id>/move/<direction>", methods=["POST"])
@staff_required
def staff_section_move(section_id: int, direction: str):
    if direction not in ("up", "down"):
        abort(404)
    section = get_for_unit(ConsultationSection, section_id)
    return _action(section.consultation, svc.move_section, _("Section moved."), section,
                   -1 if direction == "up" else 1)


@bp.route("/staff/consultations/<int:consultation_id>/sections/import", methods=["GET", "POST"])
@staff_required
@form_view
def staff_sections_import(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    form = ImportDraftForm()
    if form.validate_on_submit():
        try:
            count = svc.replace_sections(current_user, consultation, form.draft.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("The draft was split into %(count)s sections.", count=count), "success")
            return redirect(url_for("consultation.staff_detail", consultation_id=consultation.id))
    return render_template("consultation/staff_import.html", form=form, consultation=consultation), form_status()


# --- staff: moderation, campaigns, offline opinions, export --------------------------------------

def _moderation_filters() -> dict:
    status = request.args.get("status", CommentStatus.pending)
    section_id = "general" if request.args.get("section") == "general" else int_arg("section", minimum=1)
    campaign_id = -1 if request.args.get("campaign") == "any" else int_arg("campaign", minimum=1)
    return {"status": status, "section_id": section_id, "campaign_id": campaign_id}


@bp.route("/staff/consultations/<int:consultation_id>/moderation", methods=["GET", "POST"])
@staff_required
@form_view
def staff_moderation(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    form = ModerationForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            svc.check_moderation(form.comment_ids.data or [], form.action.data, form.reason.data or None,
                                 form.note.data or "")
            count = svc.pending_among(consultation, form.comment_ids.data or [])
        except DomainError:
            count = 0  # refused below, on the form
        if count > 1 and not request.form.get("confirmed"):
            # An action on several comments says how many it changes and asks first (no script needed).
            return render_template("consultation/staff_moderation_confirm.html", consultation=consultation,
                                   form=form, count=count, back=request.full_path)
        try:
            count = svc.moderate(current_user, consultation, form.comment_ids.data or [], form.action.data,
                                 form.reason.data or None, form.note.data or "")
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("%(count)s comments updated.", count=count), "success")
            return redirect(url_for("consultation.staff_moderation", consultation_id=consultation.id,
                                    **link_args()))
    filters = _moderation_filters()
    page = db.paginate(svc.moderation_query(consultation, **filters), page=request.args.get("page", 1, type=int),
                       per_page=MODERATION_PER_PAGE, error_out=False)
    campaigns = svc.campaigns_of(consultation)
    return render_template("consultation/staff_moderation.html", consultation=consultation, form=form,
                           page=page, filters=filters, campaigns=campaigns, redact_form=RedactForm(formdata=None),
                           sections_by_id={s.id: s for s in consultation.sections}), form_status()


@bp.route("/staff/consultations/<int:consultation_id>/comments/<int:comment_id>/reopen", methods=["POST"])
@staff_required
def staff_reopen(consultation_id: int, comment_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.consultation_id != consultation.id:
        abort(404)
    back = url_for("consultation.staff_moderation", consultation_id=consultation.id, status="rejected")
    try:
        svc.reopen_comment(current_user, comment)
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(_("Comment %(number)s is awaiting moderation again.", number=comment.tracking_number), "success")
    return redirect(back)


@bp.route("/staff/consultations/<int:consultation_id>/comments/<int:comment_id>/redact", methods=["POST"])
@staff_required
def staff_redact(consultation_id: int, comment_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.consultation_id != consultation.id:
        abort(404)
    back = request.form.get("next", "")
    if not back.startswith(f"/staff/consultations/{consultation.id}/moderation"):
        back = url_for("consultation.staff_moderation", consultation_id=consultation.id)
    back = f"{back.split('#')[0]}#comment-{comment.id}"
    form = RedactForm()
    if not form.validate_on_submit():
        flash(_("Enter or select the text to hide."), "error")
        return redirect(back)
    try:
        count = svc.redact_comment(current_user, comment, form.hide.data or "")
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(_("%(count)s passages hidden in the published text of %(number)s.", count=count,
            number=comment.tracking_number), "success")
    return redirect(back)


@bp.route("/staff/consultations/<int:consultation_id>/offline", methods=["GET", "POST"])
@staff_required
@form_view
def staff_offline(consultation_id: int):
    consultation = get_for_unit(Consultation, consultation_id)
    form = OfflineOpinionForm()
    if form.validate_on_submit():
        try:
            svc.record_offline(current_user, consultation, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Offline opinions recorded."), "success")
            return redirect(url_for("consultation.staff_offline", consultation_id=consultation.id))
    return render_template("consultation/staff_offline.html", form=form, consultation=consultation,
                           offline=svc.offline_of(consultation), final=svc.offline_final(consultation),
                           sections_by_id={s.id: s for s in consultation.sections}), form_status()


def _offline_or_404(consultation_id: int, opinion_id: int) -> tuple[Consultation, OfflineOpinion]:
    consultation = get_for_unit(Consultation, consultation_id)
    opinion = db.session.get(OfflineOpinion, opinion_id)
    if opinion is None or opinion.consultation_id != consultation.id:
        abort(404)
    return consultation, opinion


@bp.route("/staff/consultations/<int:consultation_id>/offline/<int:opinion_id>/edit", methods=["GET", "POST"])
@staff_required
@form_view
def staff_offline_edit(consultation_id: int, opinion_id: int):
    consultation, opinion = _offline_or_404(consultation_id, opinion_id)
    back = url_for("consultation.staff_offline", consultation_id=consultation.id)
    form = OfflineOpinionForm()
    if request.method == "GET":
        form.process(data={"channel": opinion.channel, "held_on": opinion.held_on,
                           "participants": opinion.participants, "summary": opinion.summary,
                           "items": svc.offline_items_text(opinion)})
    form.submit.label.text = _("Save")
    if form.validate_on_submit():
        try:
            svc.update_offline(current_user, opinion, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Offline opinions saved."), "success")
            return redirect(back)
    return render_template("consultation/staff_offline_edit.html", form=form, consultation=consultation,
                           opinion=opinion, final=svc.offline_final(consultation)), form_status()


@bp.route("/staff/consultations/<int:consultation_id>/offline/<int:opinion_id>/delete", methods=["GET", "POST"])
@staff_required
def staff_offline_delete(consultation_id: int, opinion_id: int):
    consultation, opinion = _offline_or_404(consultation_id, opinion_id)
    back = url_for("consultation.staff_offline", consultation_id=consultation.id)
    if request.method == "GET":
        return render_template(
            "main/confirm.html", title=_("Delete offline opinions"),
            subject=f"{opinion.held_on.isoformat()} · {OfflineChannel.label_of(opinion.channel)} · {opinion.summary[:80]}",
            consequences=[_("The record and its %(n)s individual opinions are deleted, and taken out of their themes.",
                            n=len(opinion.items)),
                          _("The audit log keeps what the record said.")],
            action=request.path, confirm_label=_("Yes, delete it"), back=back)
    try:
        svc.delete_offline(current_user, opinion)
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(_("Offline opinions deleted."), "success")
    return redirect(back)


@bp.route("/staff/consultations/<int:consultation_id>/export/<fmt>", methods=["POST"])
@staff_required
def staff_export(consultation_id: int, fmt: str):
    """Up to EXPORT_DIRECT_MAX_ROWS rows: the file at once; above: an export job, and its page."""
    consultation = get_for_unit(Consultation, consultation_id)
    if fmt not in export.FORMATS:
        abort(404)
    rows = export.row_count(consultation)
    if rows > exports_svc.direct_max_rows():
        job = exports_svc.request_export(
            current_user, kind=export.KIND, fmt=fmt, params=export.job_params(consultation),
            title=export.job_title(consultation, fmt), filename=export.filename(consultation, fmt),
            unit_id=consultation.unit_id, rows_total=rows, subject_type="consultation", subject_id=consultation.id)
        commit()
        return redirect(url_for("exports.job", job_id=job.id))
    export.record_direct(current_user, consultation, fmt, rows)
    commit()
    name = export.filename(consultation, fmt)
    if fmt == "csv":
        # The stream runs after this request's session has closed: it loads the consultation again.
        response = Response(stream_with_context(export.csv_stream(consultation.id)),
                            mimetype="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f"attachment; filename={name}"
        return response
    # Write-only XLSX (rows go to openpyxl's temporary files); at most EXPORT_DIRECT_MAX_ROWS rows,
    # so the finished workbook (about 0.5 MB for 10,000 rows) is sent from memory.
    response = Response(export.xlsx_bytes(consultation), mimetype=exports_svc.CONTENT_TYPES["xlsx"])
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response

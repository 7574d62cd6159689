from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock
from ..auth.access import ensure_unit_access, get_for_unit, staff_required, verified_required
from ..catalogue.models import DecisionItem
from ..database import commit
from ..errors import DomainError, RuleViolation, apply_to_form, form_status
from ..extensions import db
from ..security import form_view
from ..units.models import Unit
from . import bp, lottery
from . import services as svc
from .forms import (
    ApplicationForm,
    DecisionForm,
    MeetingForm,
    OutcomeForm,
    RepresentativeForm,
    SeedForm,
)
from .models import ApplicationStatus, Meeting, MeetingApplication

PER_PAGE = 20


@bp.app_context_processor
def inject_meeting_labels():
    return {"meeting_labels": {
        "type": svc.TYPE_LABELS, "category": svc.CATEGORY_LABELS, "method": svc.METHOD_LABELS,
        "status": svc.STATUS_LABELS, "adoption": svc.ADOPTION_LABELS, "phase": svc.PHASE_LABELS,
    }}


# --- public --------------------------------------------------------------------------------------

@bp.route("/meetings")
def index():
    show = "past" if request.args.get("show") == "past" else "upcoming"
    page = db.paginate(svc.public_meetings(show), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False)
    return render_template("meetings/index.html", page=page, show=show, now=clock.now())


@bp.route("/meetings/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id) or abort(404)
    applications = svc.applications_of(meeting)
    mine = None
    if current_user.is_authenticated:
        mine = next((a for a in applications if a.account_id == current_user.id), None)
    return render_template("meetings/detail.html", meeting=meeting, mine=mine, now=clock.now(),
                           views=svc.selection_view(meeting, applications), snippet=lottery.SNIPPET,
                           representatives=[a for a in applications
                                            if a.status == ApplicationStatus.selected.value])


@bp.route("/meetings/<int:meeting_id>/apply", methods=["GET", "POST"])
@login_required
@verified_required(methods=("GET", "POST"))
@form_view
def apply(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id) or abort(404)
    existing = svc.find_application(meeting, current_user)
    if existing is not None and request.method == "GET":
        flash(_("You have already applied for this meeting (application %(number)s).",
                number=existing.application_number), "info")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    form = ApplicationForm(meeting=meeting)
    if request.method == "GET":
        form.name.data = current_user.name
        form.mobile.data = current_user.mobile
    if form.validate_on_submit():
        try:
            application = svc.apply(meeting, current_user._get_current_object(), form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Your application %(number)s has been received.",
                    number=application.application_number), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/apply.html", form=form, meeting=meeting, now=clock.now()), form_status()


@bp.route("/meetings/<int:meeting_id>/withdraw", methods=["POST"])
@login_required
def withdraw(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id) or abort(404)
    application = svc.find_application(meeting, current_user) or abort(404)
    try:
        promoted = svc.withdraw(application, current_user._get_current_object())
    except RuleViolation as error:
        flash(error.message, "error")
    else:
        commit()
        flash(_("Your application has been withdrawn."), "success")
        if promoted is None and application.withdrawn_from == ApplicationStatus.selected.value \
                and meeting.selected_at is not None:
            flash(_("Your seat stays empty: the withdrawal cut-off has passed or no alternate is left."),
                  "info")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


# --- staff ---------------------------------------------------------------------------------------

@bp.route("/staff/meetings")
@staff_required
def staff_list():
    query = select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if current_user.role != "admin":
        query = query.where(Meeting.unit_id == current_user.unit_id)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template("meetings/staff/list.html", page=page, now=clock.now())


def _meeting_form(meeting: Meeting | None) -> MeetingForm:
    form = MeetingForm(obj=meeting)
    if current_user.role == "admin" and meeting is None:
        units = db.session.scalars(select(Unit).order_by(Unit.kind, Unit.id)).all()
        form.unit_id.choices = [(u.id, u.name) for u in units]
        decisions = select(DecisionItem)
    else:
        unit_id = meeting.unit_id if meeting is not None else current_user.unit_id
        form.unit_id.choices = [(unit_id, (meeting.unit if meeting else current_user.unit).name)]
        if request.method == "GET" or meeting is not None:
            form.unit_id.data = unit_id
        decisions = select(DecisionItem).where(DecisionItem.unit_id == unit_id)
    items = db.session.scalars(decisions.order_by(DecisionItem.year.desc(), DecisionItem.code)).all()
    form.decision_ids.choices = [(d.id, f"{d.unit.short_name} {d.code} {d.title}") for d in items]
    if request.method == "GET" and meeting is not None:
        form.decision_ids.data = [d.id for d in meeting.decisions]
        for seat in meeting.seats:
            form[f"seats_{seat.category}"].data = seat.count
    return form


@bp.route("/staff/meetings/new", methods=["GET", "POST"])
@staff_required
@form_view
def staff_create():
    form = _meeting_form(None)
    if form.validate_on_submit():
        ensure_unit_access(form.unit_id.data)
        try:
            meeting = svc.create_meeting(current_user, form.unit_id.data, form.service_data())
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Meeting created."), "success")
            return redirect(url_for("meetings.staff_detail", meeting_id=meeting.id))
    return render_template("meetings/staff/form.html", form=form, meeting=None), form_status()


@bp.route("/staff/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@staff_required
@form_view
def staff_edit(meeting_id: int):
    meeting = get_for_unit(Meeting, meeting_id)
    form = _meeting_form(meeting)
    if form.validate_on_submit():
        try:
            svc.update_meeting(current_user, meeting, form.service_data())
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Meeting saved."), "success")
            return redirect(url_for("meetings.staff_detail", meeting_id=meeting.id))
    return render_template("meetings/staff/form.html", form=form, meeting=meeting), form_status()


@bp.route("/staff/meetings/<int:meeting_id>")
@staff_required
def staff_detail(meeting_id: int):
    meeting = get_for_unit(Meeting, meeting_id)
    applications = svc.applications_of(meeting)
    return render_template("meetings/staff/detail.html", meeting=meeting, applications=applications,
                           views=svc.selection_view(meeting, applications), now=clock.now())


@bp.route("/staff/meetings/<int:meeting_id>/applications/<int:application_id>", methods=["GET", "POST"])
@staff_required
@form_view
def staff_application(meeting_id: int, application_id: int):
    application = get_for_unit(MeetingApplication, application_id)
    if application.meeting_id != meeting_id:
        abort(404)
    form = DecisionForm()
    if request.method == "GET" and application.status != ApplicationStatus.pending.value:
        form.decision.data = application.status
        form.reason.data = application.decision_reason
    if form.validate_on_submit():
        try:
            svc.decide(current_user, application, form.decision.data, form.reason.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Decision saved for %(number)s.", number=application.application_number), "success")
            return redirect(url_for("meetings.staff_detail", meeting_id=meeting_id))
    return render_template("meetings/staff/application.html", form=form, application=application,
                           meeting=application.meeting, now=clock.now()), form_status()


@bp.route("/staff/meetings/<int:meeting_id>/publish-selection", methods=["POST"])
@staff_required
def staff_publish_selection(meeting_id: int):
    meeting = get_for_unit(Meeting, meeting_id)
    return _button(lambda: svc.publish_selection(current_user, meeting), meeting,
                   _("The selection is published and every applicant has been notified."))


@bp.route("/staff/meetings/<int:meeting_id>/seed", methods=["GET", "POST"])
@staff_required
@form_view
def staff_seed(meeting_id: int):
    meeting = get_for_unit(Meeting, meeting_id)
    form = SeedForm()
    if form.validate_on_submit():
        try:
            svc.announce_seed(current_user, meeting, form.seed.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("The lottery seed is announced on the meeting page."), "success")
            return redirect(url_for("meetings.staff_detail", meeting_id=meeting.id))
    return render_template("meetings/staff/seed.html", form=form, meeting=meeting), form_status()


@bp.route("/staff/meetings/<int:meeting_id>/draw", methods=["POST"])
@staff_required
def staff_draw(meeting_id: int):
    meeting = get_for_unit(Meeting, meeting_id)
    return _button(lambda: svc.run_lottery(current_user, meeting), meeting,
                   _("The lottery has been drawn and every applicant has been notified."))


@bp.route("/staff/meetings/<int:meeting_id>/record", methods=["GET", "POST"])
@staff_required
@form_view
def staff_record(meeting_id: int):
    meeting = get_for_unit(Meeting, meeting_id)
    form = OutcomeForm(obj=meeting)
    if form.validate_on_submit():
        try:
            svc.update_outcome(current_user, meeting, form.outcome.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Outcome saved."), "success")
            return redirect(url_for("meetings.staff_record", meeting_id=meeting.id))
    representatives = [a for a in svc.applications_of(meeting)
                       if a.status == ApplicationStatus.selected.value]
    return render_template("meetings/staff/record.html", form=form, meeting=meeting,
                           representatives=representatives, now=clock.now()), form_status()


@bp.route("/staff/meetings/<int:meeting_id>/representatives/<int:application_id>",
          methods=["GET", "POST"])
@staff_required
@form_view
def staff_representative(meeting_id: int, application_id: int):
    application = get_for_unit(MeetingApplication, application_id)
    if application.meeting_id != meeting_id:
        abort(404)
    form = RepresentativeForm(obj=application)
    if request.method == "GET":
        form.attended.data = None if application.attended is None else ("yes" if application.attended else "no")
        form.adoption.data = application.adoption or ""
    if form.validate_on_submit():
        data = dict(form.data, attended=form.attended.data == "yes")
        try:
            svc.record_representative(current_user, application, data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Record saved for %(number)s.", number=application.application_number), "success")
            return redirect(url_for("meetings.staff_record", meeting_id=meeting_id))
    return render_template("meetings/staff/representative.html", form=form, application=application,
                           meeting=application.meeting), form_status()


@bp.route("/staff/meetings/<int:meeting_id>/publish-record", methods=["POST"])
@staff_required
def staff_publish_record(meeting_id: int):
    meeting = get_for_unit(Meeting, meeting_id)
    return _button(lambda: svc.publish_record(current_user, meeting), meeting,
                   _("The record is published and the representatives have been notified."))


def _button(action, meeting: Meeting, done: str):
    """A POST-only staff action: refused actions come back as a message on the meeting page."""
    try:
        action()
    except DomainError as error:
        flash(error.message, "error")
    else:
        commit()
        flash(done, "success")
    return redirect(url_for("meetings.staff_detail", meeting_id=meeting.id))

"""Pages of meetings with public representatives: thin routes over ``services`` (sign-up),
``selection`` (review, lottery) and ``record``; refused actions roll back in ``apply_to_form`` /
``refuse`` (docs/architecture.md)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock
from ..auth.access import (
    ensure_unit_access,
    get_for_unit,
    scope_to_unit,
    staff_required,
    unit_choices,
    verified_required,
)
from ..catalogue.models import DecisionItem
from ..database import commit
from ..errors import DomainError, apply_to_form, form_status, refuse
from ..extensions import db
from ..security import form_view
from . import bp, lottery
from . import record as rec
from . import selection as sel
from . import services as svc
from .forms import (
    ApplicationForm,
    DecisionForm,
    DrawForm,
    ExcludeForm,
    ExtendForm,
    MeetingForm,
    OutcomeForm,
    RepresentativeForm,
)
from .models import ApplicationStatus, Meeting, MeetingApplication, MeetingPhase, SeatCategory

PER_PAGE = 20


@bp.app_context_processor
def inject_meeting_enums():
    """Templates compare with the enum members, never with string literals."""
    return {"ApplicationStatus": ApplicationStatus, "MeetingPhase": MeetingPhase, "SeatCategory": SeatCategory}


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
    applications = sel.applications_of(meeting)
    mine = None
    if current_user.is_authenticated:
        mine = next((a for a in applications if a.account_id == current_user.id), None)
    return render_template("meetings/detail.html", meeting=meeting, mine=mine, now=clock.now(),
                           views=sel.selection_view(meeting, applications), snippet=lottery.SNIPPET,
                           lottery_record=sel.lottery_record(meeting, applications) if meeting.is_lottery else None,
                           representatives=[a for a in applications
                                            if a.status == ApplicationStatus.selected])


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


@bp.route("/meetings/<int:meeting_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id) or abort(404)
    application = svc.find_application(meeting, current_user) or abort(404)
    back = url_for("meetings.detail", meeting_id=meeting.id)
    if request.method == "GET":  # the confirmation page; the page's button posts here
        if not application.can_withdraw(clock.now()):
            flash(_("This application cannot be withdrawn."), "warning")
            return redirect(back)
        consequences = [_("A withdrawn application cannot be taken back; to attend you would have to apply again "
                          "while sign-up is open.")]
        if application.withdrawal_leaves_seat_empty(clock.now()):
            consequences.append(_("The withdrawal cut-off has passed: if you withdraw now, your seat stays empty."))
        elif application.status == ApplicationStatus.selected:
            consequences.append(_("Your seat goes to the first alternate."))
        return render_template("main/confirm.html", title=_("Withdraw my application"),
                               subject=_("Application %(number)s: %(title)s", number=application.application_number,
                                         title=meeting.title),
                               consequences=consequences, action=request.path,
                               confirm_label=_("Yes, withdraw my application"), back=back)
    try:
        promoted = svc.withdraw(application, current_user._get_current_object())
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(_("Your application has been withdrawn."), "success")
    if promoted is None and application.withdrawn_from == ApplicationStatus.selected \
            and meeting.selected_at is not None:
        flash(_("Your seat stays empty: the withdrawal cut-off has passed or no alternate is left."),
              "info")
    return redirect(back)


# --- staff ---------------------------------------------------------------------------------------

@bp.route("/staff/meetings")
@staff_required
def staff_list():
    query = scope_to_unit(select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id.desc()),
                          Meeting.unit_id)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template("meetings/staff/list.html", page=page, now=clock.now())


def _meeting_form(meeting: Meeting | None) -> MeetingForm:
    form = MeetingForm(obj=meeting)
    if meeting is None:
        form.unit_id.choices = unit_choices()
        if request.method == "GET" and len(form.unit_id.choices) == 1:
            form.unit_id.data = form.unit_id.choices[0][0]
        decisions = scope_to_unit(select(DecisionItem), DecisionItem.unit_id)
    else:
        # A meeting stays with its unit.
        form.unit_id.choices = [(meeting.unit_id, meeting.unit.name)]
        form.unit_id.data = meeting.unit_id
        decisions = select(DecisionItem).where(DecisionItem.unit_id == meeting.unit_id)
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
    applications = sel.applications_of(meeting)
    return render_template("meetings/staff/detail.html", meeting=meeting, applications=applications,
                           views=sel.selection_view(meeting, applications), now=clock.now(),
                           lottery_record=sel.lottery_record(meeting, applications) if meeting.is_lottery else None)


@bp.route("/staff/meetings/<int:meeting_id>/applications/<int:application_id>", methods=["GET", "POST"])
@staff_required
@form_view
def staff_application(meeting_id: int, application_id: int):
    application = get_for_unit(MeetingApplication, application_id)
    if application.meeting_id != meeting_id:
        abort(404)
    if application.meeting.is_lottery:
        return _exclude(application)
    form = DecisionForm()
    if request.method == "GET" and application.status != ApplicationStatus.pending:
        form.decision.data = application.status
        form.reason.data = application.decision_reason
    if form.validate_on_submit():
        try:
            sel.decide(current_user, application, form.decision.data, form.reason.data)
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
    return _button(lambda: sel.publish_selection(current_user, meeting), meeting,
                   _("The selection is published and every applicant has been notified."))


def _exclude(application: MeetingApplication):
    """A lottery application: staff may exclude it (not eligible, with a public reason) before the
    input list is frozen."""
    form = ExcludeForm()
    if form.validate_on_submit():
        try:
            sel.mark_ineligible(current_user, application, form.reason.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("%(number)s is excluded from the lottery.", number=application.application_number),
                  "success")
            return redirect(url_for("meetings.staff_detail", meeting_id=application.meeting_id))
    return render_template("meetings/staff/application.html", form=form, application=application,
                           meeting=application.meeting, now=clock.now()), form_status()


@bp.route("/staff/meetings/<int:meeting_id>/extend", methods=["GET", "POST"])
@staff_required
@form_view
def staff_extend(meeting_id: int):
    meeting = get_for_unit(Meeting, meeting_id)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            svc.extend_signup(current_user, meeting, form.closes_at.data, form.reason.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Sign-up is extended; the reason is published on the meeting page."), "success")
            return redirect(url_for("meetings.staff_detail", meeting_id=meeting.id))
    return render_template("meetings/staff/extend.html", form=form, meeting=meeting,
                           now=clock.now()), form_status()


@bp.route("/staff/meetings/<int:meeting_id>/draw", methods=["GET", "POST"])
@staff_required
@form_view
def staff_draw(meeting_id: int):
    meeting = get_for_unit(Meeting, meeting_id)
    form = DrawForm()
    if form.validate_on_submit():
        try:
            sel.run_lottery(current_user, meeting, form.public_value.data, form.public_value_origin.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("The lottery has been drawn and every applicant has been notified."), "success")
            return redirect(url_for("meetings.staff_detail", meeting_id=meeting.id))
    return render_template("meetings/staff/draw.html", form=form, meeting=meeting,
                           now=clock.now()), form_status()


@bp.route("/staff/meetings/<int:meeting_id>/record", methods=["GET", "POST"])
@staff_required
@form_view
def staff_record(meeting_id: int):
    meeting = get_for_unit(Meeting, meeting_id)
    form = OutcomeForm(obj=meeting)
    if form.validate_on_submit():
        try:
            rec.update_outcome(current_user, meeting, form.outcome.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Outcome saved."), "success")
            return redirect(url_for("meetings.staff_record", meeting_id=meeting.id))
    representatives = [a for a in sel.applications_of(meeting)
                       if a.status == ApplicationStatus.selected]
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
            rec.record_representative(current_user, application, data)
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
    return _button(lambda: rec.publish_record(current_user, meeting), meeting,
                   _("The record is published and the representatives have been notified."))


def _button(action, meeting: Meeting, done: str):
    """A POST-only staff action: refused actions come back as a message on the meeting page."""
    back = url_for("meetings.staff_detail", meeting_id=meeting.id)
    try:
        action()
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(done, "success")
    return redirect(back)

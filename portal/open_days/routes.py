from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..auth.access import (
    ensure_unit_access,
    get_for_unit,
    staff_required,
    unit_choices,
    verified_required,
)
from ..database import commit
from ..errors import DomainError, apply_to_form, form_status, refuse
from ..extensions import db
from ..sections import section
from ..security import form_view
from . import bp
from .calendar_files import activity_ics, qr_png, registration_ics
from .forms import (
    ActivityForm,
    CheckInForm,
    QuestionnaireForm,
    RegistrationForm,
    SlotForm,
    SummaryForm,
    SummaryItemForm,
)
from .models import OpenActivity, OpenRegistration, OpenSlot, RegistrationStatus
from .queries import (
    collected_suggestions,
    has_answered,
    my_registrations,
    open_month_activities,
    past_activities,
    public_activity,
    questionnaire_stats,
    registrations_for,
    seats_left,
    slot_counts,
    slot_registrations,
    staff_activities,
    staff_recent_activities,
    upcoming_activities,
    waiting_position,
    waiting_positions,
)
from .services import (
    add_slot,
    add_summary_item,
    cancel,
    check_in,
    create_activity,
    publish_summary,
    register,
    submit_questionnaire,
    update_activity,
)

PER_PAGE = 10


@bp.app_context_processor
def inject_registration_status():
    """Templates compare with the enum members, never with string literals."""
    return {"RegistrationStatus": RegistrationStatus}


def _activity_or_404(activity_id: int) -> OpenActivity:
    activity = public_activity(activity_id)
    if activity is None:
        abort(404)
    return activity


# --- public -----------------------------------------------------------------------------------

@bp.route("/open-days")
def index():
    when = "past" if request.args.get("when") == "past" else "upcoming"
    now = clock.now()
    query = past_activities(now) if when == "past" else upcoming_activities(now)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template("open_days/index.html", page=page, when=when, now=now, seats_left=seats_left)


@bp.route("/open-days/<int:activity_id>", methods=["GET", "POST"])
@form_view
@verified_required
def detail(activity_id: int):
    activity = _activity_or_404(activity_id)
    now = clock.now()
    open_slots = [s for s in activity.slots if s.registration_open(now)]
    if request.method == "POST" and not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.path))
    # Only for someone who can submit it: building the form for an anonymous visitor would put a
    # CSRF token into a new session (a cookie), and the page could no longer be served from the
    # page cache to a flash crowd. Anonymous visitors get a link to log in instead.
    form = (RegistrationForm(activity=activity, slots=open_slots)
            if open_slots and current_user.is_authenticated else None)
    if request.method == "POST":
        if form is None:
            flash(_("Registration for this activity is not open."), "warning")
            return redirect(url_for("open_days.detail", activity_id=activity.id))
        if form.validate_on_submit():
            slot = next(s for s in open_slots if s.id == form.slot_id.data)
            try:
                registration = register(slot, current_user._get_current_object(), form.data)
            except DomainError as error:
                apply_to_form(form, error)
            else:
                # Read before the commit expires the row (no reload, no count: a storm sends 500).
                confirmed = registration.status == RegistrationStatus.confirmed
                code, position, registration_id = registration.code, registration.joined_position, registration.id
                online = activity.is_online
                commit()
                if confirmed and online:  # no door: no check-in code to show
                    flash(_("You are registered. The online address is on your registration page."), "success")
                elif confirmed:
                    flash(_("You are registered. Your check-in code is %(code)s.", code=code), "success")
                else:
                    flash(_("All seats are taken: you are number %(position)s on the waiting list.",
                            position=position), "info")
                return redirect(url_for("open_days.my_registration", registration_id=registration_id))
    elif form is not None and current_user.is_authenticated:
        form.name.data = form.name.data or current_user.name
        form.mobile.data = form.mobile.data or current_user.mobile
    mine = registrations_for(activity, current_user) if current_user.is_authenticated else []
    stats = questionnaire_stats(activity) if activity.summary_published else None
    return render_template("open_days/detail.html", activity=activity, form=form, now=now, mine=mine,
                           stats=stats, registration_open=bool(open_slots)), form_status()


@bp.route("/open-days/<int:activity_id>.ics")
def activity_calendar(activity_id: int):
    activity = _activity_or_404(activity_id)
    return Response(activity_ics(activity), mimetype="text/calendar",
                    headers={"Content-Disposition": f"attachment; filename=open-day-{activity.id}.ics"})


@bp.route("/open-month/<int:year>")
def open_month(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    activities = db.session.scalars(open_month_activities(year)).all()
    by_unit: dict[int, list[OpenActivity]] = {}
    for activity in activities:
        by_unit.setdefault(activity.unit_id, []).append(activity)
    return render_template("open_days/open_month.html", year=year, activities=activities, by_unit=by_unit,
                           now=clock.now(), seats_left=seats_left)


# --- the resident's own registrations ----------------------------------------------------------

def _own_registration(registration_id: int) -> OpenRegistration:
    registration = db.session.get(OpenRegistration, registration_id)
    if registration is None or registration.account_id != current_user.id:
        abort(404)
    return registration


@bp.route("/me/open-days/<int:registration_id>")
@login_required
def my_registration(registration_id: int):
    registration = _own_registration(registration_id)
    return render_template("open_days/my_registration.html", registration=registration, now=clock.now(),
                           position=waiting_position(registration), answered=has_answered(registration),
                           can_answer=registration.can_answer_questionnaire)


@bp.route("/me/open-days/<int:registration_id>/qr.png")
@login_required
def my_qr(registration_id: int):
    registration = _own_registration(registration_id)
    if registration.status != RegistrationStatus.confirmed or registration.code is None:
        abort(404)
    return Response(qr_png(registration.code), mimetype="image/png",
                    headers={"Cache-Control": "private, no-store"})


@bp.route("/me/open-days/<int:registration_id>.ics")
@login_required
def my_calendar(registration_id: int):
    registration = _own_registration(registration_id)
    return Response(registration_ics(registration), mimetype="text/calendar",
                    headers={"Content-Disposition": f"attachment; filename=open-day-registration-"
                                                    f"{registration.id}.ics"})


@bp.route("/me/open-days/<int:registration_id>/cancel", methods=["GET", "POST"])
@login_required
def my_cancel(registration_id: int):
    registration = _own_registration(registration_id)
    back = url_for("open_days.my_registration", registration_id=registration_id)
    if request.method == "GET":  # the confirmation page; the page's button posts here
        now = clock.now()
        if not registration.can_cancel(now):
            flash(_("This registration is no longer active."), "warning")
            return redirect(back)
        consequences = [_("You lose your place on the waiting list; it cannot be taken back.")
                        if registration.status == RegistrationStatus.waiting else
                        _("Your seat is given to the next person on the waiting list; it cannot be taken back.")]
        if registration.cancel_is_late(now):
            consequences.append(_("The cancellation cut-off has passed: you can still cancel, but it will be "
                                  "recorded as late."))
        return render_template("main/confirm.html", title=_("Cancel my registration"),
                               subject=_("%(title)s: %(when)s", title=registration.activity.title,
                                         when=registration.slot.label),
                               consequences=consequences, action=request.path,
                               confirm_label=_("Yes, cancel my registration"), back=back)
    try:
        cancel(registration, current_user._get_current_object())
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(_("Your registration is cancelled."), "success")
    return redirect(back)


@bp.route("/me/open-days/<int:registration_id>/questionnaire", methods=["GET", "POST"])
@login_required
@form_view
def questionnaire(registration_id: int):
    registration = _own_registration(registration_id)
    form = QuestionnaireForm()
    if form.validate_on_submit():
        try:
            submit_questionnaire(registration, current_user._get_current_object(), form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Thank you for your answers."), "success")
            return redirect(url_for("open_days.my_registration", registration_id=registration.id))
    elif request.method == "GET" and not registration.can_answer_questionnaire:
        form.form_errors.append(str(registration.questionnaire_refusal))
    return render_template("open_days/questionnaire.html", form=form, registration=registration), form_status()


# --- staff ------------------------------------------------------------------------------------

@bp.route("/staff/open-days")
@staff_required
def staff_list():
    page = db.paginate(staff_activities(), page=request.args.get("page", 1, type=int), per_page=20, error_out=False)
    return render_template("open_days/staff_list.html", page=page)


@bp.route("/staff/open-days/new", methods=["GET", "POST"])
@staff_required
@form_view
def staff_create():
    form = ActivityForm()
    form.unit_id.choices = unit_choices()
    if form.validate_on_submit():
        ensure_unit_access(form.unit_id.data)
        try:
            activity = create_activity(current_user, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Activity created. Now add its time slots."), "success")
            return redirect(url_for("open_days.staff_activity", activity_id=activity.id))
    return render_template("open_days/staff_activity_form.html", form=form, activity=None), form_status()


@bp.route("/staff/open-days/<int:activity_id>/edit", methods=["GET", "POST"])
@staff_required
@form_view
def staff_edit(activity_id: int):
    activity = get_for_unit(OpenActivity, activity_id)
    form = ActivityForm(obj=activity)
    form.unit_id.choices = [(activity.unit.id, activity.unit.name)]
    if form.validate_on_submit():
        try:
            update_activity(current_user, activity, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Activity saved."), "success")
            return redirect(url_for("open_days.staff_activity", activity_id=activity.id))
    return render_template("open_days/staff_activity_form.html", form=form, activity=activity), form_status()


@bp.route("/staff/open-days/<int:activity_id>", methods=["GET", "POST"])
@staff_required
@form_view
def staff_activity(activity_id: int):
    """The activity's work page; its form adds a time slot."""
    activity = get_for_unit(OpenActivity, activity_id)
    form = SlotForm()
    if form.validate_on_submit():
        try:
            add_slot(current_user, activity, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Time slot added."), "success")
            return redirect(url_for("open_days.staff_activity", activity_id=activity.id))
    return render_template("open_days/staff_activity.html", activity=activity, form=form,
                           now=clock.now()), form_status()


@bp.route("/staff/open-days/slots/<int:slot_id>", methods=["GET", "POST"])
@staff_required
@form_view
def staff_slot(slot_id: int):
    """Registrations of a slot and the check-in desk. Once the slot has ended, visitors not checked
    in are shown as no-shows; the scheduled job (`open-days no-shows`) records them."""
    slot = get_for_unit(OpenSlot, slot_id)
    form = CheckInForm()
    checked = None
    if form.validate_on_submit():
        try:
            checked = check_in(slot, form.code.data, current_user)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Checked in: %(name)s (%(code)s).", name=checked.name, code=checked.code), "success")
            return redirect(url_for("open_days.staff_slot", slot_id=slot.id))
    now = clock.now()
    registrations = slot_registrations(slot)
    return render_template("open_days/staff_slot.html", slot=slot, activity=slot.activity, form=form,
                           counts=slot_counts(slot, now), registrations=registrations,
                           positions=waiting_positions(registrations), now=now), form_status()


@bp.route("/staff/open-days/registrations/<int:registration_id>/cancel", methods=["POST"])
@staff_required
def staff_cancel(registration_id: int):
    registration = get_for_unit(OpenRegistration, registration_id)
    back = url_for("open_days.staff_slot", slot_id=registration.slot_id)
    try:
        cancel(registration, current_user._get_current_object(), by_staff=True)
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(_("Registration cancelled."), "success")
    return redirect(back)


@bp.route("/staff/open-days/<int:activity_id>/summary", methods=["GET", "POST"])
@staff_required
@form_view
def staff_summary(activity_id: int):
    activity = get_for_unit(OpenActivity, activity_id)
    item_form = SummaryItemForm(prefix="item")
    summary_form = SummaryForm(prefix="summary", obj=activity)
    if request.method == "POST":
        adding = "item-submit" in request.form
        form = item_form if adding else summary_form
        if form.validate_on_submit():
            try:
                if adding:
                    add_summary_item(current_user, activity, form.data)
                else:
                    publish_summary(current_user, activity, form.summary_text.data)
            except DomainError as error:
                apply_to_form(form, error)
            else:
                commit()
                flash(_("Summary item added.") if adding else _("Summary published."), "success")
                return redirect(url_for("open_days.staff_summary", activity_id=activity.id))
    return render_template("open_days/staff_summary.html", activity=activity, item_form=item_form,
                           summary_form=summary_form, suggestions=collected_suggestions(activity),
                           stats=questionnaire_stats(activity)), form_status()


# --- sections on other pages -------------------------------------------------------------------

@section("home", "open_days/_home_section.html", order=40)
def home_section(_obj):
    now = clock.now()
    activities = db.session.scalars(upcoming_activities(now).limit(5)).all()
    if not activities:
        return None
    return {"open_day_upcoming": activities, "now": now, "seats_left": seats_left}


@section("me", "open_days/_me_section.html", order=40)
def me_section(account):
    registrations = my_registrations(account)
    if not registrations:
        return None
    return {"open_day_registrations": registrations}


@section("staff", "open_days/_staff_section.html", order=40)
def staff_section(account):
    return {"open_day_staff_activities": staff_recent_activities(account)}

import calendar as pycalendar
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..auth.access import admin_required
from ..database import commit
from ..errors import UserInputError, apply_to_form, form_status
from ..extensions import db
from ..security import form_view
from . import bp
from .forms import NewYearForm, YearTextForm
from .models import CalendarYear
from .services import (
    WorkingCalendar,
    add_working_days,
    chinese_calendar_years,
    format_year_text,
    load_year,
    parse_year_text,
    sync_from_package,
)


@bp.route("")
@admin_required
def index():
    years = db.session.query(CalendarYear).order_by(CalendarYear.year.desc()).all()
    this_year = clock.today().year
    missing = [y for y in (this_year, this_year + 1) if y not in {c.year for c in years}]
    due = None
    start_text = request.args.get("start", "")
    n = request.args.get("n", type=int)
    if start_text and n:
        try:
            due = add_working_days(date.fromisoformat(start_text), max(1, min(n, 500)))
        except ValueError:
            flash(_("Please enter the start date as YYYY-MM-DD."), "warning")
        except OverflowError:  # e.g. 500 working days after 9999-12-20
            flash(_("The due date would lie beyond the year 9999. Please enter an earlier start date."),
                  "warning")
    return render_template("calendar/index.html", years=years, missing=missing, form=NewYearForm(),
                           package_years=chinese_calendar_years(), due=due, start_text=start_text, n=n)


@bp.route("/open", methods=["POST"])
@admin_required
def open_year():
    form = NewYearForm()
    if not form.validate_on_submit():
        flash(_("Please enter a year between 2000 and 2100."), "warning")
        return redirect(url_for("calendar.index"))
    return redirect(url_for("calendar.year", year=form.year.data))


@bp.route("/sync", methods=["POST"])
@admin_required
def sync():
    done = sync_from_package(actor=current_user)
    commit()
    if done:
        flash(_("Loaded from the chinese-calendar package: %(years)s.", years=", ".join(map(str, done))), "success")
    else:
        flash(_("Every year that the chinese-calendar package covers is already loaded."), "info")
    return redirect(url_for("calendar.index"))


@bp.route("/<int:year>", methods=["GET", "POST"])
@admin_required
@form_view
def year(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    loaded = db.session.get(CalendarYear, year)
    form = YearTextForm()
    if request.method == "GET":
        form.text.data = format_year_text(year) if loaded else ""
    if form.validate_on_submit():
        try:
            days = parse_year_text(year, form.text.data or "")
            load_year(year, days, source="admin", actor=current_user)
        except UserInputError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("The calendar of %(year)s has been saved.", year=year), "success")
            return redirect(url_for("calendar.year", year=year))
    cal = WorkingCalendar.load([year])
    months = []
    for month in range(1, 13):
        weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        months.append((month, weeks))
    return render_template("calendar/year.html", year=year, loaded=loaded, form=form, cal=cal,
                           months=months), form_status()

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import admin_required
from ..database import commit
from ..errors import UserInputError, apply_to_form, form_status
from ..extensions import db
from ..security import form_view
from . import bp
from .forms import KIND_LABELS, UnitForm
from .models import Unit, units_in_order
from .services import create_unit, update_unit


@bp.app_context_processor
def inject_kind_labels():
    return {"unit_kind_labels": KIND_LABELS}


@bp.route("/units")
def index():
    units = db.session.scalars(units_in_order()).all()
    return render_template("units/index.html", units=units)


@bp.route("/units/<slug>")
def detail(slug: str):
    unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
    if unit is None:
        abort(404)
    return render_template("units/detail.html", unit=unit)


@bp.route("/admin/units")
@admin_required
def admin_list():
    units = db.session.scalars(units_in_order()).all()
    return render_template("units/admin_list.html", units=units)


@bp.route("/admin/units/new", methods=["GET", "POST"])
@admin_required
@form_view
def admin_create():
    form = UnitForm()
    if form.validate_on_submit():
        try:
            create_unit(current_user, form.data)
        except UserInputError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Unit created."), "success")
            return redirect(url_for("units.admin_list"))
    return render_template("units/admin_form.html", form=form, unit=None), form_status()


@bp.route("/admin/units/<int:unit_id>/edit", methods=["GET", "POST"])
@admin_required
@form_view
def admin_edit(unit_id: int):
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = UnitForm(obj=unit)
    if form.validate_on_submit():
        try:
            update_unit(current_user, unit, form.data)
        except UserInputError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Unit saved."), "success")
            return redirect(url_for("units.admin_list"))
    return render_template("units/admin_form.html", form=form, unit=unit), form_status()

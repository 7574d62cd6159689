from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from .. import clock
from ..accounts.models import Account
from ..auth.access import admin_required
from ..auth.services import create_account, set_active, update_role
from ..calendar.services import missing_years
from ..database import commit
from ..errors import UserInputError, apply_to_form, form_status
from ..extensions import db
from ..sections import sections_for
from ..security import form_view
from ..units.models import Unit, units_in_order
from . import bp
from .forms import ROLE_LABELS, AccountCreateForm, AccountRoleForm


def _unit_choices(with_none: bool) -> list[tuple[int, str]]:
    units = db.session.scalars(units_in_order()).all()
    choices = [(u.id, u.name) for u in units]
    return ([(0, _("(no unit)"))] if with_none else []) + choices


@bp.app_context_processor
def inject_role_labels():
    return {"role_labels": ROLE_LABELS}


@bp.route("")
@admin_required
def index():
    year = clock.today().year
    return render_template("admin/index.html", missing=missing_years([year, year + 1]),
                           sections=sections_for("admin", current_user))


@bp.route("/accounts")
@admin_required
def accounts():
    query = select(Account).order_by(Account.role.desc(), Account.id)
    role = request.args.get("role")
    if role in ROLE_LABELS:
        query = query.where(Account.role == role)
    q = (request.args.get("q") or "").strip()
    if q:
        like = f"%{q}%"
        query = query.where(or_(Account.name.like(like), Account.email.like(like), Account.mobile.like(like)))
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=50, error_out=False)
    counts = dict(db.session.execute(select(Account.role, func.count()).group_by(Account.role)).all())
    return render_template("admin/accounts.html", page=page, counts=counts)


@bp.route("/accounts/new", methods=["GET", "POST"])
@admin_required
@form_view
def account_create():
    form = AccountCreateForm()
    form.unit_id.choices = _unit_choices(with_none=True)
    if form.validate_on_submit():
        data = dict(form.data)
        data["unit"] = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            account = create_account(current_user, data)
        except UserInputError as error:
            if error.field == "unit":
                error.field = "unit_id"
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Account %(login)s created.", login=account.login), "success")
            return redirect(url_for("admin.accounts"))
    return render_template("admin/account_form.html", form=form), form_status()


@bp.route("/accounts/<int:account_id>", methods=["GET", "POST"])
@admin_required
@form_view
def account_edit(account_id: int):
    account = db.session.get(Account, account_id) or abort(404)
    form = AccountRoleForm(obj=account if request.method == "GET" else None)
    form.unit_id.choices = _unit_choices(with_none=True)
    if request.method == "GET":
        form.unit_id.data = account.unit_id or 0
    if form.validate_on_submit():
        if account.id == current_user.id and form.role.data != "admin":
            form.role.errors = [_("You cannot remove your own administrator role.")]
        else:
            unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
            try:
                update_role(current_user, account, form.role.data, unit)
            except UserInputError as error:
                error.field = "unit_id" if error.field == "unit" else error.field
                apply_to_form(form, error)
            else:
                commit()
                flash(_("Account saved."), "success")
                return redirect(url_for("admin.accounts"))
    return render_template("admin/account_edit.html", form=form, account=account), form_status()


@bp.route("/accounts/<int:account_id>/active", methods=["POST"])
@admin_required
def account_active(account_id: int):
    account = db.session.get(Account, account_id) or abort(404)
    if account.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "warning")
    else:
        set_active(current_user, account, not account.is_active_flag)
        commit()
        flash(_("Account activated.") if account.is_active_flag else _("Account deactivated."), "success")
    return redirect(url_for("admin.account_edit", account_id=account.id))

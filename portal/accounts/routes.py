import json

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..database import commit
from ..errors import UserInputError, apply_to_form, form_status
from ..sections import sections_for
from ..security import form_view
from . import bp
from .forms import DeleteAccountForm
from .services import delete_account, export_data


@bp.route("")
@login_required
def me():
    return render_template("accounts/me.html", sections=sections_for("me", current_user))


@bp.route("/export.json")
@login_required
def export():
    payload = json.dumps(export_data(current_user), ensure_ascii=False, indent=2)
    return Response(payload, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=my-portal-data.json"})


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@form_view
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            delete_account(current_user._get_current_object(), form.password.data)
        except UserInputError as error:
            apply_to_form(form, error)
        else:
            commit()
            logout_user()
            flash(_("Your account has been deleted."), "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/delete.html", form=form), form_status()

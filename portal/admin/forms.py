from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

ROLE_LABELS = {
    "resident": _l("Resident"),
    "staff": _l("Unit staff"),
    "admin": _l("Administrator (district office)"),
}


class AccountCreateForm(FlaskForm):
    login = StringField(_l("Email or mobile number"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    role = SelectField(_l("Role"), choices=[("staff", ROLE_LABELS["staff"]), ("admin", ROLE_LABELS["admin"])])
    unit_id = SelectField(_l("Unit"), coerce=int, description=_l("Staff see and manage only this unit's objects."))
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=128)],
                             description=_l("Give it to the person through a safe channel; they should change it at once."),
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create account"))


class AccountRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    unit_id = SelectField(_l("Unit"), coerce=int)
    submit = SubmitField(_l("Save"))

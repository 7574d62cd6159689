from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("I understand that my account and personal data will be deleted and "
                              "that my published comments will remain, shown as anonymous."),
                           validators=[DataRequired(message=_l("Please confirm the deletion."))])
    submit = SubmitField(_l("Delete my account"))

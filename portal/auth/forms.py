from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

LOGIN_HELP = _l("Your email address or 11-digit mainland mobile number.")


class RegisterForm(FlaskForm):
    login = StringField(_l("Email or mobile number"), validators=[DataRequired(), Length(max=254)],
                        description=LOGIN_HELP, render_kw={"autocomplete": "username"})
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)],
                       description=_l("Shown publicly only masked, e.g. 张**."),
                       render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)],
                             description=_l("At least 8 characters; common passwords are refused."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "new-password"})
    agree = BooleanField(_l("I have read the privacy notice and agree that the portal keeps my account "
                            "data to run my participation."),
                         validators=[DataRequired(message=_l("Please agree to the privacy notice."))])
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    login = StringField(_l("Email or mobile number"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat new password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change password"))


class ButtonForm(FlaskForm):
    """An empty form for POST-only buttons, so that they carry a CSRF token."""

    submit = SubmitField(_l("Confirm"))


class VerifyForm(FlaskForm):
    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=12)],
                       description=_l("The 6 digits we sent to your email address or mobile number."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Verify"))


class ResetRequestForm(FlaskForm):
    email = StringField(_l("Email address of your account"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me a link"))


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)],
                             description=_l("At least 8 characters; common passwords are refused."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat new password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set new password"))

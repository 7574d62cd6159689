from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..accounts.models import Account
from ..database import commit
from ..errors import UserInputError, apply_to_form, form_status
from ..extensions import db, limiter, login_manager
from ..security import form_view
from . import bp
from .forms import ButtonForm, LoginForm, PasswordChangeForm, RegisterForm
from .services import authenticate, change_password, normalise_login, register_resident


@login_manager.user_loader
def load_account(value: str):
    account_id, _sep, token = value.partition(":")
    if not account_id.isdigit():
        return None
    account = db.session.get(Account, int(account_id))
    if account is None or account.session_token != token or not account.is_active:
        return None
    return account


login_manager.login_view = "auth.login"
login_manager.login_message_category = "info"


@login_manager.unauthorized_handler
def unauthorized():
    flash(_("Please log in to continue."), "info")
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login (no open redirect)."""
    # Browsers drop tabs and newlines inside URLs ("/\t/evil.example" becomes "//evil.example"),
    # so any control character or space refuses the target as well.
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target)):
        return target
    return None


def _login_key() -> str:
    try:
        email, mobile = normalise_login(request.form.get("login", ""))
        return "login:" + (email or mobile or "")
    except UserInputError:
        return "login:" + request.form.get("login", "")[:254].strip().lower()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT_IP"], methods=["POST"])
@form_view
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            account = register_resident(form.data)
        except UserInputError as error:
            apply_to_form(form, error)
        else:
            commit()
            login_user(account)
            flash(_("Welcome! Your account has been created."), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("accounts.me"))
    return render_template("auth/register.html", form=form), form_status()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"], methods=["POST"], key_func=_login_key)
@form_view
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        account = authenticate(form.login.data, form.password.data)
        if account is None:
            form.form_errors.append(_("The login or the password is not correct."))
        else:
            commit()
            login_user(account, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            default = "main.index"
            if account.role == "admin":
                default = "admin.index"
            return redirect(safe_next(request.args.get("next")) or url_for(default))
    return render_template("auth/login.html", form=form), form_status()


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@form_view
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.password.data, form.confirm.data)
        except UserInputError as error:
            apply_to_form(form, error)
        else:
            commit()
            login_user(current_user._get_current_object())  # new session token in the cookie
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.me"))
    return render_template("auth/password.html", form=form), form_status()


# A template global rather than a context processor: the ``button`` macro of _macros/forms.html
# is imported without context, and only globals reach imported macros.
bp.add_app_template_global(ButtonForm, "button_form")

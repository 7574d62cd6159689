from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..database import commit
from ..errors import UserInputError, apply_to_form, form_status
from ..extensions import limiter, login_manager
from ..security import form_view
from . import bp
from .forms import (
    ButtonForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
    VerifyForm,
)
from .services import (
    account_for_reset,
    authenticate,
    change_password,
    check_code,
    end_sessions,
    find_account,
    issue_code,
    normalise_login,
    register_resident,
    request_password_reset,
    reset_password,
    session_is_current,
)


@login_manager.user_loader
def load_account(value: str):
    return session_is_current(value)


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
            register_resident(form.data)  # None when the login is taken: answered the same way
        except UserInputError as error:
            apply_to_form(form, error)
        else:
            commit()
            email, mobile = normalise_login(form.login.data)
            session["verify_login"] = email or mobile
            session["verify_next"] = safe_next(request.args.get("next"))
            flash(_("We have sent a message to %(login)s. If the address can be used for a new account, it "
                    "holds a 6-digit code: enter it below to activate your account.", login=email or mobile),
                  "info")
            return redirect(url_for("auth.verify"))
    return render_template("auth/register.html", form=form), form_status()


def _account_to_verify():
    """The logged-in account, or the one registered in this browser session (not logged in)."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    login = session.get("verify_login")
    return find_account(login) if login else None


@bp.route("/verify", methods=["GET", "POST"])
@form_view
def verify():
    if not current_user.is_authenticated and not session.get("verify_login"):
        return redirect(url_for("auth.login"))
    target = safe_next(request.args.get("next")) or session.get("verify_next") or url_for("accounts.me")
    if current_user.is_authenticated and current_user.is_verified:
        return redirect(target)
    form = VerifyForm()
    if form.validate_on_submit():
        account = _account_to_verify()
        outcome = check_code(account, form.code.data) if account is not None and not account.is_verified \
            else "wrong"
        commit()  # wrong tries are counted
        if outcome == "ok":
            if not current_user.is_authenticated:
                login_user(account)
            session.pop("verify_login", None)
            session.pop("verify_next", None)
            flash(_("Thank you: your email address or mobile number is verified. You can now comment and "
                    "sign up."), "success")
            return redirect(target)
        form.code.errors.append({
            "wrong": _("This code is not correct. Please check the digits."),
            "expired": _("This code has expired. Please ask for a new one."),
            "locked": _("Too many wrong codes. Please ask for a new one."),
        }[outcome])
    return render_template("auth/verify.html", form=form,
                           login=current_user.login if current_user.is_authenticated else session["verify_login"]
                           ), form_status()


def _verify_send_key() -> str:
    if current_user.is_authenticated:
        return f"verify-send:{current_user.id}"
    return f"verify-send:{session.get('verify_login', request.remote_addr)}"


@bp.route("/verify/send", methods=["POST"])
@limiter.limit(lambda: current_app.config["VERIFY_SEND_RATE_LIMIT"], key_func=_verify_send_key)
def verify_send():
    account = _account_to_verify()
    if account is None and not session.get("verify_login"):
        return redirect(url_for("auth.login"))
    if account is not None and not account.is_verified:
        issue_code(account)
        commit()
    flash(_("A new code has been sent if this address is waiting for verification."), "info")
    return redirect(url_for("auth.verify", next=safe_next(request.args.get("next"))))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT_IP"], methods=["POST"])
@form_view
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            request_password_reset(form.email.data)
        except UserInputError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("If an account uses this email address, we have sent it a link to choose a new password. "
                    "Please check your mailbox."), "info")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form), form_status()


@bp.route("/reset/<token>", methods=["GET", "POST"])
@form_view
def reset(token: str):
    account = account_for_reset(token) if len(token) < 500 else None
    if account is None:
        flash(_("This link is not valid: it has expired or has already been used. Please ask for a new one."),
              "warning")
        return redirect(url_for("auth.reset_request"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            reset_password(account, form.password.data, form.confirm.data)
        except UserInputError as error:
            apply_to_form(form, error)
        else:
            commit()
            logout_user()
            flash(_("Your password has been changed and every session has been logged out. Please log in "
                    "with the new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), form_status()


def _login_failed(response) -> bool:
    """Only failed attempts count against the per-account limit: a successful login redirects."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"], methods=["POST"], key_func=_login_key,
               deduct_when=_login_failed)
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
    if current_user.is_authenticated:
        # Not only this browser: every session and remember-me cookie of the account ends, so a
        # copied cookie replayed later gets the login page.
        end_sessions(current_user._get_current_object())
        commit()
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
            # This session stays logged in (with the new token); every other one has ended.
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.me"))
    return render_template("auth/password.html", form=form), form_status()


# A template global rather than a context processor: the ``button`` macro of _macros/forms.html
# is imported without context, and only globals reach imported macros.
bp.add_app_template_global(ButtonForm, "button_form")

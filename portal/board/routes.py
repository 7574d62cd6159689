"""Pages of the message board: the public board and a published message, asking, the resident's
own messages (rating, follow-up), the policy evaluation, and the staff inbox and message page."""
from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from .. import clock
from ..auth.access import (
    admin_required,
    can_manage_unit,
    get_for_unit,
    staff_required,
    verified_required,
)
from ..catalogue import uploads
from ..catalogue.models import DecisionItem, Topic
from ..database import commit
from ..errors import DomainError, apply_to_form, form_status, refuse
from ..extensions import db, limiter
from ..feeds import FeedEntry, atom_response
from ..requestargs import int_arg
from ..security import form_view
from ..units.models import Unit
from . import bp, deadlines, evaluation, publication
from . import services as svc
from .forms import (
    ApproverForm,
    AskForm,
    EvaluationForm,
    FollowUpForm,
    RateForm,
    RedactForm,
    ReplyForm,
    ReturnForm,
    TransferForm,
)
from .models import (
    BoardMessage,
    DeadlineState,
    MessageKind,
    MessageStatus,
    PolicyEvaluation,
    Rating,
)

PER_PAGE = 20


@bp.app_context_processor
def inject_board_labels():
    return {"board_labels": {"kind": dict(MessageKind.choices()), "status": dict(MessageStatus.choices()),
                             "rating": dict(Rating.choices()), "deadline": dict(DeadlineState.choices())}}


def _units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.id)))


def _topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)))


# --- the public board ----------------------------------------------------------------------------------

@bp.route("/board")
def index():
    unit_id, topic_id, decision_id = int_arg("unit", minimum=1), int_arg("topic", minimum=1), int_arg("policy", minimum=1)
    kind = request.args.get("kind") if request.args.get("kind") in MessageKind.values() else None
    q = (request.args.get("q") or "")[:100]
    query = publication.public_query(unit_id=unit_id, kind=kind, topic_id=topic_id, decision_id=decision_id, q=q)
    page = None
    if query is not None:
        page = db.paginate(query, page=int_arg("page", minimum=1) or 1, per_page=PER_PAGE, error_out=False)
    policy = db.session.get(DecisionItem, decision_id) if decision_id else None
    return render_template("board/index.html", page=page, units=_units(), topics=_topics(), q=q, kind=kind,
                           unit_id=unit_id, topic_id=topic_id, policy=policy)


@bp.route("/board/<int:message_id>")
def detail(message_id: int):
    message = db.session.get(BoardMessage, message_id)
    if message is None or not message.is_published:
        abort(404)
    return render_template("board/detail.html", message=message)


@bp.route("/board/feed.atom")
def feed():
    messages = db.session.scalars(publication.latest_published(50)).all()
    entries = [FeedEntry(id=f"tag:portal,{m.published_at.year}:board-{m.id}", title=m.public_title,
                         link=url_for("board.detail", message_id=m.id), updated=m.published_at,
                         author=m.unit.name, summary=m.public_reply[:500])
               for m in messages if m.published_at is not None]
    return atom_response(_("Published replies of the message board"), entries, feed_id="tag:portal,2026:board")


# --- asking -------------------------------------------------------------------------------------------

def _ask_form() -> AskForm:
    form = AskForm(max_length=current_app.config["BOARD_MAX_LENGTH"])
    form.unit_id.choices = [(0, "—")] + [(u.id, u.name) for u in _units()]
    form.topic_id.choices = [(0, "—")] + [(t.id, t.name) for t in _topics()]
    return form


def _policy_arg(form: AskForm) -> DecisionItem | None:
    raw = form.decision_id.data if request.method == "POST" else request.args.get("policy")
    if not raw:
        return None
    try:
        decision_id = int(raw)
    except (TypeError, ValueError):
        abort(404)
    policy = svc.issued_policy(decision_id) if 0 < decision_id < 2**31 else None
    if policy is None:
        abort(404)
    return policy


def _render_ask(form: AskForm, policy: DecisionItem | None, status: int = 200):
    return render_template("board/ask.html", form=form, policy=policy), status


def _limit_reached(request_limit):
    """Too many messages in a short time: the form comes back (429) with what was typed."""
    form = _ask_form()
    policy = _policy_arg(form)
    form.form_errors.append(_("You have sent many messages in a short time. Please wait a while before you "
                              "send again: what you typed is kept below."))
    body, _status = _render_ask(form, policy)
    return make_response(body, 429)


def _ask_key() -> str:
    if current_user.is_authenticated:
        return f"board-account:{current_user.id}"
    return f"board-ip:{request.remote_addr}"


@bp.route("/board/ask", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["BOARD_RATE_LIMIT_IP"], methods=["POST"], on_breach=_limit_reached)
@limiter.limit(lambda: current_app.config["BOARD_RATE_LIMIT_ACCOUNT"], methods=["POST"], key_func=_ask_key,
               on_breach=_limit_reached)
@form_view
@verified_required
def ask():
    form = _ask_form()
    policy = _policy_arg(form)
    if request.method == "GET":
        if policy is not None:
            form.decision_id.data = str(policy.id)
        else:
            slug = request.args.get("unit", "")
            unit = db.session.scalar(select(Unit).where(Unit.slug == slug[:60])) if slug else None
            if unit is not None:
                form.unit_id.data = unit.id
        return _render_ask(form, policy)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if form.validate_on_submit():
        storage = form.attachment.data
        upload = uploads.Upload(storage.filename, storage.stream) if isinstance(storage, FileStorage) and storage.filename else None
        data = {**form.data, "decision_id": policy.id if policy else None}
        try:
            message = svc.submit(current_user, data, upload)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            return redirect(url_for("board.receipt", tracking_number=message.tracking_number))
    return _render_ask(form, policy, 422)


@bp.route("/board/receipts/<tracking_number>")
@login_required
def receipt(tracking_number: str):
    message = db.session.scalar(select(BoardMessage).where(BoardMessage.tracking_number == tracking_number[:24]))
    if message is None or message.author_id != current_user.id:
        abort(404)
    return render_template("board/receipt.html", message=message)


# --- the resident's own messages ------------------------------------------------------------------------

@bp.route("/me/messages")
@login_required
def my_messages():
    page = db.paginate(svc.messages_of(current_user), page=int_arg("page", minimum=1) or 1, per_page=PER_PAGE,
                       error_out=False)
    return render_template("board/my_messages.html", page=page)


def _own_message(message_id: int) -> BoardMessage:
    message = db.session.get(BoardMessage, message_id)
    if message is None or message.author_id != current_user.id:
        abort(404)
    return message


def _render_mine(message: BoardMessage, rate_form=None, followup_form=None, status: int = 200):
    return render_template("board/my_message.html", message=message, rate_form=rate_form or RateForm(),
                           followup_form=followup_form or FollowUpForm(),
                           can_follow_up=svc.can_follow_up(message),
                           followup_until=svc.followup_deadline(message)), status


@bp.route("/me/messages/<int:message_id>")
@login_required
def my_message(message_id: int):
    return _render_mine(_own_message(message_id))


@bp.route("/me/messages/<int:message_id>/rate", methods=["POST"])
@login_required
@form_view
def rate(message_id: int):
    message = _own_message(message_id)
    form = RateForm()
    if form.validate_on_submit():
        try:
            svc.rate(current_user, message, form.rating.data, form.reason.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Thank you for rating the reply."), "success")
            return redirect(url_for("board.my_message", message_id=message.id))
    return _render_mine(message, rate_form=form, status=form_status())


@bp.route("/me/messages/<int:message_id>/follow-up", methods=["POST"])
@login_required
@form_view
@verified_required
def follow_up(message_id: int):
    message = _own_message(message_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            svc.follow_up(current_user, message, form.text.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Your follow-up question has been sent; it will be answered by %(due)s.",
                    due=message.due_on.isoformat()), "success")
            return redirect(url_for("board.my_message", message_id=message.id))
    return _render_mine(message, followup_form=form, status=form_status())


@bp.route("/board/attachments/<int:message_id>")
@login_required
def attachment(message_id: int):
    message = db.session.get(BoardMessage, message_id)
    if message is None or not message.attachment_stored:
        abort(404)
    if message.author_id != current_user.id and not can_manage_unit(current_user, message.unit_id):
        abort(404)
    try:
        response = send_file(uploads.path_of(message.attachment_stored), mimetype=message.attachment_type,
                             as_attachment=True, download_name=message.attachment_name or message.attachment_stored,
                             max_age=0)
    except FileNotFoundError:
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the policy evaluation window --------------------------------------------------------------------------

@bp.route("/board/policies/<int:policy_id>/evaluate", methods=["GET", "POST"])
@form_view
@verified_required
def evaluate(policy_id: int):
    policy = svc.issued_policy(policy_id)
    if policy is None:
        abort(404)
    form = EvaluationForm()
    own = evaluation.own_evaluation(current_user, policy.id) if current_user.is_authenticated else None
    if request.method == "POST":
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if form.validate_on_submit():
            try:
                evaluation.evaluate(current_user, policy, form.score.data, form.suggestion.data)
            except DomainError as error:
                apply_to_form(form, error)
            else:
                commit()
                flash(_("Thank you for your evaluation."), "success")
                return redirect(url_for("catalogue.hub", item_id=policy.id, _anchor="board-evaluation"))
    return render_template("board/evaluate.html", policy=policy, form=form, own=own,
                           score=evaluation.score_of(policy.id)), form_status()


# --- staff -------------------------------------------------------------------------------------------------

@bp.route("/staff/board")
@staff_required
def staff_inbox():
    view = request.args.get("view", "open")
    page_number = int_arg("page", minimum=1) or 1
    if view == "suggestions":
        page = db.paginate(evaluation.suggestions_query(current_user), page=page_number, per_page=PER_PAGE,
                           error_out=False)
    else:
        view = view if view in svc.INBOX_VIEWS else "open"
        page = db.paginate(svc.inbox_query(current_user, view), page=page_number, per_page=PER_PAGE,
                           error_out=False)
    return render_template("board/staff_inbox.html", page=page, view=view, today=clock.today())


def _render_staff(message: BoardMessage, *, reply_form=None, return_form=None, transfer_form=None,
                  redact_form=None, status: int = 200):
    transfer_form = transfer_form or TransferForm()
    transfer_form.unit_id.choices = [(u.id, u.name) for u in _units() if u.id != message.unit_id]
    pending = message.pending_reply
    return render_template(
        "board/staff_detail.html", message=message, today=clock.today(),
        reply_form=reply_form or ReplyForm(), return_form=return_form or ReturnForm(),
        transfer_form=transfer_form, redact_form=redact_form or RedactForm(),
        can_mark_simple=deadlines.can_mark_simple(message),
        simple_until=deadlines.simple_window_ends(message),
        can_sign=pending is not None and svc.can_sign(current_user, message, pending),
        signers=svc.signers(message)), status


@bp.route("/staff/board/<int:message_id>")
@staff_required
def staff_detail(message_id: int):
    return _render_staff(get_for_unit(BoardMessage, message_id))


def _action(message: BoardMessage, func, success: str, *args):
    back = url_for("board.staff_detail", message_id=message.id)
    try:
        func(current_user, message, *args)
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(success, "success")
    return redirect(back)


@bp.route("/staff/board/<int:message_id>/simple", methods=["POST"])
@staff_required
def staff_simple(message_id: int):
    message = get_for_unit(BoardMessage, message_id)
    return _action(message, svc.mark_simple, _("Marked as a simple question: due on the first working day."))


@bp.route("/staff/board/<int:message_id>/reply", methods=["POST"])
@staff_required
@form_view
def staff_reply(message_id: int):
    message = get_for_unit(BoardMessage, message_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            svc.draft_reply(current_user, message, form.text.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("The reply awaits sign-off."), "success")
            return redirect(url_for("board.staff_detail", message_id=message.id))
    return _render_staff(message, reply_form=form, status=form_status())


@bp.route("/staff/board/<int:message_id>/sign", methods=["POST"])
@staff_required
def staff_sign(message_id: int):
    message = get_for_unit(BoardMessage, message_id)
    return _action(message, svc.sign_off, _("Reply signed off and sent to the resident."))


@bp.route("/staff/board/<int:message_id>/return", methods=["POST"])
@staff_required
@form_view
def staff_return(message_id: int):
    message = get_for_unit(BoardMessage, message_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            svc.return_reply(current_user, message, form.note.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("The reply was returned to its drafter."), "success")
            return redirect(url_for("board.staff_detail", message_id=message.id))
    return _render_staff(message, return_form=form, status=form_status())


@bp.route("/staff/board/<int:message_id>/transfer", methods=["POST"])
@admin_required
@form_view
def staff_transfer(message_id: int):
    message = get_for_unit(BoardMessage, message_id)
    form = TransferForm()
    form.unit_id.choices = [(u.id, u.name) for u in _units()]
    if form.validate_on_submit():
        try:
            svc.transfer(current_user, message, form.unit_id.data, form.reason.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Message transferred."), "success")
            return redirect(url_for("board.staff_detail", message_id=message.id))
    return _render_staff(message, transfer_form=form, status=form_status())


@bp.route("/staff/board/<int:message_id>/publish", methods=["POST"])
@staff_required
def staff_publish(message_id: int):
    message = get_for_unit(BoardMessage, message_id)
    return _action(message, publication.publish, _("Published on the message board."))


@bp.route("/staff/board/<int:message_id>/unpublish", methods=["POST"])
@staff_required
def staff_unpublish(message_id: int):
    message = get_for_unit(BoardMessage, message_id)
    return _action(message, publication.unpublish, _("No longer published."))


@bp.route("/staff/board/<int:message_id>/faq", methods=["POST"])
@staff_required
def staff_faq(message_id: int):
    message = get_for_unit(BoardMessage, message_id)
    faq = request.form.get("faq") == "1"
    return _action(message, publication.set_faq,
                   _("Shown as a frequently asked question.") if faq else _("No longer a frequently asked question."),
                   faq)


@bp.route("/staff/board/<int:message_id>/redact", methods=["POST"])
@staff_required
@form_view
def staff_redact(message_id: int):
    message = get_for_unit(BoardMessage, message_id)
    form = RedactForm()
    if form.validate_on_submit():
        try:
            n = publication.redact(current_user, message, form.hide.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("%(n)s passages hidden in the published text.", n=n), "success")
            return redirect(url_for("board.staff_detail", message_id=message.id))
    return _render_staff(message, redact_form=form, status=form_status())


@bp.route("/staff/board/suggestions/<int:evaluation_id>/seen", methods=["POST"])
@staff_required
def staff_suggestion_seen(evaluation_id: int):
    item = get_for_unit(PolicyEvaluation, evaluation_id)
    evaluation.mark_seen(current_user, item)
    commit()
    return redirect(url_for("board.staff_inbox", view="suggestions"))


@bp.route("/admin/board/approvers", methods=["GET", "POST"])
@admin_required
@form_view
def admin_approvers():
    from ..accounts.models import Account

    units = _units()
    staff = list(db.session.scalars(select(Account).where(Account.role == "staff", Account.is_active_flag.is_(True))
                                    .order_by(Account.unit_id, Account.id)))
    forms = {}
    status = 200
    for unit in units:
        form = ApproverForm(prefix=f"u{unit.id}")
        form.account_id.choices = [(0, "—")] + [(a.id, a.name) for a in staff if a.unit_id == unit.id]
        approver = svc.approver_of(unit.id)
        if request.method == "GET":
            form.account_id.data = approver.id if approver else 0
        forms[unit.id] = form
    if request.method == "POST":
        unit_id = int_arg("unit", minimum=1)
        unit = db.session.get(Unit, unit_id) if unit_id else None
        if unit is None:
            abort(404)
        form = forms[unit.id]
        if form.validate_on_submit():
            try:
                svc.set_approver(current_user, unit, form.account_id.data)
            except DomainError as error:
                apply_to_form(form, error)
            else:
                commit()
                flash(_("Approver saved."), "success")
                return redirect(url_for("board.admin_approvers"))
        status = form_status()
    return render_template("board/admin_approvers.html", units=units, forms=forms), status

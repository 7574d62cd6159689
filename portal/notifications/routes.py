from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, update

from .. import clock
from ..auth.routes import safe_next
from ..database import commit
from ..extensions import db
from . import bp
from .models import InboxMessage


@bp.route("")
@login_required
def inbox():
    query = (select(InboxMessage).where(InboxMessage.account_id == current_user.id)
             .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()))
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=20, error_out=False)
    return render_template("notifications/inbox.html", page=page)


@bp.route("/<int:message_id>", methods=["POST"])
@login_required
def open_message(message_id: int):
    message = db.session.get(InboxMessage, message_id)
    if message is None or message.account_id != current_user.id:
        abort(404)
    if message.read_at is None:
        message.read_at = clock.now()
        commit()
    return redirect(safe_next(message.link) or url_for("notifications.inbox"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    db.session.execute(update(InboxMessage)
                       .where(InboxMessage.account_id == current_user.id, InboxMessage.read_at.is_(None))
                       .values(read_at=clock.now()))
    commit()
    return redirect(url_for("notifications.inbox"))

"""Rules of messages: asking (with receipt, duplicate check and an attachment checked by its
content), routing and transfer, marking simple, drafting a reply and its sign-off, the resident's
rating and the one follow-up. Functions take model objects and plain data, flush, never commit."""
from __future__ import annotations

import os
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..accounts.models import Account
from ..audit.services import record
from ..auth.access import can_manage_unit
from ..catalogue import uploads
from ..catalogue.models import DecisionItem, DecisionStatus, public_decisions
from ..consultation.similarity import text_hash
from ..database import savepoint
from ..errors import AccessDenied, RuleViolation, UserInputError
from ..extensions import db
from ..notifications.services import notify
from ..units.models import Unit
from . import deadlines
from .models import (
    BoardApprover,
    BoardMessage,
    BoardReply,
    BoardTransfer,
    MessageKind,
    MessageStatus,
    Rating,
)

ISSUED_STATUSES = (DecisionStatus.decided.value, DecisionStatus.feedback_published.value)
# An attachment is an image or a PDF (extension → MIME type), checked by its content.
ATTACHMENT_TYPES = {"pdf", "png", "jpg", "jpeg"}
TITLE_MAX = 100


def _clean(value) -> str:
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def issued_policy(decision_id: int | None) -> DecisionItem | None:
    """The issued, public decision a message or evaluation may be left on (None otherwise)."""
    if not decision_id:
        return None
    return db.session.scalar(select(DecisionItem).where(
        DecisionItem.id == decision_id, DecisionItem.status.in_(ISSUED_STATUSES),
        DecisionItem.issue_date.is_not(None), public_decisions()))


def _staff_of(unit_id: int) -> list[Account]:
    return list(db.session.scalars(select(Account).where(
        Account.role == "staff", Account.unit_id == unit_id, Account.is_active_flag.is_(True)).order_by(Account.id)))


# --- asking -------------------------------------------------------------------------------------

def submit(author, data: dict, attachment: uploads.Upload | None = None) -> BoardMessage:
    """A resident's message with its receipt number (留言编号), routed to the policy's drafting
    unit or to the chosen unit, due on the working-day calendar.

    Refused (nothing saved): no target, an empty or too long title or text, an unknown type,
    missing consent, the same text from this account within BOARD_DUPLICATE_HOURS, or an
    attachment that is not an image or PDF by its content."""
    decision = None
    if data.get("decision_id"):
        decision = issued_policy(data.get("decision_id"))
        if decision is None:
            raise UserInputError(None, _("Messages can be left on issued policies only."))
        unit_id = decision.unit_id
    else:
        unit = db.session.get(Unit, data.get("unit_id") or 0)
        if unit is None:
            raise UserInputError("unit_id", _("Choose the unit your message is for."))
        unit_id = unit.id
    kind = data.get("kind")
    if kind not in MessageKind.values():
        raise UserInputError("kind", _("Choose the type of message."))
    title = _clean(data.get("title"))
    if not title:
        raise UserInputError("title", _("Enter a title."))
    if len(title) > TITLE_MAX:
        raise UserInputError("title", _("The title has %(length)s characters; at most %(max)s are allowed.",
                                        length=len(title), max=TITLE_MAX))
    text = _clean(data.get("text"))
    if not text:
        raise UserInputError("text", _("Enter your message."))
    maximum = int(current_app.config["BOARD_MAX_LENGTH"])
    if len(text) > maximum:
        raise UserInputError("text", _("The message has %(length)s characters; at most %(max)s are allowed.",
                                       length=len(text), max=maximum))
    if not data.get("consent"):
        raise UserInputError("consent", _("Your consent is required to send a message."))
    now = clock.now()
    digest = text_hash(title + "\n" + text)
    since = now - timedelta(hours=int(current_app.config["BOARD_DUPLICATE_HOURS"]))
    if db.session.scalar(select(BoardMessage.id).where(BoardMessage.author_id == author.id,
                                                       BoardMessage.text_hash == digest,
                                                       BoardMessage.created_at > since)):
        raise UserInputError("text", _("You sent this message less than a day ago; it is not accepted twice. "
                                       "Your first message is being handled."))
    topic_id = None
    if decision is not None and decision.topics:
        topic_id = decision.topics[0].id
    elif data.get("topic_id"):
        topic_id = int(data["topic_id"])
    stored = None
    if attachment is not None and (attachment.filename or "").strip():
        ext = os.path.basename(attachment.filename.replace("\\", "/")).rsplit(".", 1)[-1].lower()
        if ext not in ATTACHMENT_TYPES:
            raise UserInputError("attachment", _("Attach an image (PNG, JPEG) or a PDF file."))
        stored = uploads.store(attachment, "attachment")   # checked by its content
    message = BoardMessage(kind=kind, title=title, text=text, text_hash=digest, author_id=author.id,
                           unit_id=unit_id, decision_id=decision.id if decision else None, topic_id=topic_id,
                           may_publish=bool(data.get("may_publish")), consent_at=now, received_at=now,
                           created_at=now, status=MessageStatus.open.value)
    if stored is not None:
        message.attachment_name, message.attachment_stored = stored.original_name, stored.stored_name
        message.attachment_type, message.attachment_size = stored.content_type, stored.size
    deadlines.apply_deadline(message, now)
    message.first_due_on = message.due_on
    with savepoint():
        db.session.add(message)
        db.session.flush()
    message.tracking_number = f"LY-{now.year}-{message.id:06d}"
    db.session.flush()
    record(author, "board.submit", message, unit_id=unit_id,
           after={"tracking_number": message.tracking_number, "kind": kind, "decision_id": message.decision_id,
                  "due_on": message.due_on, "attachment": stored is not None})
    for account in _staff_of(unit_id):
        notify(account, _("New message %(number)s: %(title)s", number=message.tracking_number, title=title),
               _("Reply by %(due)s.", due=message.due_on.isoformat()), link=f"/staff/board/{message.id}",
               kind="board.new")
    return message


# --- routing ----------------------------------------------------------------------------------------

def transfer(actor, message: BoardMessage, unit_id: int | None, reason: str) -> BoardTransfer:
    """The district office moves a message to another unit, with the reason. The deadline stays
    unless BOARD_TRANSFER_RESTARTS (then it counts again from the transfer)."""
    if actor.role != "admin":
        raise AccessDenied(_("Only the district office can transfer messages."))
    if message.status == MessageStatus.answered.value:
        raise RuleViolation(_("This message has been answered; it can no longer be transferred."))
    target = db.session.get(Unit, unit_id or 0)
    if target is None:
        raise UserInputError("unit_id", _("Choose the unit to transfer the message to."))
    if target.id == message.unit_id:
        raise UserInputError("unit_id", _("The message is already with this unit."))
    reason = _clean(reason)
    if not reason:
        raise UserInputError("reason", _("Give the reason for the transfer."))
    before_due = message.due_on
    now = clock.now()
    if current_app.config["BOARD_TRANSFER_RESTARTS"]:
        deadlines.apply_deadline(message, now, simple=message.simple)
        if message.round == 1:
            message.first_due_on = message.due_on
    pending = message.pending_reply
    if pending is not None:  # a draft of the old unit is withdrawn with the message
        pending.returned_at, pending.return_note = now, _("Withdrawn: the message was transferred.")
        message.status = MessageStatus.open.value
    moved = BoardTransfer(message_id=message.id, from_unit_id=message.unit_id, to_unit_id=target.id,
                          reason=reason, actor_id=actor.id, transferred_at=now, due_before=before_due,
                          due_after=message.due_on)
    db.session.add(moved)
    old_unit = message.unit_id
    message.unit_id = target.id
    db.session.flush()
    db.session.expire(message, ["unit", "transfers"])
    record(actor, "board.transfer", message, unit_id=target.id,
           before={"unit_id": old_unit, "due_on": before_due},
           after={"unit_id": target.id, "due_on": message.due_on, "reason": reason})
    for account in _staff_of(target.id):
        notify(account, _("Message %(number)s transferred to your unit", number=message.tracking_number),
               _("Reason: %(reason)s\nReply by %(due)s.", reason=reason, due=message.due_on.isoformat()),
               link=f"/staff/board/{message.id}", kind="board.transfer")
    return moved


def mark_simple(actor, message: BoardMessage) -> None:
    """A simple question (简单问题): due on the first working day counted, when marked by then."""
    if message.simple:
        raise RuleViolation(_("This message is already marked simple."))
    if not deadlines.can_mark_simple(message):
        raise RuleViolation(_("A message can be marked simple only while it awaits its first reply, "
                              "until the end of its first working day (%(day)s).",
                              day=deadlines.simple_window_ends(message).isoformat()))
    before = message.due_on
    start = message.counted_from
    calendar = deadlines.calendar_for(start)
    n = deadlines.due_working_days(simple=True)
    due = calendar.add_working_days(start, n)
    message.simple, message.working_days = True, n
    message.due_on, message.due_provisional = due.day, due.provisional
    message.first_due_on = due.day
    db.session.flush()
    record(actor, "board.simple", message, before={"due_on": before}, after={"due_on": due.day})


# --- replies ----------------------------------------------------------------------------------------

def draft_reply(actor, message: BoardMessage, text: str) -> BoardReply:
    """Staff of the unit draft the reply; it waits for sign-off before the resident sees it."""
    if message.status != MessageStatus.open.value:
        raise RuleViolation(_("This message is not awaiting a reply."))
    text = _clean(text)
    if not text:
        raise UserInputError("text", _("Enter the reply."))
    reply = BoardReply(message_id=message.id, round=message.round, text=text, drafted_by_id=actor.id,
                       drafted_at=clock.now())
    db.session.add(reply)
    message.status = MessageStatus.signoff.value
    db.session.flush()
    db.session.expire(message, ["replies"])
    record(actor, "board.reply_draft", message, after={"round": message.round, "reply_id": reply.id})
    for account in signers(message):
        if account.id != actor.id:
            notify(account, _("Reply to message %(number)s awaits your sign-off", number=message.tracking_number),
                   message.title, link=f"/staff/board/{message.id}", kind="board.signoff", email=False)
    return reply


def approver_of(unit_id: int) -> Account | None:
    row = db.session.get(BoardApprover, unit_id)
    return row.account if row is not None else None


def signers(message: BoardMessage) -> list[Account]:
    """Who may sign off the message's reply under the BOARD_SIGNOFF setting."""
    if current_app.config["BOARD_SIGNOFF"] == "approver":
        approver = approver_of(message.unit_id)
        return [approver] if approver is not None else []
    return _staff_of(message.unit_id)


def can_sign(account, message: BoardMessage, reply: BoardReply) -> bool:
    if not can_manage_unit(account, message.unit_id) and account.role != "admin":
        return False
    if current_app.config["BOARD_SIGNOFF"] == "approver":
        approver = approver_of(message.unit_id)
        return approver is not None and approver.id == account.id and reply.drafted_by_id != account.id
    return reply.drafted_by_id != account.id


def sign_off(actor, message: BoardMessage) -> BoardReply:
    """A second person (or the unit's approver) signs the reply off: it is sent, the message is
    answered and the resident is told."""
    reply = message.pending_reply
    if reply is None or message.status != MessageStatus.signoff.value:
        raise RuleViolation(_("There is no reply awaiting sign-off."))
    if not can_sign(actor, message, reply):
        if current_app.config["BOARD_SIGNOFF"] == "approver":
            raise RuleViolation(_("The reply must be signed off by the unit's approver (not its drafter)."))
        raise RuleViolation(_("The reply must be signed off by another member of staff than its drafter."))
    now = clock.now()
    reply.signed_by_id, reply.signed_at = actor.id, now
    reply.due_on, reply.on_time = message.due_on, now.date() <= message.due_on
    message.status, message.answered_at = MessageStatus.answered.value, now
    if message.round == 1:
        message.first_answered_at, message.first_on_time = now, reply.on_time
        calendar = deadlines.calendar_for(message.counted_from, now.date())
        message.reply_working_days = deadlines.working_days_to_reply(message, calendar)
    if message.is_published:
        from .publication import refresh_public_reply

        refresh_public_reply(message)
    db.session.flush()
    record(actor, "board.reply_send", message, after={"round": reply.round, "on_time": reply.on_time,
                                                      "answered_at": now})
    if message.author_id is not None:
        author = db.session.get(Account, message.author_id)
        if author is not None:
            notify(author, _("Your message %(number)s has been answered", number=message.tracking_number),
                   _("%(unit)s replied to \"%(title)s\". You can read the reply and rate it.",
                     unit=message.unit.name, title=message.title),
                   link=f"/me/messages/{message.id}", kind="board.answered")
    return reply


def return_reply(actor, message: BoardMessage, note: str) -> None:
    """The signer sends the draft back with a note; the message awaits a reply again."""
    reply = message.pending_reply
    if reply is None:
        raise RuleViolation(_("There is no reply awaiting sign-off."))
    if not can_sign(actor, message, reply):
        raise RuleViolation(_("Only the person who may sign off the reply can return it."))
    note = _clean(note)
    if not note:
        raise UserInputError("note", _("Say what should change in the reply."))
    reply.returned_at, reply.return_note = clock.now(), note
    message.status = MessageStatus.open.value
    db.session.flush()
    record(actor, "board.reply_return", message, after={"reply_id": reply.id, "note": note})
    drafter = db.session.get(Account, reply.drafted_by_id) if reply.drafted_by_id else None
    if drafter is not None:
        notify(drafter, _("Reply to message %(number)s returned", number=message.tracking_number), note,
               link=f"/staff/board/{message.id}", kind="board.signoff", email=False)


def set_approver(actor, unit: Unit, account_id: int | None) -> None:
    row = db.session.get(BoardApprover, unit.id)
    before = row.account_id if row else None
    if not account_id:
        if row is not None:
            db.session.delete(row)
    else:
        account = db.session.get(Account, account_id)
        if account is None or account.role != "staff" or account.unit_id != unit.id:
            raise UserInputError("account_id", _("Choose a member of this unit's staff."))
        if row is None:
            db.session.add(BoardApprover(unit_id=unit.id, account_id=account.id))
        else:
            row.account_id = account.id
    db.session.flush()
    record(actor, "board.approver", unit, before={"account_id": before}, after={"account_id": account_id or None})


# --- the resident after the reply ---------------------------------------------------------------------

def _own(author, message: BoardMessage) -> None:
    if message.author_id != author.id:
        raise AccessDenied(_("This is not your message."))


def rate(author, message: BoardMessage, rating: str | None, reason: str = "") -> None:
    """满意 / 基本满意 / 不满意 with an optional reason, once per reply received."""
    _own(author, message)
    if not message.is_answered:
        raise RuleViolation(_("You can rate the reply once your message has been answered."))
    if message.rated_round >= message.round:
        raise RuleViolation(_("You have already rated this reply."))
    if rating not in Rating.values():
        raise UserInputError("rating", _("Choose how satisfied you are with the reply."))
    reason = _clean(reason)
    if len(reason) > 500:
        raise UserInputError("reason", _("The reason has %(length)s characters; at most %(max)s are allowed.",
                                         length=len(reason), max=500))
    message.rating, message.rating_reason = rating, reason
    message.rated_at, message.rated_round = clock.now(), message.round
    db.session.flush()
    record(author, "board.rate", message, after={"rating": rating, "round": message.round})


def followup_deadline(message: BoardMessage):
    """The last moment a follow-up is accepted (None before the first reply)."""
    if message.first_answered_at is None:
        return None
    return message.first_answered_at + timedelta(days=int(current_app.config["BOARD_FOLLOWUP_DAYS"]))


def can_follow_up(message: BoardMessage) -> bool:
    limit = followup_deadline(message)
    return (message.round == 1 and message.is_answered and limit is not None and clock.now() <= limit)


def follow_up(author, message: BoardMessage, text: str) -> None:
    """One follow-up question (追问) within BOARD_FOLLOWUP_DAYS days of the reply: the message is
    reopened with a new deadline counted from the follow-up."""
    _own(author, message)
    if message.round > 1:
        raise RuleViolation(_("You have already asked a follow-up question on this message."))
    if not can_follow_up(message):
        raise RuleViolation(_("A follow-up question can be asked within %(days)s days of the reply.",
                              days=current_app.config["BOARD_FOLLOWUP_DAYS"]))
    text = _clean(text)
    if not text:
        raise UserInputError("text", _("Enter your follow-up question."))
    maximum = int(current_app.config["BOARD_MAX_LENGTH"])
    if len(text) > maximum:
        raise UserInputError("text", _("The message has %(length)s characters; at most %(max)s are allowed.",
                                       length=len(text), max=maximum))
    now = clock.now()
    message.followup_text, message.followup_at = text, now
    message.round, message.status = 2, MessageStatus.open.value
    message.simple = False
    deadlines.apply_deadline(message, now)
    db.session.flush()
    record(author, "board.follow_up", message, after={"due_on": message.due_on})
    for account in _staff_of(message.unit_id):
        notify(account, _("Follow-up question on message %(number)s", number=message.tracking_number),
               _("Reply by %(due)s.", due=message.due_on.isoformat()), link=f"/staff/board/{message.id}",
               kind="board.follow_up")


# --- queries ------------------------------------------------------------------------------------------

INBOX_VIEWS = ("open", "signoff", "answered", "all")


def inbox_query(account, view: str = "open"):
    """The staff inbox: the unit's messages (every unit's for the district office), the most
    urgent first (due date, then receipt)."""
    from ..auth.access import scope_to_unit

    query = scope_to_unit(select(BoardMessage), BoardMessage.unit_id, account)
    if view == "open":
        query = query.where(BoardMessage.status.in_((MessageStatus.open.value, MessageStatus.signoff.value)))
        return query.order_by(BoardMessage.due_on, BoardMessage.received_at, BoardMessage.id)
    if view == "signoff":
        query = query.where(BoardMessage.status == MessageStatus.signoff.value)
        return query.order_by(BoardMessage.due_on, BoardMessage.received_at, BoardMessage.id)
    if view == "answered":
        query = query.where(BoardMessage.status == MessageStatus.answered.value)
        return query.order_by(BoardMessage.answered_at.desc(), BoardMessage.id.desc())
    return query.order_by(BoardMessage.received_at.desc(), BoardMessage.id.desc())


def messages_of(account):
    return (select(BoardMessage).where(BoardMessage.author_id == account.id)
            .order_by(BoardMessage.created_at.desc(), BoardMessage.id.desc()))

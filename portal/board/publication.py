"""选登: staff publish answered messages whose author allowed it, personal data hidden as for
comments (``portal.privacy``); the public board, its filters and search, FAQ promotion, and the
``published`` hook other features subscribe to (subscriptions: a reply on a followed policy)."""
from __future__ import annotations

from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import clock, privacy, search
from ..audit.services import record
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..subscriptions import events
from ..subscriptions.models import EventKind
from .models import BoardMessage, MessageKind

# Functions called with each message when it is published (e.g. the subscriptions feature's
# "a reply was published on a policy you follow"). Register with ``on_published``.
_PUBLISHED_HOOKS: list[Callable[[BoardMessage], None]] = []


def on_published(hook: Callable[[BoardMessage], None]) -> Callable[[BoardMessage], None]:
    _PUBLISHED_HOOKS.append(hook)
    return hook


def published(message: BoardMessage) -> None:
    """The event "a reply was published" (called once per publication, inside its transaction)."""
    events.emit(EventKind.board_reply_published, message)
    for hook in _PUBLISHED_HOOKS:
        hook(message)


def _set_public_replies(message: BoardMessage) -> None:
    """The published replies, personal data hidden: the latest, and once the follow-up is
    answered, the first reply and the follow-up question before it."""
    sent = message.sent_replies
    message.public_reply = privacy.scrub(sent[-1].text)[0] if sent else ""
    answered_twice = len(sent) > 1 and sent[-1].round == 2
    message.public_first_reply = privacy.scrub(sent[0].text)[0] if answered_twice else ""
    message.public_followup = privacy.scrub(message.followup_text)[0] if answered_twice else ""


def publish(actor, message: BoardMessage) -> None:
    if message.is_published:
        raise RuleViolation(_("This message is already published."))
    if not message.is_answered:
        raise RuleViolation(_("Only answered messages can be published."))
    if not message.may_publish:
        raise RuleViolation(_("The resident did not allow this message to be published."))
    public_text, findings = privacy.scrub(message.text)
    message.public_title = privacy.scrub(message.title)[0][:100]
    message.public_text, message.pii_findings = public_text, findings
    _set_public_replies(message)
    message.published_at, message.published_by_id = clock.now(), actor.id
    db.session.flush()
    record(actor, "board.publish", message, after={"pii_found": [f["kind"] for f in findings]})
    published(message)


def refresh_public_reply(message: BoardMessage) -> None:
    """A published message answered again (after a follow-up) shows the whole exchange."""
    db.session.expire(message, ["replies"])
    _set_public_replies(message)


def unpublish(actor, message: BoardMessage) -> None:
    if not message.is_published:
        raise RuleViolation(_("This message is not published."))
    message.published_at, message.published_by_id = None, None
    message.public_title = message.public_text = message.public_reply = ""
    message.public_first_reply = message.public_followup = ""
    message.faq = False
    db.session.flush()
    record(actor, "board.unpublish", message)


def redact(actor, message: BoardMessage, hide: str) -> int:
    """Hide by hand every occurrence of ``hide`` in the published question (the original stays)."""
    if not message.is_published:
        raise RuleViolation(_("Publish the message first; what is published can then be corrected."))
    if not (hide or "").strip():
        raise UserInputError("hide", _("Enter or select the text to hide."))
    added = privacy.manual(message.text, hide)
    if not added:
        raise UserInputError("hide", _("This text does not occur in the message as typed."))
    findings = [*(message.pii_findings or []), *(f.as_dict() for f in added)]
    message.pii_findings = findings
    message.public_text = privacy.redact(message.text, findings)
    db.session.flush()
    record(actor, "board.redact", message, after={"spans": [[f.start, f.end] for f in added]})
    return len(added)


def set_faq(actor, message: BoardMessage, faq: bool) -> None:
    """Promote a published message to the policy's frequently asked questions (or take it back)."""
    if faq and not message.is_published:
        raise RuleViolation(_("Only published messages can be shown as frequently asked questions."))
    message.faq = faq
    db.session.flush()
    record(actor, "board.faq", message, after={"faq": faq})


# --- the public board -------------------------------------------------------------------------------

def public_query(*, unit_id: int | None = None, kind: str | None = None, topic_id: int | None = None,
                 decision_id: int | None = None, q: str = ""):
    """Published messages, newest first, with the board's filters and search (None: a query
    with no searchable term, which finds nothing)."""
    query = select(BoardMessage).where(BoardMessage.published_at.is_not(None))
    if unit_id:
        query = query.where(BoardMessage.unit_id == unit_id)
    if kind in MessageKind.values():
        query = query.where(BoardMessage.kind == kind)
    if topic_id:
        query = query.where(BoardMessage.topic_id == topic_id)
    if decision_id:
        query = query.where(BoardMessage.decision_id == decision_id)
    q = (q or "").strip()
    if q:
        hits = search.matches("board_message", q)
        if hits is None:
            return None
        query = query.where(BoardMessage.id.in_(select(hits.c.object_id)))
    return query.order_by(BoardMessage.published_at.desc(), BoardMessage.id.desc())


def published_of_policy(decision_id: int, limit: int = 20) -> list[BoardMessage]:
    return list(db.session.scalars(public_query(decision_id=decision_id).limit(limit)))


def faq_of_policy(decision_id: int) -> list[BoardMessage]:
    return list(db.session.scalars(select(BoardMessage).where(
        BoardMessage.decision_id == decision_id, BoardMessage.faq.is_(True),
        BoardMessage.published_at.is_not(None)).order_by(BoardMessage.published_at.desc())))


def count_published_of_policy(decision_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(BoardMessage).where(
        BoardMessage.decision_id == decision_id, BoardMessage.published_at.is_not(None))) or 0


def latest_published(limit: int):
    return (select(BoardMessage).where(BoardMessage.published_at.is_not(None))
            .order_by(BoardMessage.published_at.desc(), BoardMessage.id.desc()).limit(limit))

"""Messages of the policy message board, their replies, transfers, reminders, the units'
approvers and policy evaluations. Times are naive Asia/Shanghai (``portal.clock``)."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock, search
from ..enums import LabeledEnum
from ..extensions import Model


class MessageKind(LabeledEnum):
    question = "question", _l("Question")           # 咨询
    suggestion = "suggestion", _l("Suggestion")     # 建议
    evaluation = "evaluation", _l("Evaluation")     # 评价


class MessageStatus(LabeledEnum):
    open = "open", _l("Awaiting reply")                     # 待答复
    signoff = "signoff", _l("Reply awaiting sign-off")      # 答复待审签
    answered = "answered", _l("Answered")                   # 已答复


class Rating(LabeledEnum):
    satisfied = "satisfied", _l("Satisfied")                    # 满意
    fairly = "fairly", _l("Fairly satisfied")                   # 基本满意
    dissatisfied = "dissatisfied", _l("Dissatisfied")           # 不满意


class DeadlineState(LabeledEnum):
    due = "due", _l("Due")                      # 办理中
    due_today = "due_today", _l("Due today")    # 今日到期
    overdue = "overdue", _l("Overdue")          # 已超期
    on_time = "on_time", _l("Answered on time")  # 按时答复
    late = "late", _l("Answered late")          # 超期答复


def _in(column: str, enum) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in enum.values()) + ")"


class BoardMessage(Model):
    """A resident's message (留言) and where it stands. ``text`` is as typed (staff and the author
    only); the ``public_*`` columns are filled, personal data hidden, only when it is published."""

    __tablename__ = "board_message"
    __table_args__ = (
        CheckConstraint(_in("kind", MessageKind), name="kind_known"),
        CheckConstraint(_in("status", MessageStatus), name="status_known"),
        CheckConstraint("rating IS NULL OR " + _in("rating", Rating), name="rating_known"),
        CheckConstraint("round IN (1, 2)", name="round_known"),
        # The public board: newest published first, overall and per unit / policy.
        Index("ix_board_message_published", "published_at", "id"),
        Index("ix_board_message_unit_published", "unit_id", "published_at"),
        Index("ix_board_message_decision_published", "decision_id", "published_at"),
        # The staff inbox: a unit's messages by due date.
        Index("ix_board_message_inbox", "unit_id", "status", "due_on"),
        Index("ix_board_message_author", "author_id", "created_at"),
        Index("ix_board_message_duplicate", "author_id", "text_hash", "created_at"),
        Index("ix_board_message_received", "received_at", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str | None] = mapped_column(String(24), unique=True)   # 留言编号
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))                     # who answers now
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision_item.id"))  # the policy
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"), index=True)
    may_publish: Mapped[bool] = mapped_column(default=True)                         # 同意选登
    consent_at: Mapped[datetime]
    attachment_name: Mapped[str | None] = mapped_column(String(255))       # as the resident named it
    attachment_stored: Mapped[str | None] = mapped_column(String(64))      # generated name on disk
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_size: Mapped[int | None]
    received_at: Mapped[datetime] = mapped_column(default=clock.now)  # 留言时间
    # The deadline: the day counting starts from (the receipt day, or the next working day after
    # 17:00 or on a day off), the working days allowed and the due day on the portal's calendar.
    counted_from: Mapped[date]
    working_days: Mapped[int] = mapped_column(SmallInteger)
    due_on: Mapped[date]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    simple: Mapped[bool] = mapped_column(default=False)                    # 简单问题
    status: Mapped[str] = mapped_column(String(12), default=MessageStatus.open.value)
    round: Mapped[int] = mapped_column(SmallInteger, default=1)           # 2 after the follow-up
    answered_at: Mapped[datetime | None]                                   # 答复时间 (latest reply)
    # The first reply against the first deadline: what the dashboard counts.
    first_due_on: Mapped[date]
    first_answered_at: Mapped[datetime | None]
    first_on_time: Mapped[bool | None]
    reply_working_days: Mapped[int | None] = mapped_column(SmallInteger)  # receipt to first reply
    followup_text: Mapped[str] = mapped_column(Text, default="")          # 追问
    followup_at: Mapped[datetime | None]
    rating: Mapped[str | None] = mapped_column(String(12))
    rating_reason: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None]
    rated_round: Mapped[int] = mapped_column(SmallInteger, default=0)
    # 选登: what the public sees, personal data hidden (see portal.privacy).
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    public_title: Mapped[str] = mapped_column(String(100), default="")
    public_text: Mapped[str] = mapped_column(Text, default="")
    public_reply: Mapped[str] = mapped_column(Text, default="")            # the latest reply
    # After a follow-up has been answered: the first reply and the follow-up question (追问), so
    # that the public reads the whole exchange in order, not the question and the second answer.
    public_first_reply: Mapped[str] = mapped_column(Text, default="", server_default="")
    public_followup: Mapped[str] = mapped_column(Text, default="", server_default="")
    pii_findings: Mapped[list] = mapped_column(JSON, default=list, server_default=sql_text("'[]'"))
    faq: Mapped[bool] = mapped_column(default=False)                       # 常见问题
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit", lazy="joined")
    decision = relationship("DecisionItem")
    topic = relationship("Topic")
    replies = relationship("BoardReply", back_populates="message", order_by="BoardReply.id",
                           cascade="all, delete-orphan")
    transfers = relationship("BoardTransfer", order_by="BoardTransfer.id", cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_answered(self) -> bool:
        return self.status == MessageStatus.answered.value

    @property
    def pending_reply(self) -> BoardReply | None:
        return next((r for r in self.replies if r.signed_at is None and r.returned_at is None), None)

    @property
    def sent_replies(self) -> list[BoardReply]:
        return [r for r in self.replies if r.signed_at is not None]

    @property
    def latest_reply(self) -> BoardReply | None:
        sent = self.sent_replies
        return sent[-1] if sent else None

    def subscription_event(self) -> tuple[str, int | None, int | None, str, str]:
        """What the subscriptions feature tells followers of the policy, its unit and its topics
        when the reply is published (the public title only: the resident's own words are not)."""
        return ("board_message", self.unit_id, self.decision_id, self.public_title or self.title,
                f"/board/{self.id}")

    def deadline_state(self, today: date) -> DeadlineState:
        if self.is_answered and self.answered_at is not None:
            return DeadlineState.on_time if self.answered_at.date() <= self.due_on else DeadlineState.late
        if today > self.due_on:
            return DeadlineState.overdue
        if today == self.due_on:
            return DeadlineState.due_today
        return DeadlineState.due


search.register(BoardMessage, "board_message", {"public_title": 10, "public_text": 2, "public_reply": 1,
                                                     "public_followup": 1})


class BoardReply(Model):
    """A reply drafted by staff; it is sent (and the message answered) when a second person signs
    it off, or returned to the drafter with a note."""

    __tablename__ = "board_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("board_message.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(SmallInteger, default=1)
    text: Mapped[str] = mapped_column(Text)
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    drafted_at: Mapped[datetime] = mapped_column(default=clock.now)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    return_note: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None]          # the deadline it was sent against
    on_time: Mapped[bool | None]

    message = relationship("BoardMessage", back_populates="replies")
    drafted_by = relationship("Account", foreign_keys=[drafted_by_id])
    signed_by = relationship("Account", foreign_keys=[signed_by_id])


class BoardTransfer(Model):
    """A message moved to another unit by the district office, with the reason (转办)."""

    __tablename__ = "board_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("board_message.id", ondelete="CASCADE"), index=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    transferred_at: Mapped[datetime] = mapped_column(default=clock.now)
    due_before: Mapped[date]
    due_after: Mapped[date]

    from_unit = relationship("Unit", foreign_keys=[from_unit_id], lazy="joined")
    to_unit = relationship("Unit", foreign_keys=[to_unit_id], lazy="joined")


class BoardReminder(Model):
    """A deadline reminder sent (the working day before, and on the due day); never sent twice."""

    __tablename__ = "board_reminder"
    __table_args__ = (UniqueConstraint("message_id", "due_on", "kind", name="uq_board_reminder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("board_message.id", ondelete="CASCADE"))
    due_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(10))      # "before" or "day"
    sent_at: Mapped[datetime] = mapped_column(default=clock.now)


class BoardApprover(Model):
    """The member of a unit's staff who signs off its replies (when BOARD_SIGNOFF is "approver")."""

    __tablename__ = "board_approver"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))

    account = relationship("Account", lazy="joined")


class PolicyEvaluation(Model):
    """A resident's rating (1–5) of an issued policy with an optional suggestion (政策评价与建议),
    once per resident and policy."""

    __tablename__ = "board_evaluation"
    __table_args__ = (
        UniqueConstraint("decision_id", "author_id", name="uq_board_evaluation_author"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        Index("ix_board_evaluation_unit", "unit_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_item.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(SmallInteger)
    suggestion: Mapped[str] = mapped_column(Text, default="")
    public_suggestion: Mapped[str] = mapped_column(Text, default="")   # personal data hidden
    seen_at: Mapped[datetime | None]                                   # read by the unit's staff
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    decision = relationship("DecisionItem")

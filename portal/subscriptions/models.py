"""Subscriptions (订阅): who follows what, the events the portal emits and who each event reached.

An ``Event`` row is written by the service that causes it, in the same transaction
(``events.emit(EventKind.consultation_opened, consultation)``). The fan-out job
(``flask --app portal subscriptions fanout``) matches it to subscriptions and writes one
``Delivery`` per subscriber (unique: an event reaches a subscriber once, however many of their
subscriptions match), then queues the instant emails in the outbox; the digest job mails the rest
once a day.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..enums import LabeledEnum
from ..extensions import Model


class EventKind(LabeledEnum):
    """What happened. The part before the dot is the category that "follow all ..." matches
    (``consultation``, ``open_day``, ``meeting``, ``feedback``; ``catalogue`` only by unit, topic
    or item). A new kind is one line here plus one ``emit`` call in its service."""

    catalogue_item_added = "catalogue.item_added", _l("New item in the decision catalogue")
    catalogue_item_changed = "catalogue.item_changed", _l("Decision item changed")
    consultation_opened = "consultation.opened", _l("Consultation opened")
    consultation_closing_soon = "consultation.closing_soon", _l("Consultation closing soon")
    consultation_closed = "consultation.closed", _l("Consultation closed")
    feedback_published = "feedback.published", _l("Adoption feedback published")
    feedback_corrected = "feedback.corrected", _l("Adoption feedback corrected")
    meeting_signup_opened = "meeting.signup_opened", _l("Meeting sign-up opened")
    meeting_record_published = "meeting.record_published", _l("Meeting record published")
    open_day_published = "open_day.published", _l("Open day published")
    open_day_seats_low = "open_day.seats_low", _l("Open day: few seats left")
    board_reply_published = "board.reply_published", _l("Reply published on the message board")

    @property
    def category(self) -> str:
        return self.value.split(".", 1)[0]


class Target(LabeledEnum):
    """What a subscription follows: one unit, topic or decision item (``target_id``), or every
    event of a category (``target_id`` 0)."""

    unit = "unit", _l("Unit")
    topic = "topic", _l("Topic")
    decision = "decision", _l("Decision item")
    consultation = "consultation", _l("All open consultations")
    open_day = "open_day", _l("All open days")
    meeting = "meeting", _l("All meetings with public representatives")
    feedback = "feedback", _l("All adoption feedback reports")

    @property
    def needs_id(self) -> bool:
        return self in (Target.unit, Target.topic, Target.decision)


class Frequency(LabeledEnum):
    instant = "instant", _l("At once, one email per event")
    daily = "daily", _l("A daily digest")


TARGETS = Target.values()
FREQUENCIES = Frequency.values()


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Subscriber(Model):
    """A person who follows something: an account, or an email address without an account."""

    __tablename__ = "subscriber"
    __table_args__ = (
        CheckConstraint("account_id IS NOT NULL OR email IS NOT NULL", name="has_address"),
        CheckConstraint("failures >= 0", name="failures_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # anonymous subscribers only
    name: Mapped[str] = mapped_column(String(50), default="")
    # Delivery failures in a row (counted by the outbox sender); paused at SUBSCRIPTION_PAUSE_AFTER_FAILURES.
    failures: Mapped[int] = mapped_column(default=0)
    paused_at: Mapped[datetime | None]
    last_digest_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    account = relationship("Account")
    subscriptions = relationship("Subscription", back_populates="subscriber", cascade="all, delete-orphan",
                                 order_by="Subscription.id")

    @property
    def address(self) -> str | None:
        return self.account.email if self.account is not None else self.email

    @property
    def display_name(self) -> str:
        return (self.account.name if self.account is not None else self.name) or ""


class Subscription(Model):
    __tablename__ = "subscription"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "target", "target_id", name="uq_subscription_target"),
        CheckConstraint(_in("target", TARGETS), name="target_known"),
        CheckConstraint(_in("frequency", FREQUENCIES), name="frequency_known"),
        Index("ix_subscription_match", "target", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(default=0)
    frequency: Mapped[str] = mapped_column(String(10), default=Frequency.instant.value)
    # Anonymous subscriptions count from the click on the emailed link (double opt-in).
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    subscriber = relationship("Subscriber", back_populates="subscriptions")

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Event(Model):
    """Something that happened that followers are told about; also the entries of the Atom feeds."""

    __tablename__ = "subscription_event"
    __table_args__ = (
        Index("ix_subscription_event_pending", "fanned_out_at", "id"),
        Index("ix_subscription_event_unit", "unit_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision_item.id", ondelete="SET NULL"),
                                                    index=True)
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500))  # a path inside the portal
    # Events emitted by a scheduled job carry a key, so that a second run emits nothing new.
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(default=clock.now)
    fanned_out_at: Mapped[datetime | None]

    unit = relationship("Unit")

    @property
    def kind_label(self) -> str:
        return EventKind.label_of(self.kind)


class Delivery(Model):
    """One event for one subscriber: mailed at once (``instant``) or in the next daily digest."""

    __tablename__ = "subscription_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "subscriber_id", name="uq_delivery_once"),
        Index("ix_subscription_delivery_pending", "sent_at", "subscriber_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("subscription_event.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    instant: Mapped[bool] = mapped_column(default=True)
    sent_at: Mapped[datetime | None]

    event = relationship("Event")

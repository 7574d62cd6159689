from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    and_,
    extract,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock, search
from ..enums import LabeledEnum
from ..extensions import Model, db


class ActivityKind(LabeledEnum):
    """The format a unit gives its activity (活动类型). Whether it belongs to the August open month
    is decided by its date (``OpenActivity.in_open_month``), not by this type. An online activity
    (线上开放活动, e.g. a live stream, 在线直播) takes place on a link, not at a place: no door, so no
    check-in and no ID check."""

    open_day = "open_day", _l("Open day")
    open_week = "open_week", _l("Open week")
    open_month = "open_month", _l("Open month activity")
    online = "online", _l("Online open activity")


class RegistrationStatus(LabeledEnum):
    confirmed = "confirmed", _l("Confirmed")
    waiting = "waiting", _l("On the waiting list")
    cancelled = "cancelled", _l("Cancelled")
    no_show = "no_show", _l("Did not come")


# Statuses that hold a place (a seat or a waiting-list number): one per account and slot.
ACTIVE_STATUSES = (RegistrationStatus.confirmed, RegistrationStatus.waiting)
_ACTIVE_SQL = "status IN ('confirmed', 'waiting')"

# The government open month (政府开放月) is August of each year.
OPEN_MONTH = 8


def open_month_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of the August open month of ``year``."""
    return datetime(year, OPEN_MONTH, 1), datetime(year, OPEN_MONTH + 1, 1)


class OpenActivity(Model):
    """A government open activity (政府开放活动): 开放日, 开放周 or 开放月活动 of one unit."""

    __tablename__ = "open_activity"
    __table_args__ = (
        CheckConstraint("kind IN ('open_day', 'open_week', 'open_month', 'online')", name="kind_known"),
        # An online activity takes place on its link (and only it has one); it has no door, so
        # nobody checks an ID card there.
        CheckConstraint("(kind = 'online') = (online_url IS NOT NULL)", name="online_url_iff_online"),
        CheckConstraint("kind != 'online' OR NOT id_check_required", name="online_no_id_check"),
        CheckConstraint("registration_closes_at > registration_opens_at", name="window_order"),
        CheckConstraint("cancel_cutoff_hours >= 0", name="cutoff_not_negative"),
        Index("ix_open_activity_unit", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200))
    # The live / online address (https) of an online activity, None for the others. The services
    # also store it as the activity's ``place``, so every message naming the place gives the link.
    online_url: Mapped[str | None] = mapped_column(String(500))
    accessibility: Mapped[str] = mapped_column(Text, default="")
    registration_opens_at: Mapped[datetime]
    registration_closes_at: Mapped[datetime]
    # Cancelling later than this many hours before the slot starts is recorded as late.
    cancel_cutoff_hours: Mapped[int] = mapped_column(default=24)
    id_check_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # First slot start and last slot end, kept by the services for cheap list queries.
    starts_at: Mapped[datetime | None] = mapped_column(index=True)
    ends_at: Mapped[datetime | None]
    summary_text: Mapped[str] = mapped_column(Text, default="")
    summary_published_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit", lazy="joined")
    slots: Mapped[list[OpenSlot]] = relationship(back_populates="activity", order_by="OpenSlot.starts_at",
                                                 cascade="all, delete-orphan")
    summary_items: Mapped[list[SummaryItem]] = relationship(order_by="SummaryItem.position",
                                                            cascade="all, delete-orphan")

    def registration_open(self, now: datetime) -> bool:
        return self.registration_opens_at <= now < self.registration_closes_at

    # An activity belongs to the August 政府开放月 of year Y when its first time slot starts in
    # August of Y, whatever type (开放日 / 开放周 / 开放月活动) its unit gave it: the badge, the API's
    # ``open_month`` field and the /open-month/<Y> page all use this one definition.
    @hybrid_property
    def in_open_month(self) -> bool:
        """An activity of the August 政府开放月 (its first time slot starts in August)."""
        if self.starts_at is None:
            return False
        start, end = open_month_bounds(self.starts_at.year)
        return start <= self.starts_at < end

    @in_open_month.inplace.expression
    @classmethod
    def _in_open_month_expression(cls) -> ColumnElement[bool]:
        return and_(cls.starts_at.is_not(None), extract("month", cls.starts_at) == OPEN_MONTH)

    @classmethod
    def in_open_month_of(cls, year: int) -> ColumnElement[bool]:
        """SQL: the activity belongs to the open month of ``year`` (a range on the indexed start)."""
        start, end = open_month_bounds(year)
        return and_(cls.starts_at >= start, cls.starts_at < end)

    @property
    def kind_label(self) -> str:
        return ActivityKind.label_of(self.kind)

    @property
    def is_online(self) -> bool:
        """Held on a link (``online_url``), not at a place: no check-in at a door, no ID check."""
        return self.kind == ActivityKind.online

    @property
    def summary_published(self) -> bool:
        return self.summary_published_at is not None


class OpenSlot(Model):
    """A time slot (场次) of an open activity, with its seats and waiting-list counter."""

    __tablename__ = "open_slot"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="time_order"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("confirmed_count >= 0 AND confirmed_count <= capacity", name="within_capacity"),
        CheckConstraint("next_queue_no >= 0 AND waiting_count >= 0", name="queue_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("open_activity.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    # Seats taken (confirmed and no-shows), changed only by atomic UPDATE statements.
    confirmed_count: Mapped[int] = mapped_column(default=0)
    # Last waiting-list number handed out (waiting-list order is arrival order).
    next_queue_no: Mapped[int] = mapped_column(default=0)
    # People on the waiting list now (kept by the same atomic statements, so lists need no COUNT).
    waiting_count: Mapped[int] = mapped_column(default=0)
    no_shows_recorded_at: Mapped[datetime | None]
    # When the checked-in visitors were invited to the questionnaire (once, after the slot ended).
    questionnaire_invited_at: Mapped[datetime | None]

    activity: Mapped[OpenActivity] = relationship(back_populates="slots")

    @property
    def owner_unit_id(self) -> int:
        return self.activity.unit_id

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def label(self) -> str:
        """2026-08-10 09:30–11:00"""
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"

    def has_ended(self, now: datetime) -> bool:
        return self.ends_at <= now

    def registration_open(self, now: datetime) -> bool:
        return self.activity.registration_open(now) and now < self.starts_at

    def cancel_cutoff(self) -> datetime:
        """Cancelling after this moment is still accepted but recorded as late."""
        return self.starts_at - timedelta(hours=self.activity.cancel_cutoff_hours)


class OpenRegistration(Model):
    """A registration (报名) for a slot: confirmed with a check-in code, or on the waiting list."""

    __tablename__ = "open_registration"
    __table_args__ = (
        CheckConstraint("status IN ('confirmed', 'waiting', 'cancelled', 'no_show')", name="status_known"),
        Index("uq_open_registration_active", "slot_id", "account_id", unique=True,
              sqlite_where=text(_ACTIVE_SQL), postgresql_where=text(_ACTIVE_SQL)),
        Index("ix_open_registration_queue", "slot_id", "status", "queue_no"),
        Index("ix_open_registration_account", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("open_slot.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("open_activity.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    # Personal data, purged some days after the activity (purged_at set, counts kept).
    name: Mapped[str] = mapped_column(String(50), default="")
    mobile: Mapped[str] = mapped_column(String(11), default="")
    id_last4: Mapped[str] = mapped_column(String(4), default="")
    needs: Mapped[str] = mapped_column(Text, default="")
    # Waiting-list number (arrival order), kept after promotion.
    queue_no: Mapped[int | None]
    code: Mapped[str | None] = mapped_column(String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_late: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_in_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]

    slot: Mapped[OpenSlot] = relationship()
    activity: Mapped[OpenActivity] = relationship()
    account = relationship("Account")

    # Not a column: the position on the waiting list at the moment the registration joined it, as
    # services.register learnt it (the page after the POST tells it without another count).
    joined_position = None  # type: int | None

    @property
    def owner_unit_id(self) -> int:
        return self.activity.unit_id

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def status_label(self) -> str:
        return RegistrationStatus.label_of(self.status)

    def can_cancel(self, now: datetime) -> bool:
        """The resident or the unit may cancel: the registration still holds a place, the visitor
        is not inside (the seat would be given twice) and the slot has not started."""
        return self.is_active and self.checked_in_at is None and now < self.slot.starts_at

    def cancel_is_late(self, now: datetime) -> bool:
        """A cancellation now is recorded as late: a confirmed seat given back after the cut-off
        (exactly at the cut-off is still on time). A waiting place is never late."""
        return self.status == RegistrationStatus.confirmed and now > self.slot.cancel_cutoff()

    def status_at(self, now: datetime) -> RegistrationStatus:
        """The status to show at ``now``: a confirmed visitor not checked in once the slot has
        ended did not come, even before the scheduled job records it (pages never write). An
        online activity has no check-in, so nobody is a no-show there."""
        status = RegistrationStatus(self.status)
        if (status == RegistrationStatus.confirmed and self.checked_in_at is None
                and not self.activity.is_online and self.slot.has_ended(now)):
            return RegistrationStatus.no_show
        return status

    @property
    def can_answer_questionnaire(self) -> bool:
        """Visitors who were checked in answer the questionnaire; at an online activity (no door,
        no check-in) every confirmed participant, once the session has ended."""
        if self.status != RegistrationStatus.confirmed:
            return False
        if self.activity.is_online:
            return self.slot.has_ended(clock.now())
        return self.checked_in_at is not None

    @property
    def questionnaire_refusal(self):
        return (_l("The questionnaire opens when the online session has ended.") if self.activity.is_online
                else _l("Only visitors who were checked in can answer the questionnaire."))


class QuestionnaireAnswer(Model):
    """An attendee's answer to the questionnaire after the activity (问卷)."""

    __tablename__ = "open_questionnaire_answer"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("open_registration.id", ondelete="CASCADE"),
                                                 unique=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("open_activity.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    suggestions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class SummaryItem(Model):
    """One question or suggestion collected at the activity, with the unit's response (活动总结)."""

    __tablename__ = "open_summary_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("open_activity.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    question: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(Text)

    @property
    def owner_unit_id(self) -> int:
        activity = db.session.get(OpenActivity, self.activity_id)
        assert activity is not None  # the foreign key guarantees it
        return activity.unit_id


search.register(OpenActivity, "open_activity", {"title": 10, "theme": 5, "description": 2, "place": 1})

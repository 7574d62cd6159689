"""Decision meetings with public representatives (决策会议公众代表列席): the meeting, its seats per
category and the applications (报名) of residents who want to attend."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import Model, db


class MeetingType(str, enum.Enum):
    executive = "executive"      # 区政府常务会议
    special = "special"          # 专题会议
    bureau = "bureau"            # 局长办公会议
    town = "town"                # 镇长办公会议
    other = "other"              # 其他


class SeatCategory(str, enum.Enum):
    stakeholder = "stakeholder"  # 利益相关方
    enterprise = "enterprise"    # 企业代表
    citizen = "citizen"          # 市民代表
    other = "other"              # 其他


CATEGORIES = tuple(c.value for c in SeatCategory)


class SelectionMethod(str, enum.Enum):
    review = "review"    # 工作人员审核遴选
    lottery = "lottery"  # 公开抽签


class ApplicationStatus(str, enum.Enum):
    pending = "pending"            # 已报名，待遴选
    selected = "selected"          # 入选
    alternate = "alternate"        # 候补
    not_selected = "not_selected"  # 未入选
    withdrawn = "withdrawn"        # 已撤回


class Adoption(str, enum.Enum):
    adopted = "adopted"            # 采纳
    partly = "partly"              # 部分采纳
    not_adopted = "not_adopted"    # 未采纳
    explained = "explained"        # 已作说明


ADOPTION_REASON_REQUIRED = (Adoption.partly.value, Adoption.not_adopted.value)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


meeting_decision = Table(
    "meeting_decision",
    db.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("decision_id", ForeignKey("decision_item.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Meeting(Model):
    """A decision meeting (决策会议) that public representatives (公众代表) may attend."""

    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint(_in("meeting_type", [t.value for t in MeetingType]), name="type_known"),
        CheckConstraint(_in("selection_method", [m.value for m in SelectionMethod]), name="method_known"),
        CheckConstraint("signup_opens_at < signup_closes_at", name="signup_window_order"),
        CheckConstraint("signup_closes_at <= starts_at", name="signup_before_meeting"),
        CheckConstraint("withdrawal_cutoff <= starts_at", name="cutoff_before_meeting"),
        CheckConstraint("lottery_seed IS NULL OR selection_method = 'lottery'", name="seed_only_lottery"),
        CheckConstraint("(lottery_seed IS NULL) = (seed_announced_at IS NULL)", name="seed_announced"),
        Index("ix_meeting_starts_at", "starts_at"),
        Index("ix_meeting_signup_closes_at", "signup_closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    meeting_type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    live_url: Mapped[str | None] = mapped_column(String(500))
    eligibility: Mapped[str] = mapped_column(Text, default="")
    signup_opens_at: Mapped[datetime]
    signup_closes_at: Mapped[datetime]
    selection_method: Mapped[str] = mapped_column(String(10))
    withdrawal_cutoff: Mapped[datetime]
    # Application numbers are issued from this counter with one atomic UPDATE (M<id>-0001, ...).
    applications_issued: Mapped[int] = mapped_column(default=0)
    lottery_seed: Mapped[str | None] = mapped_column(String(200))
    seed_announced_at: Mapped[datetime | None]
    # When the selection (review or lottery draw) was published and every applicant notified.
    selected_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(Text, default="")
    record_published_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    unit = relationship("Unit", lazy="joined")
    decisions = relationship("DecisionItem", secondary=meeting_decision, lazy="selectin",
                             order_by="DecisionItem.id")
    seats = relationship("MeetingSeat", back_populates="meeting", lazy="selectin",
                         cascade="all, delete-orphan", order_by="MeetingSeat.position")
    applications = relationship("MeetingApplication", back_populates="meeting",
                                order_by="MeetingApplication.number", cascade="all, delete-orphan")

    @property
    def is_lottery(self) -> bool:
        return self.selection_method == SelectionMethod.lottery.value

    def signup_open(self, now: datetime | None = None) -> bool:
        now = now or clock.now()
        return self.signup_opens_at <= now < self.signup_closes_at and self.selected_at is None

    def signup_closed(self, now: datetime | None = None) -> bool:
        return (now or clock.now()) >= self.signup_closes_at

    def has_started(self, now: datetime | None = None) -> bool:
        return (now or clock.now()) >= self.starts_at

    def seat_count(self, category: str) -> int:
        return next((s.count for s in self.seats if s.category == category), 0)

    @property
    def offered_categories(self) -> list[str]:
        return [s.category for s in self.seats if s.count > 0]

    @property
    def total_seats(self) -> int:
        return sum(s.count for s in self.seats)

    def phase(self, now: datetime | None = None) -> str:
        """upcoming → signup → selection → selected → held → recorded (for labels and filters)."""
        now = now or clock.now()
        if self.record_published_at is not None:
            return "recorded"
        if self.has_started(now):
            return "held"
        if self.selected_at is not None:
            return "selected"
        if now < self.signup_opens_at:
            return "upcoming"
        if now < self.signup_closes_at:
            return "signup"
        return "selection"

    def number_of(self, sequence: int) -> str:
        return f"M{self.id}-{sequence:04d}"


class MeetingSeat(Model):
    """The seats (名额) offered to one category of public representatives at a meeting."""

    __tablename__ = "meeting_seat"
    __table_args__ = (
        UniqueConstraint("meeting_id", "category", name="uq_meeting_seat_meeting_category"),
        CheckConstraint(_in("category", CATEGORIES), name="category_known"),
        CheckConstraint("count >= 0", name="count_not_negative"),
        CheckConstraint("taken >= 0 AND taken <= count", name="taken_within_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    count: Mapped[int] = mapped_column(default=0)
    # Seats currently held by selected representatives: changed only by atomic UPDATEs.
    taken: Mapped[int] = mapped_column(default=0)

    meeting = relationship("Meeting", back_populates="seats")


class MeetingApplication(Model):
    """An application (报名) to attend a meeting as a public representative (列席代表).

    The ID number is never stored: only its last 4 digits and a keyed hash (unique per meeting,
    so that one person cannot apply twice under two accounts)."""

    __tablename__ = "meeting_application"
    __table_args__ = (
        UniqueConstraint("meeting_id", "account_id", name="uq_meeting_application_meeting_account"),
        UniqueConstraint("meeting_id", "id_hash", name="uq_meeting_application_meeting_id_hash"),
        UniqueConstraint("meeting_id", "number", name="uq_meeting_application_meeting_number"),
        UniqueConstraint("meeting_id", "category", "alternate_position",
                         name="uq_meeting_application_alternate_position"),
        CheckConstraint(_in("category", CATEGORIES), name="category_known"),
        CheckConstraint(_in("status", [s.value for s in ApplicationStatus]), name="status_known"),
        CheckConstraint("adoption IS NULL OR " + _in("adoption", [a.value for a in Adoption]),
                        name="adoption_known"),
        CheckConstraint("status <> 'alternate' OR alternate_position IS NOT NULL",
                        name="alternate_has_position"),
        CheckConstraint("adoption IS NULL OR adoption NOT IN ('partly', 'not_adopted') "
                        "OR adoption_reason <> ''", name="adoption_reason_given"),
        Index("ix_meeting_application_account", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    # NULL once the account is deleted (the application stays, anonymised, in published records).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))
    mobile: Mapped[str | None] = mapped_column(String(11))
    id_last4: Mapped[str | None] = mapped_column(String(4))
    id_hash: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    relation: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[str] = mapped_column(Text, default="")
    interests: Mapped[str] = mapped_column(Text, default="")
    consent_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.pending.value)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    alternate_position: Mapped[int | None]
    # 1-based position in the lottery order of its category (set by the draw; NULL otherwise).
    draw_rank: Mapped[int | None]
    promoted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    # The status held when the applicant withdrew (a withdrawn representative leaves a seat).
    withdrawn_from: Mapped[str | None] = mapped_column(String(16))
    attended: Mapped[bool | None]
    opinion: Mapped[str] = mapped_column(Text, default="")
    response: Mapped[str] = mapped_column(Text, default="")
    adoption: Mapped[str | None] = mapped_column(String(16))
    adoption_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    meeting = relationship("Meeting", back_populates="applications", lazy="joined")
    account = relationship("Account")

    @property
    def owner_unit_id(self) -> int:
        return self.meeting.unit_id

    @property
    def application_number(self) -> str:
        return f"M{self.meeting_id}-{self.number:04d}"

    @property
    def masked_name(self) -> str:
        from ..textutil import mask_name

        return mask_name(self.name)

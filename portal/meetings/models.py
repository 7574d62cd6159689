"""Decision meetings with public representatives (决策会议公众代表列席): the meeting, its seats per
category, the applications (报名) of residents who want to attend, and the public record of the
lottery (the commitment made at publication, extensions of the sign-up window, the frozen input)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
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

from .. import clock, search
from ..enums import LabeledEnum
from ..extensions import Model, db


class MeetingType(LabeledEnum):
    executive = "executive", _l("District government executive meeting")   # 区政府常务会议
    special = "special", _l("Special-topic meeting")                        # 专题会议
    bureau = "bureau", _l("Bureau director's office meeting")               # 局长办公会议
    director = "director", _l("Director's office meeting")                  # 主任办公会议
    town = "town", _l("Town head's office meeting")                         # 镇长办公会议
    other = "other", _l("Other meeting")                                    # 其他


class SeatCategory(LabeledEnum):
    stakeholder = "stakeholder", _l("Stakeholders")                 # 利益相关方
    enterprise = "enterprise", _l("Enterprise representatives")     # 企业代表
    citizen = "citizen", _l("Citizen representatives")              # 市民代表
    other = "other", _l("Others")                                   # 其他


CATEGORIES = SeatCategory.values()


class SelectionMethod(LabeledEnum):
    review = "review", _l("Review by staff")      # 工作人员审核遴选
    lottery = "lottery", _l("Public lottery")     # 公开抽签


class ApplicationStatus(LabeledEnum):
    pending = "pending", _l("Awaiting selection")            # 已报名，待遴选
    selected = "selected", _l("Selected")                    # 入选
    alternate = "alternate", _l("Alternate")                 # 候补
    not_selected = "not_selected", _l("Not selected")        # 未入选
    withdrawn = "withdrawn", _l("Withdrawn")                 # 已撤回
    ineligible = "ineligible", _l("Not eligible")            # 不符合报名条件（抽签前排除）


class Adoption(LabeledEnum):
    adopted = "adopted", _l("Adopted")                  # 采纳
    partly = "partly", _l("Partly adopted")             # 部分采纳
    not_adopted = "not_adopted", _l("Not adopted")      # 未采纳
    explained = "explained", _l("Explained")            # 已作说明


ADOPTION_REASON_REQUIRED = (Adoption.partly, Adoption.not_adopted)


class MeetingPhase(LabeledEnum):
    upcoming = "upcoming", _l("Sign-up not yet open")
    signup = "signup", _l("Sign-up open")
    selection = "selection", _l("Selection under way")
    selected = "selected", _l("Representatives selected")
    held = "held", _l("Meeting held")
    recorded = "recorded", _l("Record published")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


meeting_decision = Table(
    "meeting_decision",
    db.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("decision_id", ForeignKey("decision_item.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Meeting(Model):
    """A decision meeting (决策会议) that public representatives (公众代表) may attend.

    A lottery meeting is committed when it is published: the portal draws a secret and publishes
    its SHA-256 (``lottery_commitment``) with the public future value the draw will also use
    (``public_source``, known from ``public_value_due``, after sign-up closes). From then on the
    sign-up window can only be extended, before it closes, with a public reason. At close the
    input list is frozen and its hash published; the draw reveals the secret
    (see ``portal.meetings.lottery``)."""

    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint(_in("meeting_type", MeetingType.values()), name="type_known"),
        CheckConstraint(_in("selection_method", SelectionMethod.values()), name="method_known"),
        CheckConstraint("signup_opens_at < signup_closes_at", name="signup_window_order"),
        CheckConstraint("signup_closes_at <= starts_at", name="signup_before_meeting"),
        CheckConstraint("withdrawal_cutoff <= starts_at", name="cutoff_before_meeting"),
        CheckConstraint("lottery_seed IS NULL OR selection_method = 'lottery'", name="seed_only_lottery"),
        CheckConstraint("(lottery_seed IS NULL) = (seed_announced_at IS NULL)", name="seed_announced"),
        CheckConstraint("lottery_commitment IS NULL OR selection_method = 'lottery'",
                        name="commitment_only_lottery"),
        CheckConstraint("(lottery_commitment IS NULL) = (lottery_secret IS NULL) "
                        "AND (lottery_commitment IS NULL) = (public_value_due IS NULL)",
                        name="commitment_complete"),
        # The public value becomes known only after sign-up has closed (extensions included).
        CheckConstraint("public_value_due IS NULL OR public_value_due > signup_closes_at",
                        name="public_value_after_signup"),
        CheckConstraint("(public_value IS NULL) = (public_value_at IS NULL)", name="public_value_entered"),
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
    # The seed of the draw, derived from the secret and the public value (set by the draw).
    lottery_seed: Mapped[str | None] = mapped_column(String(200))
    seed_announced_at: Mapped[datetime | None]
    # The commitment, published with the meeting: SHA-256 of a secret revealed at the draw.
    lottery_secret: Mapped[str | None] = mapped_column(String(64))
    lottery_commitment: Mapped[str | None] = mapped_column(String(64))
    committed_at: Mapped[datetime | None]
    # The named public future value the draw also uses, chosen by staff at publication.
    public_source: Mapped[str] = mapped_column(String(300), default="")
    public_value_due: Mapped[datetime | None]
    # The value itself and where it was published, typed by staff once it is known.
    public_value: Mapped[str | None] = mapped_column(String(200))
    public_value_origin: Mapped[str] = mapped_column(String(500), default="")
    public_value_at: Mapped[datetime | None]
    # The ordered input list frozen at the close of sign-up, and the SHA-256 of its text.
    input_list: Mapped[list[Any] | None] = mapped_column(JSON)
    input_hash: Mapped[str | None] = mapped_column(String(64))
    input_frozen_at: Mapped[datetime | None]
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
    extensions = relationship("MeetingExtension", back_populates="meeting", lazy="selectin",
                              cascade="all, delete-orphan", order_by="MeetingExtension.id")

    @property
    def is_lottery(self) -> bool:
        return self.selection_method == SelectionMethod.lottery

    @property
    def is_committed(self) -> bool:
        return self.lottery_commitment is not None

    @property
    def secret_revealed(self) -> str | None:
        """The secret, once the draw has taken place (never before)."""
        return self.lottery_secret if self.selected_at is not None else None

    @property
    def type_label(self) -> str:
        return MeetingType.label_of(self.meeting_type)

    @property
    def method_label(self) -> str:
        return SelectionMethod.label_of(self.selection_method)

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

    def phase(self, now: datetime | None = None) -> MeetingPhase:
        """upcoming → signup → selection → selected → held → recorded (for labels and filters)."""
        now = now or clock.now()
        if self.record_published_at is not None:
            return MeetingPhase.recorded
        if self.has_started(now):
            return MeetingPhase.held
        if self.selected_at is not None:
            return MeetingPhase.selected
        if now < self.signup_opens_at:
            return MeetingPhase.upcoming
        if now < self.signup_closes_at:
            return MeetingPhase.signup
        return MeetingPhase.selection

    def phase_label(self, now: datetime | None = None) -> str:
        return self.phase(now).label

    def number_of(self, sequence: int) -> str:
        return f"M{self.id}-{sequence:04d}"


class MeetingExtension(Model):
    """An extension of a committed lottery meeting's sign-up window, with its public reason."""

    __tablename__ = "meeting_extension"
    __table_args__ = (
        CheckConstraint("old_closes_at < new_closes_at", name="only_later"),
        CheckConstraint("reason <> ''", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    old_closes_at: Mapped[datetime]
    new_closes_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    meeting = relationship("Meeting", back_populates="extensions")


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

    @property
    def label(self) -> str:
        return SeatCategory.label_of(self.category)


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
        CheckConstraint(_in("status", ApplicationStatus.values()), name="status_known"),
        CheckConstraint("adoption IS NULL OR " + _in("adoption", Adoption.values()),
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
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.pending)
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

    @property
    def status_label(self) -> str:
        return ApplicationStatus.label_of(self.status)

    @property
    def category_label(self) -> str:
        return SeatCategory.label_of(self.category)

    @property
    def adoption_label(self) -> str:
        return Adoption.label_of(self.adoption)

    def can_withdraw(self, now: datetime | None = None) -> bool:
        """The applicant may withdraw while the application is still in play and the meeting has
        not started (a selected representative's seat goes to an alternate before the cut-off)."""
        now = now or clock.now()
        return (self.status in (ApplicationStatus.pending, ApplicationStatus.selected,
                                ApplicationStatus.alternate)
                and not self.meeting.has_started(now))

    def withdrawal_leaves_seat_empty(self, now: datetime | None = None) -> bool:
        """Withdrawing now would leave the seat empty: selected, and the cut-off has passed."""
        now = now or clock.now()
        return (self.status == ApplicationStatus.selected and self.meeting.selected_at is not None
                and now >= self.meeting.withdrawal_cutoff)


search.register(Meeting, "meeting", {"title": 10, "place": 1})

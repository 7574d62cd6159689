from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (CheckConstraint, Column, ForeignKey, Index, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db


class DecisionStatus(str, enum.Enum):
    planned = "planned"                          # 列入目录
    drafting = "drafting"                        # 起草中
    consulting = "consulting"                    # 征求意见中
    deliberating = "deliberating"                # 审议中
    decided = "decided"                          # 已出台
    feedback_published = "feedback_published"    # 已反馈
    withdrawn = "withdrawn"                      # 调出目录
    postponed = "postponed"                      # 延期


# The lifecycle: forward steps, plus the side exits withdrawn and postponed (each with a public
# reason). A postponed item resumes where it can; a withdrawn one is final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "planned": ("drafting", "consulting", "withdrawn", "postponed"),
    "drafting": ("consulting", "deliberating", "withdrawn", "postponed"),
    "consulting": ("deliberating", "withdrawn", "postponed"),
    "deliberating": ("decided", "withdrawn", "postponed"),
    "decided": ("feedback_published",),
    "feedback_published": (),
    "withdrawn": (),
    "postponed": ("planned", "drafting", "consulting", "deliberating", "withdrawn"),
}
REASON_REQUIRED = ("withdrawn", "postponed")


class DecisionKind(str, enum.Enum):
    major = "major"    # 重大行政决策事项 (in the yearly catalogue)
    other = "other"    # 其他政策文件 (not in the catalogue, may still be consulted on)


decision_topic = Table(
    "decision_topic",
    db.metadata,
    Column("decision_id", ForeignKey("decision_item.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)


class Topic(db.Model):
    """A topic (主题) from the managed list: 营商环境, 城市更新, 民生保障, ..."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30), unique=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class DecisionItem(db.Model):
    """A decision item (决策事项): a major administrative decision or another policy document."""

    __tablename__ = "decision_item"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "code", name="uq_decision_item_unit_year_code"),
        CheckConstraint("kind IN ('major', 'other')", name="kind_known"),
        CheckConstraint(
            "status IN ('planned', 'drafting', 'consulting', 'deliberating', 'decided', "
            "'feedback_published', 'withdrawn', 'postponed')", name="status_known"),
        CheckConstraint("planned_quarter IS NULL OR planned_quarter BETWEEN 1 AND 4", name="quarter_range"),
        Index("ix_decision_item_year_status", "year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int]
    code: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(10), default=DecisionKind.major.value)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    background: Mapped[str] = mapped_column(Text, default="")
    planned_quarter: Mapped[int | None]
    hearing_planned: Mapped[bool] = mapped_column(default=False)
    risk_assessment: Mapped[bool] = mapped_column(default=False)
    expert_review: Mapped[bool] = mapped_column(default=False)
    legality_review: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(24), default=DecisionStatus.planned.value, index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")  # public, for withdrawn/postponed
    # The decision result (决策结果), recorded when the decision is issued.
    decision_title: Mapped[str | None] = mapped_column(String(200))
    decision_number: Mapped[str | None] = mapped_column(String(60))  # 文号
    issue_date: Mapped[date | None] = mapped_column(index=True)      # 出台日期
    decision_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    unit = relationship("Unit", lazy="joined")
    topics = relationship("Topic", secondary=decision_topic, lazy="selectin", order_by="Topic.position")
    events = relationship("DecisionEvent", back_populates="decision", order_by="DecisionEvent.id",
                          cascade="all, delete-orphan")

    @property
    def is_major(self) -> bool:
        return self.kind == DecisionKind.major.value

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, ())


class DecisionEvent(db.Model):
    """One step of an item's public lifecycle timeline (决策过程): a status change and its reason."""

    __tablename__ = "decision_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_item.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))

    decision = relationship("DecisionItem", back_populates="events")

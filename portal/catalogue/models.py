from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    exists,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock, search
from ..enums import LabeledEnum
from ..extensions import Model, db


class DecisionStatus(LabeledEnum):
    planned = "planned", _l("Listed in the catalogue")                      # 列入目录
    drafting = "drafting", _l("Drafting")                                   # 起草中
    consulting = "consulting", _l("Open for comments")                      # 征求意见中
    deliberating = "deliberating", _l("Under deliberation")                 # 审议中
    decided = "decided", _l("Issued")                                       # 已出台
    feedback_published = "feedback_published", _l("Feedback published")    # 已反馈
    withdrawn = "withdrawn", _l("Withdrawn from the catalogue")             # 调出目录
    postponed = "postponed", _l("Postponed")                                # 延期


# The lifecycle: forward steps, plus the side exits withdrawn and postponed (each with a public
# reason). A postponed item resumes where it can; a withdrawn one is final.
_S = DecisionStatus
TRANSITIONS: dict[str, tuple[str, ...]] = {
    _S.planned: (_S.drafting, _S.consulting, _S.withdrawn, _S.postponed),
    _S.drafting: (_S.consulting, _S.deliberating, _S.withdrawn, _S.postponed),
    _S.consulting: (_S.deliberating, _S.withdrawn, _S.postponed),
    _S.deliberating: (_S.decided, _S.withdrawn, _S.postponed),
    _S.decided: (_S.feedback_published,),
    _S.feedback_published: (),
    _S.withdrawn: (),
    _S.postponed: (_S.planned, _S.drafting, _S.consulting, _S.deliberating, _S.withdrawn),
}
REASON_REQUIRED = (_S.withdrawn, _S.postponed)


class DecisionKind(LabeledEnum):
    major = "major", _l("Major administrative decision (in the catalogue)")  # 重大行政决策事项
    other = "other", _l("Other policy document")  # 其他政策文件 (not in the catalogue, may still be consulted on)


decision_topic = Table(
    "decision_topic",
    db.metadata,
    Column("decision_id", ForeignKey("decision_item.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)


class Topic(Model):
    """A topic (主题) from the managed list: 营商环境, 城市更新, 民生保障, ..."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30), unique=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class DecisionItem(Model):
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
    # Public: why the decision was issued without a public consultation (see lifecycle.check_participation).
    no_consultation_reason: Mapped[str] = mapped_column(Text, default="")
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
    documents = relationship("DecisionDocument", back_populates="decision",
                             order_by="DecisionDocument.id", cascade="all, delete-orphan")

    @property
    def is_major(self) -> bool:
        return self.kind == DecisionKind.major.value

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, ())

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS.get(self.status, ())

    @property
    def flags(self) -> dict[str, bool]:
        return {name: bool(getattr(self, name)) for name in FLAG_FIELDS}

    @property
    def result_document(self) -> "DecisionDocument | None":
        results = [d for d in self.documents if d.kind == DocumentKind.decision_result]
        return results[-1] if results else None


FLAG_FIELDS = ("hearing_planned", "risk_assessment", "expert_review", "legality_review")


def public_decisions():
    """A condition selecting the items the public may see.

    A catalogue is published as a whole: the major items of a unit's catalogue that is still
    being prepared (a YearlyCatalogue row without ``published_at``) are not public yet. Other
    policy documents, and items of published catalogues, are.
    """
    unpublished = exists(select(YearlyCatalogue.id).where(
        YearlyCatalogue.unit_id == DecisionItem.unit_id,
        YearlyCatalogue.year == DecisionItem.year,
        YearlyCatalogue.published_at.is_(None)))
    return or_(DecisionItem.kind != DecisionKind.major.value, ~unpublished)


class DecisionEvent(Model):
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


class ReviewStatus(LabeledEnum):
    """Where a unit's catalogue stands with the district office (目录报区府办审核)."""
    draft = "draft", _l("Being prepared")                          # 编制中
    submitted = "submitted", _l("Submitted to the district office")  # 已报送
    returned = "returned", _l("Returned for revision")             # 已退回
    approved = "approved", _l("Approved")                          # 已审核同意


class CatalogueStage(LabeledEnum):
    """The review status, then "published" once the approved catalogue is public."""
    draft = "draft", _l("Being prepared")
    submitted = "submitted", _l("Submitted to the district office")
    returned = "returned", _l("Returned for revision")
    approved = "approved", _l("Approved")
    published = "published", _l("Published")                        # 已公布


class YearlyCatalogue(Model):
    """A unit's yearly catalogue (年度重大行政决策事项目录): submitted to the district office, which
    approves or returns it with comments; published as a whole, after approval, on a date."""

    __tablename__ = "yearly_catalogue"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_yearly_catalogue_unit_year"),
        CheckConstraint("review_status IN ('draft', 'submitted', 'returned', 'approved')",
                        name="review_status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int]
    review_status: Mapped[str] = mapped_column(String(12), default=ReviewStatus.draft.value)
    submitted_at: Mapped[datetime | None]     # the latest submission
    returned_at: Mapped[datetime | None]      # the latest return
    approved_at: Mapped[datetime | None]
    review_comment: Mapped[str] = mapped_column(Text, default="")  # the district office's latest comments
    reviewed_by_id: Mapped[int | None]  # no foreign key: the audit log names each step's reviewer
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit", lazy="joined")
    changes = relationship("CatalogueChange", back_populates="catalogue", order_by="CatalogueChange.id",
                           cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def stage(self) -> str:
        """draft / submitted / returned / approved / published (CatalogueStage)."""
        return CatalogueStage.published.value if self.published_at is not None else self.review_status

    def can_submit(self) -> bool:
        return self.published_at is None and self.review_status in (ReviewStatus.draft, ReviewStatus.returned)

    def can_review(self) -> bool:
        return self.published_at is None and self.review_status == ReviewStatus.submitted

    def can_publish(self) -> bool:
        return self.published_at is None and self.review_status == ReviewStatus.approved

    @property
    def deadline(self) -> date:
        return catalogue_deadline(self.year)

    @property
    def on_time(self) -> bool | None:
        if self.published_at is None:
            return None
        return self.published_at.date() <= self.deadline


def catalogue_deadline(year: int) -> date:
    """The publication deadline of ``year``'s catalogues (setting CATALOGUE_DEADLINE_MONTH_DAY, "MM-DD")."""
    month, day = (int(part) for part in current_app.config["CATALOGUE_DEADLINE_MONTH_DAY"].split("-"))
    return date(year, month, day)


class ChangeKind(LabeledEnum):
    added = "added", _l("Added to the catalogue")                # 新增列入目录 after publication
    withdrawn = "withdrawn", _l("Withdrawn from the catalogue")  # 调出目录 after publication


class CatalogueChange(Model):
    """A change to a published catalogue (目录调整): an item added or withdrawn, with its reason."""

    __tablename__ = "catalogue_change"
    __table_args__ = (CheckConstraint("kind IN ('added', 'withdrawn')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("yearly_catalogue.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_item.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))

    catalogue = relationship("YearlyCatalogue", back_populates="changes")
    decision = relationship("DecisionItem", lazy="joined")


class DocumentKind(LabeledEnum):
    draft = "draft", _l("Full text of the draft")                                # 草案全文
    explanation = "explanation", _l("Drafting explanation")                      # 起草说明
    interpretation = "interpretation", _l("Interpretation of the draft")         # 草案解读
    risk_assessment = "risk_assessment", _l("Risk assessment report")            # 风险评估报告
    expert_opinion = "expert_opinion", _l("Expert review opinion")               # 专家论证意见
    legality_review = "legality_review", _l("Legality review opinion")           # 合法性审查意见
    decision_result = "decision_result", _l("Decision result")                   # 决策结果
    evaluation = "evaluation", _l("Effect evaluation")                           # 效果评估
    other = "other", _l("Other")                                                 # 其他


class DecisionDocument(Model):
    """A document of a decision item (决策文件): text, or an uploaded file stored under a
    generated name in instance/uploads."""

    __tablename__ = "decision_document"
    __table_args__ = (
        CheckConstraint("kind IN ('draft', 'explanation', 'interpretation', 'risk_assessment', "
                        "'expert_opinion', 'legality_review', 'decision_result', 'evaluation', 'other')",
                        name="kind_known"),
        CheckConstraint("body IS NOT NULL OR stored_name IS NOT NULL", name="text_or_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_item.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))

    decision = relationship("DecisionItem", back_populates="documents")

    @property
    def owner_unit_id(self) -> int:
        return self.decision.unit_id

    @property
    def is_file(self) -> bool:
        return self.stored_name is not None

    @property
    def extension(self) -> str:
        name = self.original_name or ""
        return name.rsplit(".", 1)[-1].upper() if "." in name else ""


# Titles, summaries and backgrounds are searchable in Chinese (1-, 2- and longer-character words)
# and Latin script; the index follows every flush (see portal.search).
search.register(DecisionItem, "decision", {"title": 10, "summary": 3, "background": 1})

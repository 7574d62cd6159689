"""Adoption feedback (意见采纳情况反馈): themes grouping comments and offline opinions, their
dispositions, and the report published within the due working days of the decision's issue date.

A published report never recounts comments: each publication (and each later correction) is a
``ReportVersion`` holding its statistics and themes as JSON, plus, when staff choose to show the
individual comments, one ``ReportEntry`` row per comment.
"""
from __future__ import annotations

from datetime import date, datetime

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


class Disposition(LabeledEnum):
    adopted = "adopted", _l("Adopted")                                              # 采纳
    partly = "partly", _l("Partly adopted")                                         # 部分采纳
    not_adopted = "not_adopted", _l("Not adopted")                                  # 未采纳
    already_covered = "already_covered", _l("Already provided for or not applicable")  # 已有规定或不适用


class DeadlineState(LabeledEnum):
    """Where an issued item's report stands against its due date (computed, never stored)."""

    on_time = "on_time", _l("Published on time")
    late = "late", _l("Published late")
    due = "due", _l("Due")
    overdue = "overdue", _l("Overdue")


DISPOSITIONS = Disposition.values()
# A reason is required for these (service and form); a concentrated theme also needs a disposition.
REASON_REQUIRED = (Disposition.partly.value, Disposition.not_adopted.value)
# Only a theme that changed the draft points to the sections it changed.
CHANGES_SECTIONS = (Disposition.adopted.value, Disposition.partly.value)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


theme_section = Table(
    "feedback_theme_section",
    db.metadata,
    Column("theme_id", ForeignKey("feedback_theme.id", ondelete="CASCADE"), primary_key=True),
    Column("section_id", ForeignKey("consultation_section.id", ondelete="CASCADE"), primary_key=True),
)


class Theme(Model):
    """A theme (意见归类): comments and offline opinions that say the same thing, with the unit's
    disposition (处理意见). Concentrated (较为集中) when marked so or when it holds at least
    CONCENTRATED_THEME_MIN_ITEMS items: computed from the assignments, never stored."""

    __tablename__ = "feedback_theme"
    __table_args__ = (
        CheckConstraint("disposition IS NULL OR " + _in("disposition", DISPOSITIONS), name="disposition_known"),
        CheckConstraint("disposition IS NULL OR disposition NOT IN ('partly', 'not_adopted') "
                        "OR length(reason) > 0", name="reason_when_required"),
        Index("ix_feedback_theme_consultation", "consultation_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    marked_concentrated: Mapped[bool] = mapped_column(default=False)
    disposition: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    consultation = relationship("Consultation", lazy="joined")
    sections = relationship("ConsultationSection", secondary=theme_section, lazy="selectin",
                            order_by="ConsultationSection.position")

    @property
    def unit_id(self) -> int:
        return self.consultation.unit_id

    @property
    def anchor(self) -> str:
        return f"theme-{self.id}"

    def is_concentrated(self, item_count: int, min_items: int) -> bool:
        return self.marked_concentrated or item_count >= min_items

    @property
    def needs_reason(self) -> bool:
        return self.disposition in REASON_REQUIRED


class ThemeAssignment(Model):
    """One comment or one offline opinion in a theme; each belongs to at most one theme."""

    __tablename__ = "feedback_theme_item"
    __table_args__ = (
        UniqueConstraint("comment_id", name="uq_feedback_theme_item_comment"),
        UniqueConstraint("offline_item_id", name="uq_feedback_theme_item_offline"),
        CheckConstraint("(comment_id IS NULL) <> (offline_item_id IS NULL)", name="one_kind"),
        Index("ix_feedback_theme_item_theme", "theme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("feedback_theme.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_comment.id", ondelete="CASCADE"))
    offline_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_offline_item.id", ondelete="CASCADE"))


class AdoptionReport(Model):
    """The adoption feedback report (意见采纳情况反馈) of one decision item. ``due_on`` and
    ``due_provisional`` are frozen at the first publication, with ``published_at``, so that the
    on-time flag never changes afterwards."""

    __tablename__ = "feedback_report"
    __table_args__ = (UniqueConstraint("decision_id", name="uq_feedback_report_decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_item.id", ondelete="CASCADE"))
    summary: Mapped[str] = mapped_column(Text, default="")
    # Staff choose whether the report lists individual comments (序号 | 反馈人 | 意见内容 | ...).
    show_comments: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    due_on: Mapped[date | None]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=0)  # number of the current published version
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    decision = relationship("DecisionItem", lazy="joined")

    @property
    def unit_id(self) -> int:
        return self.decision.unit_id

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def on_time(self) -> bool | None:
        if self.published_at is None or self.due_on is None:
            return None
        return self.published_at.date() <= self.due_on


class ReportVersion(Model):
    """One published version of a report (版本): the first publication, or a correction (更正) with
    its public reason. The statistics and themes are frozen here."""

    __tablename__ = "feedback_report_version"
    __table_args__ = (UniqueConstraint("report_id", "number", name="uq_feedback_report_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("feedback_report.id", ondelete="CASCADE"))
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=clock.now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    show_comments: Mapped[bool] = mapped_column(default=False)
    statistics: Mapped[dict] = mapped_column(JSON)
    themes: Mapped[list] = mapped_column(JSON)


class ReportEntry(Model):
    """An individual comment as shown in a published version: its number and the disposition it
    had. The masked name and text are read from the comment itself, so that erasing an account
    (which turns its comments' name into 匿名) also reaches published reports."""

    __tablename__ = "feedback_report_entry"
    __table_args__ = (Index("ix_feedback_report_entry_version", "version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("feedback_report_version.id", ondelete="CASCADE"))
    position: Mapped[int]
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_comment.id", ondelete="SET NULL"))
    theme_id: Mapped[int | None]
    disposition: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")

    comment = relationship("Comment", lazy="joined")


class CalendarWarning(Model):
    """A year for which admins were told that due dates are provisional (no calendar loaded)."""

    __tablename__ = "feedback_calendar_warning"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    warned_at: Mapped[datetime] = mapped_column(default=clock.now)


class DeadlineReminder(Model):
    """A deadline reminder sent to a unit's staff (so that none is sent twice)."""

    __tablename__ = "feedback_reminder"
    __table_args__ = (UniqueConstraint("decision_id", "days_before", name="uq_feedback_reminder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_item.id", ondelete="CASCADE"))
    days_before: Mapped[int]
    due_on: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=clock.now)


search.register(AdoptionReport, "feedback_report", {"summary": 2})

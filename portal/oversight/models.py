"""What oversight keeps: the last state of each unit's target its staff and the admins were told
about (so that each turn to "at risk" or "missed" is told once), the months whose reminder went out,
and the published versions of each year's assessment (年度考核结果), frozen at publication."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..catalogue.models import DecisionItem
from ..extensions import Model
from ..feedback.models import AdoptionReport


class TargetNotice(Model):
    """The state of one unit's target for one year as last notified (or first seen)."""

    __tablename__ = "oversight_notice"
    __table_args__ = (UniqueConstraint("unit_id", "year", "target", name="uq_oversight_notice_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    year: Mapped[int]
    target: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)


class MonthlyReminder(Model):
    """A month whose reminder was sent (``YYYY-MM``): the key makes it once, whichever node runs."""

    __tablename__ = "oversight_monthly_reminder"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=clock.now)


class Assessment(Model):
    """One published version of a year's assessment. ``figures`` is the snapshot taken at
    publication (per unit, each target's state, figures and evidence links); it never changes, a
    re-publication is a new version."""

    __tablename__ = "oversight_assessment"
    __table_args__ = (UniqueConstraint("year", "version", name="uq_oversight_assessment_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    version: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=clock.now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)

    published_by = relationship("Account")


# Indexes for the dashboard's counts, declared here beside their only reader (the feedback
# deadline counts, portal/feedback/deadlines.py ``deadline_counts``): the year's issued decisions
# per unit and issue date read from the index alone, the published reports' outcome likewise, and
# the catalogue's item counts per unit. They keep the dashboard flat as the decisions grow.
Index("ix_decision_item_issued", DecisionItem.status, DecisionItem.issue_date, DecisionItem.unit_id)
Index("ix_decision_item_year_kind_unit", DecisionItem.year, DecisionItem.kind, DecisionItem.unit_id)
Index("ix_feedback_report_deadline", AdoptionReport.decision_id, AdoptionReport.published_at,
      AdoptionReport.due_on, AdoptionReport.due_provisional)

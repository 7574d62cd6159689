from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import Model


class DayKind(str, enum.Enum):
    holiday = "holiday"  # statutory holiday (法定节假日), off even on a weekday
    workday = "workday"  # make-up working day (调休上班), worked even on a weekend


class CalendarYear(Model):
    """A year whose schedule of holidays and make-up days is loaded (已载入年度)."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(60))  # "chinese-calendar 1.11.0", "admin"
    loaded_at: Mapped[datetime] = mapped_column(default=clock.now)
    note: Mapped[str] = mapped_column(String(200), default="")


class CalendarDay(Model):
    """An exception to the weekend rule: a holiday on a weekday, or a worked weekend day."""

    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind_known"),)

    day: Mapped[date] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_year.year", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60), default="")

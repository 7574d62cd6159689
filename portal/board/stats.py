"""Figures of the message board per unit for the compliance dashboard and the yearly report:
messages received in the year, reply rate, on-time rate (first replies by their due date against
all first replies and the unanswered ones past due) and the median working days to the first
reply. Counted in SQL (a histogram of working days per unit for the median), never row by row."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable

from sqlalchemy import and_, case, func, select

from .. import clock
from ..extensions import db
from .models import BoardMessage


@dataclass
class BoardFigures:
    received: int = 0
    answered: int = 0
    on_time: int = 0
    overdue: int = 0
    histogram: dict[int, int] = field(default_factory=dict)   # working days to reply → messages

    @property
    def reply_rate(self) -> float | None:
        return self.answered / self.received if self.received else None

    @property
    def on_time_rate(self) -> float | None:
        counted = self.answered + self.overdue
        return self.on_time / counted if counted else None

    @property
    def median_days(self) -> float | None:
        total = sum(self.histogram.values())
        if not total:
            return None
        ordered = sorted(self.histogram.items())

        def nth(k: int) -> int:
            seen = 0
            for days, count in ordered:
                seen += count
                if k < seen:
                    return days
            return ordered[-1][0]
        if total % 2:
            return float(nth(total // 2))
        return (nth(total // 2 - 1) + nth(total // 2)) / 2


def unit_figures(year: int, unit_ids: Iterable[int] | None = None, today: date | None = None
                 ) -> dict[int, BoardFigures]:
    """{unit id: figures} of the messages received in ``year`` (by the unit answering them now)."""
    today = today or clock.today()
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    conditions = [BoardMessage.received_at >= start, BoardMessage.received_at < end]
    if unit_ids is not None:
        conditions.append(BoardMessage.unit_id.in_(list(unit_ids)))
    answered = BoardMessage.first_answered_at.is_not(None)
    rows = db.session.execute(select(
        BoardMessage.unit_id, func.count(),
        func.sum(case((answered, 1), else_=0)),
        func.sum(case((and_(answered, BoardMessage.first_on_time.is_(True)), 1), else_=0)),
        func.sum(case((and_(~answered, BoardMessage.first_due_on < today), 1), else_=0)),
    ).where(*conditions).group_by(BoardMessage.unit_id)).all()
    figures = {unit_id: BoardFigures(int(n), int(a or 0), int(o or 0), int(late or 0))
               for unit_id, n, a, o, late in rows}
    for unit_id, days, count in db.session.execute(select(
            BoardMessage.unit_id, BoardMessage.reply_working_days, func.count())
            .where(*conditions, BoardMessage.reply_working_days.is_not(None))
            .group_by(BoardMessage.unit_id, BoardMessage.reply_working_days)):
        figures.setdefault(unit_id, BoardFigures()).histogram[int(days or 0)] = int(count)
    return figures


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"

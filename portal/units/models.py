from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, String, case, select
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import Model


class UnitKind(str, enum.Enum):
    district_government = "district_government"
    bureau = "bureau"
    town = "town"


class Unit(Model):
    """A unit (单位): 区政府, a 委办局, or a 街镇."""

    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint("kind IN ('district_government', 'bureau', 'town')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(30))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    @property
    def is_district_government(self) -> bool:
        return self.kind == UnitKind.district_government.value

    def __repr__(self) -> str:
        return f"<Unit {self.slug}>"


# District government first, then bureaus, then towns and street offices; in creation order.
KIND_ORDER = case({"district_government": 0, "bureau": 1, "town": 2}, value=Unit.kind, else_=3)


def units_in_order():
    """A select() of all units in the order the district lists them."""
    return select(Unit).order_by(KIND_ORDER, Unit.id)

"""Creating and editing units; every change audited."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record, snapshot
from ..errors import UserInputError
from ..extensions import db
from .models import Unit

FIELDS = ("name", "short_name", "slug", "kind", "address", "phone", "email")


def _check_unique(unit: Unit | None, data: dict) -> None:
    for field, message in (("name", _("A unit with this name already exists.")),
                           ("slug", _("This address name is already used by another unit."))):
        other = db.session.scalar(select(Unit).where(getattr(Unit, field) == data[field]))
        if other is not None and other is not unit:
            raise UserInputError(field, message)


def create_unit(actor, data: dict) -> Unit:
    data = {k: (data.get(k) or "").strip() for k in FIELDS}
    _check_unique(None, data)
    unit = Unit(**data)
    db.session.add(unit)
    db.session.flush()
    record(actor, "unit.create", unit, after=snapshot(unit, FIELDS), unit_id=unit.id)
    return unit


def update_unit(actor, unit: Unit, data: dict) -> Unit:
    data = {k: (data.get(k) or "").strip() for k in FIELDS}
    _check_unique(unit, data)
    before = snapshot(unit, FIELDS)
    for key, value in data.items():
        setattr(unit, key, value)
    db.session.flush()
    after = snapshot(unit, FIELDS)
    if before != after:
        record(actor, "unit.update", unit, before=before, after=after, unit_id=unit.id)
    return unit

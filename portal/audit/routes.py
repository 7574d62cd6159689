from datetime import datetime, time

from flask import render_template, request
from sqlalchemy import select

from ..auth.access import admin_required
from ..extensions import db
from ..requestargs import int_arg
from ..units.models import units_in_order
from . import bp
from .models import AuditEntry


@bp.route("")
@admin_required
def index():
    args = request.args
    query = select(AuditEntry)
    if args.get("object_type"):
        query = query.where(AuditEntry.object_type == args["object_type"])
    if (value := int_arg("object_id")) is not None:
        query = query.where(AuditEntry.object_id == value)
    if args.get("action"):
        query = query.where(AuditEntry.action.startswith(args["action"]))
    if (value := int_arg("actor_id")) is not None:
        query = query.where(AuditEntry.actor_id == value)
    if (value := int_arg("unit_id")) is not None:
        query = query.where(AuditEntry.unit_id == value)
    for name, op in (("since", "ge"), ("until", "le")):
        value = args.get(name)
        if value:
            try:
                day = datetime.fromisoformat(value).date()
            except ValueError:
                continue
            bound = datetime.combine(day, time.min if op == "ge" else time.max)
            query = query.where(AuditEntry.at >= bound if op == "ge" else AuditEntry.at <= bound)
    query = query.order_by(AuditEntry.id.desc())
    page = db.paginate(query, page=args.get("page", 1, type=int), per_page=50, error_out=False)
    object_types = db.session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).all()
    units = db.session.scalars(units_in_order()).all()
    return render_template("audit/index.html", page=page, object_types=object_types, units=units)

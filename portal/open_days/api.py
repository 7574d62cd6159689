"""/api/v1/open-days: activities with their slots' capacity and counts; never personal data."""
from __future__ import annotations

from datetime import datetime

from flask import abort, jsonify, request

from ..api.spec import api_get, int_arg, iso, list_params, page_of, param, register_schema
from ..units.models import Unit
from .models import ActivityKind, OpenActivity
from .queries import public_activities, public_activity

register_schema("OpenActivity", {
    "type": "object",
    "required": ["id", "title", "unit", "type", "slots"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "theme": {"type": "string"},
        "unit": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                  "slug": {"type": "string"}}},
        "type": {"type": "string", "enum": list(ActivityKind.values())},
        "open_month": {"type": "boolean", "description": "An activity of the August 政府开放月: its first "
                                                         "time slot starts in August."},
        "description": {"type": "string"},
        "place": {"type": "string", "description": "Where it takes place (an online activity: its online address)."},
        "online_url": {"type": "string", "nullable": True,
                       "description": "The https address of an online activity (type 'online'), else null."},
        "accessibility": {"type": "string"},
        "id_check_required": {"type": "boolean"},
        "registration_opens_at": {"type": "string", "format": "date-time"},
        "registration_closes_at": {"type": "string", "format": "date-time"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "summary": {"type": "string", "nullable": True},
        "summary_published_at": {"type": "string", "format": "date-time", "nullable": True},
        "url": {"type": "string"},
        "slots": {"type": "array", "items": {"type": "object", "required": [
            "id", "starts_at", "ends_at", "capacity", "confirmed", "waiting"], "properties": {
            "id": {"type": "integer"},
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"},
            "capacity": {"type": "integer"},
            "confirmed": {"type": "integer", "description": "Seats taken."},
            "waiting": {"type": "integer", "description": "People on the waiting list."},
        }}},
    },
})


def serialize_activity(activity: OpenActivity) -> dict:
    return {
        "id": activity.id,
        "title": activity.title,
        "theme": activity.theme,
        "unit": {"id": activity.unit.id, "name": activity.unit.name, "slug": activity.unit.slug},
        "type": activity.kind,
        "open_month": activity.in_open_month,
        "description": activity.description,
        "place": activity.place,
        "online_url": activity.online_url,
        "accessibility": activity.accessibility,
        "id_check_required": activity.id_check_required,
        "registration_opens_at": iso(activity.registration_opens_at),
        "registration_closes_at": iso(activity.registration_closes_at),
        "starts_at": iso(activity.starts_at),
        "ends_at": iso(activity.ends_at),
        "summary": activity.summary_text if activity.summary_published else None,
        "summary_published_at": iso(activity.summary_published_at),
        "url": f"/open-days/{activity.id}",
        "slots": [{"id": s.id, "starts_at": iso(s.starts_at), "ends_at": iso(s.ends_at), "capacity": s.capacity,
                   "confirmed": s.confirmed_count, "waiting": s.waiting_count} for s in activity.slots],
    }


@api_get("/open-days", summary="Government open activities (open days, weeks, August open month)",
         tag="open days", list_of="OpenActivity", params=list_params(
             param("unit", description="Unit slug."),
             param("year", kind="integer", description="Activities starting in this year.", minimum=2000,
                   maximum=2100),
             param("month", kind="integer", description="With year: activities starting in this month "
                                                        "(8 for the August open month).", minimum=1, maximum=12)))
def open_days():
    query = public_activities()
    if request.args.get("unit"):
        query = query.join(Unit, Unit.id == OpenActivity.unit_id).where(Unit.slug == request.args["unit"])
    year = int_arg("year", None, minimum=2000, maximum=2100)
    month = int_arg("month", None, minimum=1, maximum=12)
    if month is not None and year is None:
        abort(400, description="'month' needs 'year'")
    if year is not None:
        start = datetime(year, month or 1, 1)
        end = datetime(year + (month or 12) // 12, (month or 12) % 12 + 1, 1)
        query = query.where(OpenActivity.starts_at >= start, OpenActivity.starts_at < end)
    return page_of(query.order_by(OpenActivity.starts_at.desc(), OpenActivity.id.desc()), serialize_activity)


@api_get("/open-days/<int:activity_id>", summary="One open activity with its slots' capacity and counts",
         tag="open days", schema="OpenActivity",
         params=[param("activity_id", kind="integer", where="path", description="Activity id.")])
def open_day(activity_id: int):
    activity = public_activity(activity_id)
    if activity is None:
        abort(404, description="No such open activity")
    return jsonify(serialize_activity(activity))

"""/api/v1/meetings: meetings, seats, the lottery (seed, input list, result) and the published
record. No personal data beyond masked names."""
from __future__ import annotations

from flask import abort, jsonify, request
from sqlalchemy import select

from .. import clock
from ..api.spec import api_get, iso, list_params, page_of, param, register_schema
from ..extensions import db
from . import services as svc
from .models import CATEGORIES, ApplicationStatus, Meeting, MeetingType, SelectionMethod

_entry = {"type": "object", "required": ["number", "name"],
          "properties": {"number": {"type": "string"}, "name": {"type": "string"}}}

register_schema("Meeting", {
    "type": "object",
    "required": ["id", "title", "unit", "type", "starts_at", "place", "signup_opens_at",
                 "signup_closes_at", "selection_method", "withdrawal_cutoff", "phase", "seats",
                 "decision_ids"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "unit": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                  "slug": {"type": "string"}}},
        "type": {"type": "string", "enum": [t.value for t in MeetingType]},
        "starts_at": {"type": "string", "format": "date-time"},
        "place": {"type": "string"},
        "live_url": {"type": "string", "nullable": True},
        "eligibility": {"type": "string"},
        "signup_opens_at": {"type": "string", "format": "date-time"},
        "signup_closes_at": {"type": "string", "format": "date-time"},
        "selection_method": {"type": "string", "enum": [m.value for m in SelectionMethod]},
        "withdrawal_cutoff": {"type": "string", "format": "date-time"},
        "phase": {"type": "string", "enum": list(svc.PHASE_LABELS)},
        "seats": {"type": "array", "items": {"type": "object", "properties": {
            "category": {"type": "string", "enum": list(CATEGORIES)}, "count": {"type": "integer"},
            "taken": {"type": "integer"}}}},
        "decision_ids": {"type": "array", "items": {"type": "integer"}},
        "selected_at": {"type": "string", "format": "date-time", "nullable": True},
        "record_published_at": {"type": "string", "format": "date-time", "nullable": True},
    },
})
register_schema("MeetingDetail", {
    "allOf": [{"$ref": "#/components/schemas/Meeting"}, {"type": "object", "properties": {
        "lottery": {"type": "object", "nullable": True,
                    "description": "Seed, input list and result of the public lottery; re-run it with "
                                   "sorted(numbers, key=lambda n: (sha256(f'{seed}:{n}').hexdigest(), n)).",
                    "properties": {
                        "algorithm": {"type": "string"},
                        "seed": {"type": "string", "nullable": True},
                        "seed_announced_at": {"type": "string", "format": "date-time", "nullable": True},
                        "drawn_at": {"type": "string", "format": "date-time", "nullable": True},
                        "categories": {"type": "array", "items": {"type": "object", "properties": {
                            "category": {"type": "string"}, "seats": {"type": "integer"},
                            "input": {"type": "array", "items": _entry},
                            "selected": {"type": "array", "items": {"type": "string"}},
                            "alternates": {"type": "array", "items": {"type": "string"}}}}},
                    }},
        "representatives": {"type": "array", "items": {"type": "object", "properties": {
            "number": {"type": "string"}, "name": {"type": "string"}, "category": {"type": "string"},
            "promoted": {"type": "boolean"}}}},
        "alternates": {"type": "array", "items": {"type": "object", "properties": {
            "number": {"type": "string"}, "name": {"type": "string"}, "category": {"type": "string"},
            "position": {"type": "integer"}}}},
        "record": {"type": "object", "nullable": True, "properties": {
            "outcome": {"type": "string"},
            "published_at": {"type": "string", "format": "date-time"},
            "representatives": {"type": "array", "items": {"type": "object", "properties": {
                "number": {"type": "string"}, "name": {"type": "string"}, "category": {"type": "string"},
                "attended": {"type": "boolean"}, "opinion": {"type": "string"},
                "response": {"type": "string"},
                "adoption": {"type": "string", "nullable": True,
                             "enum": ["adopted", "partly", "not_adopted", "explained", None]},
                "adoption_reason": {"type": "string"}}}},
        }},
    }}],
})


def serialize_meeting(meeting: Meeting) -> dict:
    return {
        "id": meeting.id,
        "title": meeting.title,
        "unit": {"id": meeting.unit.id, "name": meeting.unit.name, "slug": meeting.unit.slug},
        "type": meeting.meeting_type,
        "starts_at": iso(meeting.starts_at),
        "place": meeting.place,
        "live_url": meeting.live_url,
        "eligibility": meeting.eligibility,
        "signup_opens_at": iso(meeting.signup_opens_at),
        "signup_closes_at": iso(meeting.signup_closes_at),
        "selection_method": meeting.selection_method,
        "withdrawal_cutoff": iso(meeting.withdrawal_cutoff),
        "phase": meeting.phase(clock.now()),
        "seats": [{"category": s.category, "count": s.count, "taken": s.taken} for s in meeting.seats],
        "decision_ids": [d.id for d in meeting.decisions],
        "selected_at": iso(meeting.selected_at),
        "record_published_at": iso(meeting.record_published_at),
    }


def _entry_of(application) -> dict:
    return {"number": application.application_number, "name": application.masked_name}


def serialize_meeting_detail(meeting: Meeting) -> dict:
    data = serialize_meeting(meeting)
    applications = svc.applications_of(meeting)
    views = svc.selection_view(meeting, applications)
    data["lottery"] = None
    if meeting.is_lottery:
        data["lottery"] = {
            "algorithm": "per category: sort the input numbers by (SHA-256(seed + ':' + number) as "
                         "lower-case hex, number); the first <seats> are selected, the rest are "
                         "alternates in that order",
            "seed": meeting.lottery_seed,
            "seed_announced_at": iso(meeting.seed_announced_at),
            "drawn_at": iso(meeting.selected_at),
            "categories": [{
                "category": v.category, "seats": v.seats,
                "input": [_entry_of(a) for a in v.lottery_input],
                "selected": [a.application_number for a in v.drawn_selected],
                "alternates": [a.application_number for a in v.drawn_alternates],
            } for v in views] if meeting.selected_at else [],
        }
    published = meeting.selected_at is not None
    data["representatives"] = [dict(_entry_of(a), category=a.category, promoted=a.promoted_at is not None)
                               for a in applications
                               if published and a.status == ApplicationStatus.selected.value]
    data["alternates"] = [dict(_entry_of(a), category=a.category, position=a.alternate_position)
                          for v in views for a in v.alternates if published]
    data["record"] = None
    if meeting.record_published_at is not None:
        data["record"] = {
            "outcome": meeting.outcome,
            "published_at": iso(meeting.record_published_at),
            "representatives": [dict(_entry_of(a), category=a.category, attended=bool(a.attended),
                                     opinion=a.opinion, response=a.response, adoption=a.adoption,
                                     adoption_reason=a.adoption_reason)
                                for a in applications if a.status == ApplicationStatus.selected.value],
        }
    return data


@api_get("/meetings", summary="Decision meetings with public representatives", tag="meetings",
         params=list_params(
             param("unit", description="Unit slug."),
             param("show", description="upcoming (default: all), or past.", enum=["upcoming", "past"])),
         list_of="Meeting")
def meetings():
    show = request.args.get("show")
    if show not in (None, "", "upcoming", "past"):
        abort(400, description="'show' must be 'upcoming' or 'past'")
    query = svc.public_meetings(show) if show else select(Meeting).order_by(Meeting.starts_at.desc(),
                                                                              Meeting.id.desc())
    if request.args.get("unit"):
        from ..units.models import Unit

        query = query.join(Unit, Unit.id == Meeting.unit_id).where(Unit.slug == request.args["unit"])
    return page_of(query, serialize_meeting)


@api_get("/meetings/<int:meeting_id>", summary="A meeting: seats, lottery seed, input list and result, "
         "representatives (masked names) and the published record", tag="meetings",
         params=[param("meeting_id", kind="integer", where="path")], schema="MeetingDetail")
def meeting(meeting_id: int):
    item = db.session.get(Meeting, meeting_id)
    if item is None:
        abort(404, description="No such meeting")
    return jsonify(serialize_meeting_detail(item))

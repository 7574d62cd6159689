"""/api/v1/meetings: meetings, seats, the lottery (commitment, public value, frozen input list and
its hash, exclusions, late withdrawals, secret and result) and the published record. No personal
data beyond masked names. Everything needed to check a draw is here (``portal.meetings.lottery``)."""
from __future__ import annotations

from flask import abort, jsonify, request
from sqlalchemy import select

from .. import clock
from ..api.spec import api_get, iso, list_params, page_of, param, register_schema
from ..extensions import db
from . import services as svc
from .models import (
    CATEGORIES,
    Adoption,
    ApplicationStatus,
    Meeting,
    MeetingPhase,
    MeetingType,
    SelectionMethod,
)
from .selection import applications_of, lottery_record, selection_view

_entry = {"type": "object", "required": ["number", "name"],
          "properties": {"number": {"type": "string"}, "name": {"type": "string"},
                         "category": {"type": "string"}}}
_string = {"type": "string", "nullable": True}
_time = {"type": "string", "format": "date-time", "nullable": True}

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
        "type": {"type": "string", "enum": list(MeetingType.values())},
        "starts_at": {"type": "string", "format": "date-time"},
        "place": {"type": "string"},
        "live_url": {"type": "string", "nullable": True},
        "eligibility": {"type": "string"},
        "signup_opens_at": {"type": "string", "format": "date-time"},
        "signup_closes_at": {"type": "string", "format": "date-time"},
        "selection_method": {"type": "string", "enum": list(SelectionMethod.values())},
        "withdrawal_cutoff": {"type": "string", "format": "date-time"},
        "phase": {"type": "string", "enum": list(MeetingPhase.values())},
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
                    "description": "Everything needed to check the public lottery: commitment = "
                                   "sha256(secret); input_hash = sha256 of the input lines "
                                   "'number|category|name' joined by newlines; seed = "
                                   "sha256(secret + '|' + digits of public_value, in order); per category, the input "
                                   "numbers sorted by (sha256(seed + ':' + number), number), "
                                   "withdrawals before the draw skipped.",
                    "properties": {
                        "algorithm": {"type": "string"},
                        "commitment": _string, "committed_at": _time,
                        "public_source": {"type": "string"}, "public_value_due": _time,
                        "public_value": _string, "public_value_origin": {"type": "string"},
                        "public_value_at": _time,
                        "secret": _string, "seed": _string,
                        "signup_extensions": {"type": "array", "items": {"type": "object", "properties": {
                            "from": {"type": "string", "format": "date-time"},
                            "to": {"type": "string", "format": "date-time"},
                            "reason": {"type": "string"},
                            "at": {"type": "string", "format": "date-time"}}}},
                        "excluded": {"type": "array", "items": {"type": "object", "properties": {
                            "number": {"type": "string"}, "name": {"type": "string"},
                            "category": {"type": "string"}, "reason": {"type": "string"}}}},
                        "input_frozen_at": _time, "input_hash": _string,
                        "input": {"type": "array", "nullable": True, "items": _entry},
                        "withdrawn_after_freeze": {"type": "array", "items": {
                            "type": "object", "properties": {
                                "number": {"type": "string"}, "category": {"type": "string"},
                                "withdrawn_at": {"type": "string", "format": "date-time"},
                                "before_draw": {"type": "boolean"}}}},
                        "drawn_at": _time,
                        "categories": {"type": "array", "items": {"type": "object", "properties": {
                            "category": {"type": "string"}, "seats": {"type": "integer"},
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
                             "enum": [*Adoption.values(), None]},
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
        "phase": meeting.phase(clock.now()).value,
        "seats": [{"category": s.category, "count": s.count, "taken": s.taken} for s in meeting.seats],
        "decision_ids": [d.id for d in meeting.decisions],
        "selected_at": iso(meeting.selected_at),
        "record_published_at": iso(meeting.record_published_at),
    }


def _entry_of(application) -> dict:
    return {"number": application.application_number, "name": application.masked_name}


ALGORITHM = ("commitment = sha256(secret); input_hash = sha256('\\n'.join(number|category|name)); "
             "seed = sha256(secret + '|' + the digits of public_value in order); per category: sort the input numbers by "
             "(sha256(seed + ':' + number) as lower-case hex, number), skip those withdrawn before "
             "the draw; the first <seats> are selected, the rest are alternates in that order")


def serialize_lottery(meeting: Meeting, applications: list) -> dict:
    published = lottery_record(meeting, applications)
    drawn = meeting.selected_at
    return {
        "algorithm": ALGORITHM,
        "commitment": meeting.lottery_commitment,
        "committed_at": iso(meeting.committed_at),
        "public_source": meeting.public_source,
        "public_value_due": iso(meeting.public_value_due),
        "public_value": meeting.public_value,
        "public_value_origin": meeting.public_value_origin,
        "public_value_at": iso(meeting.public_value_at),
        "secret": meeting.secret_revealed,
        "seed": meeting.lottery_seed if drawn else None,
        "signup_extensions": [{"from": iso(e.old_closes_at), "to": iso(e.new_closes_at), "reason": e.reason,
                               "at": iso(e.created_at)} for e in meeting.extensions],
        "excluded": [dict(_entry_of(a), category=a.category, reason=a.decision_reason)
                     for a in published.excluded],
        "input_frozen_at": iso(meeting.input_frozen_at),
        "input_hash": meeting.input_hash or published.computed_hash,
        "input": [e.as_dict() for e in published.entries] if published.entries is not None else None,
        "withdrawn_after_freeze": [{
            "number": a.application_number, "category": a.category, "withdrawn_at": iso(a.withdrawn_at),
            "before_draw": published.left_out(a),
        } for a in published.late_withdrawals],
        "drawn_at": iso(drawn),
        "categories": [{
            "category": v.category, "seats": v.seats,
            "selected": [a.application_number for a in v.drawn_selected],
            "alternates": [a.application_number for a in v.drawn_alternates],
        } for v in selection_view(meeting, applications)] if drawn else [],
    }


def serialize_meeting_detail(meeting: Meeting) -> dict:
    data = serialize_meeting(meeting)
    applications = applications_of(meeting)
    views = selection_view(meeting, applications)
    data["lottery"] = serialize_lottery(meeting, applications) if meeting.is_lottery else None
    published = meeting.selected_at is not None
    data["representatives"] = [dict(_entry_of(a), category=a.category, promoted=a.promoted_at is not None)
                               for a in applications
                               if published and a.status == ApplicationStatus.selected]
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
                                for a in applications if a.status == ApplicationStatus.selected],
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


@api_get("/meetings/<int:meeting_id>", summary="A meeting: seats, the lottery (commitment, input list, result), "
         "representatives (masked names) and the published record", tag="meetings",
         params=[param("meeting_id", kind="integer", where="path")], schema="MeetingDetail")
def meeting(meeting_id: int):
    item = db.session.get(Meeting, meeting_id)
    if item is None:
        abort(404, description="No such meeting")
    return jsonify(serialize_meeting_detail(item))

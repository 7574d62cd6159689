"""Open data API of consultations: published consultations, their sections with comment counts,
and their published comments (masked names only)."""
from __future__ import annotations

from flask import abort, jsonify, request
from sqlalchemy import select

from ..api.spec import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    api_get,
    int_arg,
    iso,
    list_params,
    page_of,
    param,
    register_schema,
)
from ..extensions import db
from . import services as svc
from .models import Consultation, ConsultationStatus

# The statuses of a public consultation (a draft is never public).
STATUSES = [ConsultationStatus.open.value, ConsultationStatus.upcoming.value, ConsultationStatus.closed.value]

register_schema("ConsultationSummary", {
    "type": "object",
    "required": ["id", "decision_id", "title", "opens_at", "closes_at", "status", "comment_count"],
    "properties": {
        "id": {"type": "integer"},
        "decision_id": {"type": "integer"},
        "unit": {"type": "string"},
        "title": {"type": "string"},
        "opens_at": {"type": "string", "format": "date-time"},
        "closes_at": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": STATUSES},
        "comment_count": {"type": "integer", "description": "Published comments"},
        "short_period_reason": {"type": "string"},
        "extension_reason": {"type": "string"},
    },
})
register_schema("Consultation", {
    "type": "object",
    "required": ["id", "decision_id", "title", "opens_at", "closes_at", "status", "sections", "comments",
                 "comments_total", "page", "per_page"],
    "properties": {
        **{"id": {"type": "integer"}, "decision_id": {"type": "integer"}, "unit": {"type": "string"},
           "title": {"type": "string"}, "opens_at": {"type": "string", "format": "date-time"},
           "closes_at": {"type": "string", "format": "date-time"},
           "status": {"type": "string", "enum": STATUSES}, "comment_count": {"type": "integer"},
           "short_period_reason": {"type": "string"}, "extension_reason": {"type": "string"},
           "explanation": {"type": "string"}, "interpretation": {"type": "string"}},
        "sections": {"type": "array", "items": {"type": "object", "required": [
            "id", "number", "heading", "body", "comment_count"], "properties": {
            "id": {"type": "integer"}, "number": {"type": "string"}, "heading": {"type": "string"},
            "body": {"type": "string"}, "comment_count": {"type": "integer"}}}},
        "comments": {"type": "array", "description": "Published comments, newest first, one page",
                     "items": {"type": "object", "required": ["id", "section_id", "author", "text", "published_at"],
                               "properties": {"id": {"type": "integer"},
                                              "section_id": {"type": "integer", "nullable": True},
                                              "author": {"type": "string", "description": "Masked name or 匿名"},
                                              "text": {"type": "string", "description":
                                                       "The published text: personal data (phone, ID "
                                                       "numbers, email, house numbers) hidden as "
                                                       "138****5678 or [已隐去]"},
                                              "published_at": {"type": "string", "format": "date-time"}}}},
        "comments_total": {"type": "integer"},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
    },
})


def serialize_summary(c: Consultation) -> dict:
    return {"id": c.id, "decision_id": c.decision_id, "unit": c.unit.name, "title": c.title,
            "opens_at": iso(c.opens_at), "closes_at": iso(c.closes_at), "status": c.status,
            "comment_count": c.comment_count, "short_period_reason": c.short_period_reason,
            "extension_reason": c.extension_reason}


@api_get("/consultations", summary="Published consultations on draft decisions", tag="consultations",
         params=list_params(param("status", description="open, upcoming or closed", enum=STATUSES)),
         list_of="ConsultationSummary")
def consultations():
    status = request.args.get("status")
    if status and status not in STATUSES:
        abort(400, description="'status' must be one of " + ", ".join(STATUSES))
    if status:
        query = svc.public_query(status)
    else:
        query = select(Consultation).where(Consultation.published_at.is_not(None)).order_by(
            Consultation.opens_at.desc(), Consultation.id.desc())
    return page_of(query, serialize_summary)


@api_get("/consultations/<int:consultation_id>", summary="A consultation: its sections and published comments",
         tag="consultations", schema="Consultation",
         params=[param("consultation_id", kind="integer", where="path"), *list_params(
             param("section", kind="integer", description="Only the comments on this section", minimum=1,
                   maximum=2**31 - 1))])
def consultation(consultation_id: int):
    c = db.session.get(Consultation, consultation_id)
    if c is None or not c.is_public:
        abort(404, description="No such consultation")
    page = int_arg("page", 1, minimum=1, maximum=10**6)
    per_page = int_arg("per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    section_id = int_arg("section", None, minimum=1, maximum=2**31 - 1)
    query = svc.published_comments_query(c, section_id if section_id else "all")
    if section_id:
        total = next((s.comment_count for s in c.sections if s.id == section_id), 0)
    else:
        total = c.comment_count  # kept as a counter: never counted per request
    comments = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify({
        **serialize_summary(c),
        "explanation": c.explanation, "interpretation": c.interpretation,
        "sections": [{"id": s.id, "number": s.number, "heading": s.heading, "body": s.body,
                      "comment_count": s.comment_count} for s in c.sections],
        "comments": [{"id": m.id, "section_id": m.section_id, "author": m.public_name, "text": m.public_text,
                      "published_at": iso(m.published_at)} for m in comments],
        "comments_total": total, "page": page, "per_page": per_page,
    })

"""Open data: /api/v1/decisions (filters as on /catalogue) and /api/v1/decisions/<id>."""
from __future__ import annotations

from flask import abort, jsonify, request, url_for
from sqlalchemy import select

from ..api.spec import api_get, int_arg, iso, list_params, page_of, param, register_schema
from ..extensions import db
from ..units.models import Unit
from . import services
from .models import FLAG_FIELDS, DecisionItem, DecisionKind, DecisionStatus, DocumentKind, Topic

_NULLABLE_STRING = {"type": "string", "nullable": True}
_REF = "#/components/schemas/"

register_schema("DecisionUnit", {
    "type": "object", "required": ["id", "name", "short_name", "slug"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                   "short_name": {"type": "string"}, "slug": {"type": "string"}},
})
register_schema("Topic", {
    "type": "object", "required": ["id", "name", "slug"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "slug": {"type": "string"}},
})
_DECISION_PROPERTIES = {
    "id": {"type": "integer"},
    "code": {"type": "string"},
    "title": {"type": "string"},
    "unit": {"$ref": _REF + "DecisionUnit"},
    "year": {"type": "integer"},
    "kind": {"type": "string", "enum": list(DecisionKind.values())},
    "topics": {"type": "array", "items": {"$ref": _REF + "Topic"}},
    "status": {"type": "string", "enum": list(DecisionStatus.values())},
    "status_reason": {"type": "string", "description": "Public reason of a withdrawal or postponement."},
    "summary": {"type": "string"},
    "planned_quarter": {"type": "integer", "minimum": 1, "maximum": 4, "nullable": True},
    "updated_at": {"type": "string", "format": "date-time"},
    "url": {"type": "string", "description": "The item's public page (hub)."},
}
_DECISION_REQUIRED = ["id", "code", "title", "unit", "year", "kind", "topics", "status", "summary", "url"]
register_schema("Decision", {"type": "object", "required": _DECISION_REQUIRED,
                             "properties": _DECISION_PROPERTIES})
register_schema("DecisionDocument", {
    "type": "object", "required": ["id", "kind", "title", "format", "url", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": [k.value for k in DocumentKind]},
        "title": {"type": "string"},
        "format": {"type": "string", "enum": ["text", "file"]},
        "content_type": _NULLABLE_STRING,
        "size": {"type": "integer", "nullable": True},
        "filename": _NULLABLE_STRING,
        "url": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
    },
})
register_schema("DecisionEvent", {
    "type": "object", "required": ["at", "from_status", "to_status", "reason"],
    "properties": {"at": {"type": "string", "format": "date-time"}, "from_status": _NULLABLE_STRING,
                   "to_status": {"type": "string"}, "reason": {"type": "string"}},
})
register_schema("DecisionResult", {
    "type": "object", "nullable": True, "required": ["title", "number", "issue_date"],
    "properties": {"title": {"type": "string"}, "number": {"type": "string"},
                   "issue_date": {"type": "string", "format": "date"}, "text": _NULLABLE_STRING,
                   "document_url": _NULLABLE_STRING},
})
register_schema("DecisionDetail", {
    "type": "object",
    "required": _DECISION_REQUIRED + ["legal_basis", "background", "flags", "documents", "timeline", "result"],
    "properties": {
        **_DECISION_PROPERTIES,
        "legal_basis": {"type": "string"},
        "background": {"type": "string"},
        "flags": {"type": "object", "required": list(FLAG_FIELDS),
                  "properties": {name: {"type": "boolean"} for name in FLAG_FIELDS}},
        "documents": {"type": "array", "items": {"$ref": _REF + "DecisionDocument"}},
        "timeline": {"type": "array", "items": {"$ref": _REF + "DecisionEvent"}},
        "result": {"$ref": _REF + "DecisionResult"},
    },
})


def serialize_decision(item: DecisionItem) -> dict:
    return {
        "id": item.id, "code": item.code, "title": item.title,
        "unit": {"id": item.unit.id, "name": item.unit.name, "short_name": item.unit.short_name,
                 "slug": item.unit.slug},
        "year": item.year, "kind": item.kind,
        "topics": [{"id": t.id, "name": t.name, "slug": t.slug} for t in item.topics],
        "status": item.status, "status_reason": item.status_reason or "", "summary": item.summary or "",
        "planned_quarter": item.planned_quarter, "updated_at": iso(item.updated_at),
        "url": url_for("catalogue.hub", item_id=item.id, _external=True),
    }


def _document_url(document) -> str:
    endpoint = "catalogue.document_file" if document.is_file else "catalogue.document"
    return url_for(endpoint, item_id=document.decision_id, document_id=document.id, _external=True)


def serialize_decision_detail(item: DecisionItem) -> dict:
    result = None
    if item.issue_date is not None:
        result_document = item.result_document
        result = {"title": item.decision_title or "", "number": item.decision_number or "",
                  "issue_date": iso(item.issue_date), "text": item.decision_text,
                  "document_url": _document_url(result_document) if result_document else None}
    return {
        **serialize_decision(item),
        "legal_basis": item.legal_basis or "", "background": item.background or "",
        "flags": item.flags,
        "documents": [{"id": d.id, "kind": d.kind, "title": d.title, "format": "file" if d.is_file else "text",
                       "content_type": d.content_type, "size": d.size, "filename": d.original_name,
                       "url": _document_url(d), "created_at": iso(d.created_at)} for d in item.documents],
        "timeline": [{"at": iso(e.at), "from_status": e.from_status, "to_status": e.to_status,
                      "reason": e.reason or ""} for e in item.events],
        "result": result,
    }


def _is_id(value: str) -> bool:
    """ASCII digits within a database integer ("²" is a digit to str.isdigit, but not to int())."""
    return value.isascii() and value.isdigit() and len(value) <= 9


def _filters() -> services.Filters:
    filters = services.Filters(q=(request.args.get("q") or "").strip()[:100])
    filters.year = int_arg("year", None, minimum=2000, maximum=2100)
    unit = (request.args.get("unit") or "").strip()
    if unit:
        condition = Unit.id == int(unit) if _is_id(unit) else Unit.slug == unit
        filters.unit = db.session.scalar(select(Unit).where(condition))
        if filters.unit is None:
            abort(400, description=f"unknown unit '{unit}'")
    topic = (request.args.get("topic") or "").strip()
    if topic:
        condition = Topic.id == int(topic) if _is_id(topic) else Topic.slug == topic
        filters.topic = db.session.scalar(select(Topic).where(condition))
        if filters.topic is None:
            abort(400, description=f"unknown topic '{topic}'")
    for name, allowed in (("status", DecisionStatus.values()), ("kind", DecisionKind.values())):
        value = request.args.get(name)
        if value:
            if value not in allowed:
                abort(400, description=f"'{name}' must be one of: {', '.join(allowed)}")
            setattr(filters, name, value)
    return filters


@api_get("/decisions", summary="Decision items of every unit's catalogue, and other policy documents",
         tag="decisions", list_of="Decision", params=list_params(
             param("unit", description="Unit slug or id."),
             param("year", kind="integer", description="Catalogue year.", minimum=2000, maximum=2100),
             param("topic", description="Topic slug or id."),
             param("status", description="Lifecycle status.", enum=list(DecisionStatus.values())),
             param("kind", description="major (in the catalogue) or other.", enum=list(DecisionKind.values())),
             param("q", description="Search in titles, summaries and backgrounds (Chinese or Latin)."),
         ))
def decisions():
    return page_of(services.public_items(_filters()), serialize_decision)


@api_get("/decisions/<int:item_id>", summary="One decision item with its documents, timeline and result",
         tag="decisions", schema="DecisionDetail",
         params=[param("item_id", kind="integer", where="path", description="Decision item id.")])
def decision(item_id: int):
    item = db.session.get(DecisionItem, item_id)
    if item is None or not services.is_public(item):
        abort(404, description="no such decision item")
    return jsonify(serialize_decision_detail(item))

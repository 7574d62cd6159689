"""/api/v1/messages: the published messages of the board with their replies; no personal data
(no author, texts as published with personal data hidden)."""
from __future__ import annotations

from flask import abort, jsonify, request

from ..api.spec import api_get, int_arg, iso, list_params, page_of, param, register_schema
from ..extensions import db
from . import publication
from .models import BoardMessage, MessageKind, Rating

register_schema("Message", {
    "type": "object",
    "required": ["id", "number", "kind", "title", "text", "unit", "decision_id", "received_at", "answered_at",
                 "reply", "rating", "published_at"],
    "properties": {
        "id": {"type": "integer"},
        "number": {"type": "string", "description": "The message number (留言编号)."},
        "kind": {"type": "string", "enum": list(MessageKind.values())},
        "title": {"type": "string"},
        "text": {"type": "string", "description": "The message as published, personal data hidden."},
        "unit": {"type": "object", "description": "The unit that answered (答复单位).",
                 "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "slug": {"type": "string"}}},
        "decision_id": {"type": "integer", "nullable": True, "description": "The policy the message is about."},
        "topic": {"type": "string", "nullable": True},
        "received_at": {"type": "string", "format": "date-time", "description": "留言时间."},
        "answered_at": {"type": "string", "format": "date-time", "description": "答复时间."},
        "reply": {"type": "string", "description": "答复内容 (the latest reply), personal data hidden."},
        "first_reply": {"type": "string", "nullable": True,
                        "description": "After an answered follow-up: the first reply (reply is then the second)."},
        "followup": {"type": "string", "nullable": True,
                     "description": "After an answered follow-up: the follow-up question (追问), personal data hidden."},
        "rating": {"type": "string", "nullable": True, "enum": [*Rating.values(), None]},
        "faq": {"type": "boolean"},
        "published_at": {"type": "string", "format": "date-time"},
    },
})


def serialize_message(m: BoardMessage) -> dict:
    return {"id": m.id, "number": m.tracking_number, "kind": m.kind, "title": m.public_title, "text": m.public_text,
            "unit": {"id": m.unit.id, "name": m.unit.name, "slug": m.unit.slug}, "decision_id": m.decision_id,
            "topic": m.topic.name if m.topic_id and m.topic else None, "received_at": iso(m.received_at),
            "answered_at": iso(m.answered_at), "reply": m.public_reply,
            "first_reply": m.public_first_reply or None, "followup": m.public_followup or None,
            "rating": m.rating, "faq": m.faq,
            "published_at": iso(m.published_at)}


@api_get("/messages", summary="Published messages of the policy message board with their replies",
         tag="board", list_of="Message", params=list_params(
             param("unit", kind="integer", description="Unit id of the answering unit.", minimum=1, maximum=2**31 - 1),
             param("kind", description="question, suggestion or evaluation.", enum=list(MessageKind.values())),
             param("topic", kind="integer", description="Topic id.", minimum=1, maximum=2**31 - 1),
             param("decision", kind="integer", description="Decision item (policy) id.", minimum=1, maximum=2**31 - 1),
             param("q", description="Search in Chinese (1 or more characters) or words.")))
def messages():
    kind = request.args.get("kind") or None
    if kind is not None and kind not in MessageKind.values():
        abort(400, description="'kind' must be one of " + ", ".join(MessageKind.values()))
    query = publication.public_query(unit_id=int_arg("unit", minimum=1, maximum=2**31 - 1), kind=kind,
                                     topic_id=int_arg("topic", minimum=1, maximum=2**31 - 1),
                                     decision_id=int_arg("decision", minimum=1, maximum=2**31 - 1),
                                     q=(request.args.get("q") or "")[:100])
    if query is None:
        return jsonify({"items": [], "total": 0, "page": int_arg("page", 1, minimum=1), "per_page": 20})
    return page_of(query, serialize_message)


@api_get("/messages/<int:message_id>", summary="One published message and its reply", tag="board",
         schema="Message", params=[param("message_id", kind="integer", where="path")])
def message(message_id: int):
    item = db.session.get(BoardMessage, message_id)
    if item is None or not item.is_published:
        abort(404)
    return jsonify(serialize_message(item))

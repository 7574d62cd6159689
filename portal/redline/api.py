"""/api/v1/decisions/<id>/changes: the issued text compared with the consulted draft, article by
article: each pair of draft and issued articles, the kind of change, and the ids of the themes
(as in /api/v1/feedback/<id>) that the change answers once the feedback report is published."""
from __future__ import annotations

from flask import abort, jsonify

from ..api.spec import api_get, iso, param, register_schema
from ..catalogue.models import DecisionItem
from ..catalogue.services import is_public
from ..extensions import db
from . import services as svc
from .models import ChangeKind

_article = {"type": "object", "required": ["id", "kind", "number", "heading"], "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["chapter", "article", "text"]},
    "number": {"type": "string", "description": "e.g. 第五条 (empty for a preamble)"},
    "heading": {"type": "string"}, "text": {"type": "string"}}}
register_schema("DecisionChanges", {
    "type": "object",
    "required": ["decision_id", "title", "issue_date", "consultation_id", "counts", "changes",
                 "report_published"],
    "properties": {
        "decision_id": {"type": "integer"},
        "title": {"type": "string"},
        "issue_date": {"type": "string", "format": "date", "nullable": True},
        "consultation_id": {"type": "integer", "description": "The consultation whose draft is compared."},
        "report_published": {"type": "boolean", "description": "Themes are linked once the adoption "
                             "feedback report is published."},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "Articles per kind of change; renumbered also counts changed articles "
                                  "that moved."},
        "changes": {"type": "array", "items": {"type": "object", "required": [
            "key", "kind", "renumbered", "draft", "final", "theme_ids", "explanation"], "properties": {
            "key": {"type": "string", "description": "f<issued article id>, or d<draft article id> when removed"},
            "kind": {"type": "string", "enum": ChangeKind.values()},
            "renumbered": {"type": "boolean"},
            "draft": {"type": "array", "items": _article, "description": "The article(s) as consulted."},
            "final": {"type": "array", "items": _article, "description": "The article(s) as issued."},
            "theme_ids": {"type": "array", "items": {"type": "integer"}},
            "explanation": {"type": "string"}}}},
    },
})


def _text(runs: list[list[str]]) -> str:
    return "".join(text for _op, text in runs)


def _side(refs: list[dict], runs: list[list[str]]) -> list[dict]:
    # the text of a side as a whole; for a split or merge each article is one line of it
    lines = _text(runs).split("\n") if refs else []
    return [{"id": ref["id"], "kind": ref["kind"], "number": ref["number"], "heading": ref["heading"],
             "text": lines[i] if i < len(lines) else ""} for i, ref in enumerate(refs)]


@api_get("/decisions/<int:decision_id>/changes", summary="The issued text compared with the consulted draft",
         tag="feedback", params=[param("decision_id", kind="integer", where="path",
                                       description="The decision item's id.")],
         schema="DecisionChanges")
def decision_changes(decision_id: int):
    item = db.session.get(DecisionItem, decision_id)
    if item is None or item.status not in svc.ISSUED_STATUSES or not is_public(item):
        abort(404, description="no such issued decision")
    final = svc.final_text_of(item)
    if final is None:
        abort(404, description="the issued text of this decision is not compared yet")
    view = svc.redline(item, final, public=True)
    explanations = view.explanations if view.report_published else {}
    return jsonify({
        "decision_id": item.id, "title": item.title, "issue_date": iso(item.issue_date),
        "consultation_id": final.consultation_id, "report_published": view.report_published,
        "counts": view.counts,
        "changes": [{"key": row["key"], "kind": row["kind"], "renumbered": row["renumbered"],
                     "draft": _side(row["draft"], row["old"]), "final": _side(row["final"], row["new"]),
                     "theme_ids": [t.id for t in view.themes_of(row)],
                     "explanation": explanations.get(row["key"], "")} for row in view.rows],
    })

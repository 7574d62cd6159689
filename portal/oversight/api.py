"""The published yearly assessment in the open data API (the snapshot, as the public page shows it)."""
from __future__ import annotations

from flask import abort, jsonify

from ..api.spec import api_get, int_arg, iso, param, register_schema
from . import assessment

_STATE = {"type": "string", "enum": ["met", "in_progress", "at_risk", "not_met", "nothing"]}
_LINK = {"type": "object", "required": ["title", "path"],
         "properties": {"title": {"type": "string"}, "path": {"type": "string"}}}
_TARGET = {"type": "object", "required": ["state", "figures", "evidence"],
           "properties": {"state": _STATE, "figures": {"type": "object"},
                          "evidence": {"type": "array", "items": _LINK}}}

register_schema("Assessment", {
    "type": "object",
    "required": ["year", "version", "published_at", "as_of", "versions", "units"],
    "properties": {
        "year": {"type": "integer"},
        "version": {"type": "integer", "minimum": 1},
        "published_at": {"type": "string", "format": "date-time"},
        "as_of": {"type": "string", "format": "date-time"},
        "note": {"type": "string"},
        "versions": {"type": "array", "items": {"type": "integer"}},
        "units": {"type": "array", "items": {
            "type": "object",
            "required": ["slug", "name", "met", "missed", "targets"],
            "properties": {
                "slug": {"type": "string"}, "name": {"type": "string"}, "short_name": {"type": "string"},
                "met": {"type": "integer"}, "missed": {"type": "integer"},
                "targets": {"type": "object", "properties": {
                    t: _TARGET for t in ("catalogue", "consultations", "feedback", "meetings", "open_days")}},
            },
        }},
    },
})


def serialize_assessment(found) -> dict:
    figures = found.figures
    return {"year": found.year, "version": found.version, "published_at": iso(found.published_at),
            "as_of": figures["as_of"], "note": found.note,
            "versions": [v.version for v in assessment.versions(found.year)], "units": figures["units"]}


@api_get("/oversight/<int:year>", summary="The published yearly assessment of every unit against the targets",
         tag="oversight", schema="Assessment",
         params=[param("year", kind="integer", where="path", description="The year assessed."),
                 param("version", kind="integer", description="A version number (default: the latest).",
                       minimum=1, maximum=10**6)])
def assessment_of_year(year: int):
    if not 2000 <= year <= 9999:
        abort(404, description="no published assessment for this year")
    found = assessment.published(year, int_arg("version", None, minimum=1, maximum=10**6))
    if found is None:
        abort(404, description="no published assessment for this year")
    return jsonify(serialize_assessment(found))

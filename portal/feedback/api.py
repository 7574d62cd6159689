"""/api/v1/feedback: issued items with their due dates and states, and published adoption
feedback reports (statistics, themes with dispositions and reasons, versions). Ids in the URL are
decision item ids, like the public pages; a report's own id is its ``id``. No personal data."""
from __future__ import annotations

from flask import abort, jsonify
from sqlalchemy import func, select

from ..api.spec import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    api_get,
    int_arg,
    iso,
    list_params,
    param,
    register_schema,
)
from ..catalogue.models import DecisionItem
from ..catalogue.services import is_public
from ..extensions import db
from . import deadlines as due_dates
from . import report as reports
from .models import DISPOSITIONS, DeadlineState

_state = {"type": "string", "enum": list(DeadlineState.values())}
register_schema("FeedbackItem", {
    "type": "object",
    "required": ["id", "decision_id", "title", "unit", "issue_date", "due_date", "provisional", "state",
                 "working_days", "report_id", "published_at", "on_time"],
    "properties": {
        "id": {"type": "integer", "description": "The decision item's id (as in /feedback/{id})."},
        "decision_id": {"type": "integer"},
        "title": {"type": "string"},
        "unit": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                  "slug": {"type": "string"}}},
        "issue_date": {"type": "string", "format": "date"},
        "due_date": {"type": "string", "format": "date"},
        "provisional": {"type": "boolean", "description": "The due date counts days of a year whose "
                        "working-day calendar is not loaded (暂定)."},
        "state": _state,
        "working_days": {"type": "integer", "description": "Working days left (due), past the due date "
                         "(overdue), or late by (late)."},
        "report_id": {"type": "integer", "nullable": True},
        "published_at": {"type": "string", "format": "date-time", "nullable": True},
        "on_time": {"type": "boolean", "nullable": True},
    },
})
register_schema("FeedbackReport", {
    "type": "object",
    "required": ["id", "decision_id", "issue_date", "due_date", "provisional", "published_at", "on_time",
                 "statistics", "themes", "versions"],
    "properties": {
        "id": {"type": "integer", "description": "The report's id."},
        "decision_id": {"type": "integer"},
        "title": {"type": "string"},
        "issue_date": {"type": "string", "format": "date"},
        "due_date": {"type": "string", "format": "date"},
        "provisional": {"type": "boolean"},
        "published_at": {"type": "string", "format": "date-time"},
        "on_time": {"type": "boolean"},
        "version": {"type": "integer"},
        "summary": {"type": "string"},
        "statistics": {"type": "object", "description": "Frozen at publication: periods, website counts, "
                       "offline channels and records, totals, per-section counts."},
        "themes": {"type": "array", "items": {"type": "object", "required": [
            "title", "concentrated", "disposition", "reason", "comment_count"], "properties": {
            "title": {"type": "string"}, "concentrated": {"type": "boolean"},
            "disposition": {"type": "string", "nullable": True, "enum": [*DISPOSITIONS, None]},
            "reason": {"type": "string"}, "comment_count": {"type": "integer"},
            "offline_count": {"type": "integer"},
            "sections": {"type": "array", "items": {"type": "string"}}}}},
        "versions": {"type": "array", "items": {"type": "object", "properties": {
            "number": {"type": "integer"}, "published_at": {"type": "string", "format": "date-time"},
            "correction_reason": {"type": "string"}}}},
    },
})


def serialize_deadline(deadline: due_dates.Deadline) -> dict:
    item, report = deadline.item, deadline.report
    published = report is not None and report.is_published
    return {"id": item.id, "decision_id": item.id, "title": item.title,
            "unit": {"id": item.unit.id, "name": item.unit.name, "slug": item.unit.slug},
            "issue_date": iso(item.issue_date), "due_date": iso(deadline.due.day),
            "provisional": deadline.provisional, "state": deadline.state, "working_days": deadline.days,
            "report_id": report.id if published else None,
            "published_at": iso(report.published_at) if published else None,
            "on_time": report.on_time if published else None}


@api_get("/feedback", summary="Issued decisions and their adoption feedback state", tag="feedback",
         params=list_params(), list_of="FeedbackItem")
def feedback_list():
    page = int_arg("page", 1, minimum=1, maximum=10**6)
    per_page = int_arg("per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    query = due_dates.decided_items(public=True)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify({"items": [serialize_deadline(d) for d in due_dates.deadlines([tuple(r) for r in rows])],
                    "total": total, "page": page, "per_page": per_page})


@api_get("/feedback/<int:decision_id>", summary="A published adoption feedback report", tag="feedback",
         params=[param("decision_id", kind="integer", where="path", description="The decision item's id."),
                 param("version", kind="integer", description="A version number (default: the current one).",
                       minimum=1, maximum=10**6)],
         schema="FeedbackReport")
def feedback_report(decision_id: int):
    item = db.session.get(DecisionItem, decision_id)
    if item is None or not is_public(item):
        abort(404, description="no such decision")
    report = reports.report_of(item)
    if report is None or not report.is_published:
        abort(404, description="no published feedback report for this decision")
    version = reports.version_of(report, int_arg("version", None, minimum=1, maximum=10**6))
    if version is None:
        abort(404, description="no such version")
    return jsonify({
        "id": report.id, "decision_id": item.id, "title": item.title, "issue_date": iso(item.issue_date),
        "due_date": iso(report.due_on), "provisional": report.due_provisional,
        "published_at": iso(report.published_at), "on_time": report.on_time, "version": version.number,
        "summary": version.summary, "statistics": version.statistics,
        "themes": [{"title": t["title"], "concentrated": t["concentrated"], "disposition": t["disposition"],
                    "reason": t["reason"], "comment_count": t["comment_count"],
                    "offline_count": t["offline_count"], "sections": t["sections"]} for t in version.themes],
        "versions": [{"number": v.number, "published_at": iso(v.published_at),
                      "correction_reason": v.correction_reason} for v in reports.versions_of(report)],
    })

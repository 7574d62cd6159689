"""Declaring API endpoints once: ``api_get`` registers the route *and* its OpenAPI operation, so
the document at /api/v1/openapi.json cannot drift from the code (a test checks every rule).

Use in a feature's ``api.py``::

    from ..api.spec import api_get, list_params, page_of, register_schema

    register_schema("Unit", {"type": "object", "properties": {...}, "required": [...]})

    @api_get("/units", summary="Units", tag="units", params=list_params(), list_of="Unit")
    def units():
        return page_of(select(Unit).order_by(Unit.id), serialize_unit)
"""
from __future__ import annotations

from typing import Any, Callable

from flask import abort, jsonify, request
from sqlalchemy import func, select

from ..extensions import db
from . import bp

OPERATIONS: list[dict[str, Any]] = []
SCHEMAS: dict[str, dict[str, Any]] = {}
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


# OpenAPI's "date-time" is RFC 3339, which requires an offset; the portal's times are naive China
# Standard Time (README, "Time"), so the document declares them as what they are.
LOCAL_DATE_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"


def _local_date_times(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_local_date_times(value) for value in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("format") == "date-time":
        schema = {key: value for key, value in schema.items() if key != "format"}
        schema["pattern"] = LOCAL_DATE_TIME_PATTERN
        schema["description"] = (schema.get("description", "") + " Local time in China (UTC+8), "
                                 "ISO 8601 without offset.").strip()
    return {key: _local_date_times(value) for key, value in schema.items()}


def register_schema(name: str, schema: dict[str, Any]) -> None:
    SCHEMAS[name] = _local_date_times(schema)


def param(name: str, *, kind: str = "string", description: str = "", where: str = "query",
          required: bool = False, **extra) -> dict[str, Any]:
    schema = {"type": kind, **extra}
    spec = {"name": name, "in": where, "required": required or where == "path",
            "description": description, "schema": schema}
    if where == "query" and not required:
        spec["allowEmptyValue"] = True  # "?year=" (an empty form field) is the same as no "year"
    return spec


def list_params(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        param("page", kind="integer", description="Page number, from 1.", minimum=1, maximum=10**6, default=1),
        param("per_page", kind="integer", description=f"Items per page, at most {MAX_PER_PAGE}.",
              minimum=1, maximum=MAX_PER_PAGE, default=DEFAULT_PER_PAGE),
        *extra,
    ]


def _openapi_path(rule: str) -> str:
    # Flask's /decisions/<int:id> becomes OpenAPI's /decisions/{id}
    import re

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def api_get(rule: str, *, summary: str, tag: str, params: list[dict] | None = None,
            schema: str | None = None, list_of: str | None = None, media_type: str = "application/json",
            description: str = ""):
    """Register a GET endpoint on the API blueprint and describe it in the OpenAPI document."""

    def decorator(view: Callable):
        endpoint = view.__name__ if not view.__module__.startswith("portal.") else \
            view.__module__.split(".")[1] + "_" + view.__name__
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=["GET"])
        if list_of:
            content_schema = {"$ref": f"#/components/schemas/{list_of}List"}
            register_schema(f"{list_of}List", {
                "type": "object",
                "required": ["items", "total", "page", "per_page"],
                "properties": {
                    "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{list_of}"}},
                    "total": {"type": "integer", "minimum": 0},
                    "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                },
            })
        elif schema:
            content_schema = {"$ref": f"#/components/schemas/{schema}"}
        else:
            content_schema = {"type": "string"} if media_type != "application/json" else {"type": "object"}
        responses: dict[str, Any] = {
            "200": {"description": "OK", "content": {media_type: {"schema": content_schema}}},
        }
        path_params = [p for p in (params or []) if p["in"] == "path"]
        if path_params:
            responses["404"] = {"description": "Not found",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        if any(p["in"] == "query" for p in (params or [])):
            responses["400"] = {"description": "Invalid parameter",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        OPERATIONS.append({
            "rule": bp.url_prefix + rule,
            "path": _openapi_path(rule),
            "operation": {
                "operationId": endpoint,
                "summary": summary,
                "description": description,
                "tags": [tag],
                "parameters": params or [],
                "responses": responses,
            },
        })
        return view

    return decorator


def int_arg(name: str, default: int | None = None, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
    """An integer query parameter; a bad value is a 400 with a clear message, never a 500."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(400, description=f"'{name}' must be an integer")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        abort(400, description=f"'{name}' must be between {minimum} and {maximum}")
    return value


def page_of(query, serialize: Callable[[Any], dict], *, count_query=None):
    """The list shape of the API: {"items", "total", "page", "per_page"} for a select()."""
    page = int_arg("page", 1, minimum=1, maximum=10**6)
    per_page = int_arg("per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    if count_query is None:
        count_query = select(func.count()).select_from(query.order_by(None).subquery())
    total = db.session.scalar(count_query) or 0
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify({"items": [serialize(row) for row in rows], "total": total, "page": page,
                    "per_page": per_page})


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


register_schema("Error", {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "properties": {
        "status": {"type": "integer"}, "message": {"type": "string"}}}},
})

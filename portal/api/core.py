"""The OpenAPI document and the units endpoint."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from ..units.models import Unit
from . import bp
from .spec import OPERATIONS, SCHEMAS, api_get, list_params, page_of, register_schema

register_schema("Unit", {
    "type": "object",
    "required": ["id", "name", "short_name", "slug", "kind"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "short_name": {"type": "string"},
        "slug": {"type": "string"},
        "kind": {"type": "string", "enum": ["district_government", "bureau", "town"]},
        "address": {"type": "string"},
        "phone": {"type": "string"},
        "email": {"type": "string"},
    },
})


def serialize_unit(unit: Unit) -> dict:
    return {"id": unit.id, "name": unit.name, "short_name": unit.short_name, "slug": unit.slug,
            "kind": unit.kind, "address": unit.address, "phone": unit.phone, "email": unit.email}


@api_get("/units", summary="Units: the district government, bureaus, towns and street offices",
         tag="units", params=list_params(), list_of="Unit")
def units():
    return page_of(select(Unit).order_by(Unit.id), serialize_unit)


@api_get("/openapi.json", summary="This OpenAPI document", tag="meta")
def openapi():
    paths: dict = {}
    for op in OPERATIONS:
        paths.setdefault(op["path"], {})["get"] = op["operation"]
    document = {
        "openapi": "3.0.3",
        "info": {
            "title": "政民互动 Public Participation Portal — open data API",
            "version": "1.0.0",
            "description": "Read-only JSON of everything the portal publishes. Lists are paginated "
                           "({items, total, page, per_page}); dates are ISO 8601; no personal data.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(SCHEMAS.items()))},
    }
    return jsonify(document)


@bp.after_request
def open_data_headers(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Cache-Control", "public, max-age=60")
    return response

"""The API's list shape, parameter errors and the OpenAPI document."""
from __future__ import annotations

import pytest

from portal.extensions import db


def test_units_list_shape_and_paging(client, f):
    units = [f.unit() for _ in range(3)]
    db.session.commit()
    response = client.get("/api/v1/units")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.json
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 20
    assert [u["id"] for u in body["items"]] == [u.id for u in units]
    assert set(body["items"][0]) == {"id", "name", "short_name", "slug", "kind", "address", "phone", "email"}
    page2 = client.get("/api/v1/units?page=2&per_page=2").json
    assert page2["total"] == 3 and [u["id"] for u in page2["items"]] == [units[2].id]
    assert client.get("/api/v1/units?per_page=100").status_code == 200
    assert client.get("/api/v1/units?page=5").json["items"] == []
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=-1", "page=abc",
                                   "per_page=1.5", "page=99999999999"])
def test_bad_paging_parameters_are_400_json(client, query):
    response = client.get(f"/api/v1/units?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.json["error"]["status"] == 400 and response.json["error"]["message"]


def test_openapi_document(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert {"/units", "/openapi.json"} <= set(doc["paths"])
    units = doc["paths"]["/units"]["get"]
    assert {p["name"] for p in units["parameters"]} >= {"page", "per_page"}
    ref = units["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    name = ref.rsplit("/", 1)[1]
    assert name in doc["components"]["schemas"]
    assert "400" in units["responses"]
    # Every $ref points at a schema that exists.
    import json

    text = json.dumps(doc)
    import re

    for target in re.findall(r'"#/components/schemas/([^"]+)"', text):
        assert target in doc["components"]["schemas"], target
    # Every API rule of the app is documented, and nothing documented is missing from the app.
    rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    documented = {"/api/v1" + re.sub(r"\{(\w+)\}", r"<\1>", p) for p in doc["paths"]}
    normalised_rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", r) for r in rules}
    assert documented == normalised_rules

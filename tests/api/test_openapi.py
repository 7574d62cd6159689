"""The OpenAPI document cannot drift from the code: every /api/v1 rule is described with the same
path parameters, and responses validate against their declared schemas."""
import re

from portal.api.spec import MAX_PER_PAGE

from .schema_check import errors


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_api_rule_is_in_the_document_with_its_path_parameters(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")]
    assert rules
    for rule in rules:
        path = _openapi_path(rule.rule[len("/api/v1"):])
        assert path in paths, f"{rule.rule} is not in the OpenAPI document"
        operation = paths[path]["get"]
        declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert declared == set(rule.arguments), f"{rule.rule}: path parameters {declared} != {rule.arguments}"
        assert "GET" in rule.methods
    documented = {p for p in paths}
    served = {_openapi_path(r.rule[len("/api/v1"):]) for r in rules}
    assert documented <= served, f"documented but not served: {documented - served}"


def test_every_schema_reference_resolves(client):
    document = client.get("/api/v1/openapi.json").get_json()
    refs = set(re.findall(r'"\$ref": ?"#/components/schemas/([A-Za-z]+)"',
                          client.get("/api/v1/openapi.json").get_data(as_text=True)))
    assert refs and refs <= set(document["components"]["schemas"])


def _response_schema(document, path):
    return document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def test_decision_responses_validate_against_their_schemas(client, f):
    from datetime import date

    from portal.catalogue import services
    from portal.catalogue.lifecycle import change_status
    from portal.extensions import db

    topic = f.topic()
    item = f.decision(status="deliberating")
    item.topics = [topic]
    services.add_document(None, item, {"kind": "draft", "body": "草案全文"})
    services.record_decision(None, item, services.DecisionResult("办法", "青府发〔2026〕1号", date(2026, 1, 5), "全文",
                                                            "依法不予公开征求意见的事项。"))
    change_status(f.decision(), "postponed", None, "等待上级政策")
    db.session.commit()
    document = client.get("/api/v1/openapi.json").get_json()
    listing = client.get("/api/v1/decisions").get_json()
    assert listing["total"] == 2
    assert errors(listing, _response_schema(document, "/decisions"), document) == []
    detail = client.get(f"/api/v1/decisions/{item.id}").get_json()
    assert errors(detail, _response_schema(document, "/decisions/{item_id}"), document) == []
    units = client.get("/api/v1/units").get_json()
    assert errors(units, _response_schema(document, "/units"), document) == []
    # The validator does catch a wrong shape.
    assert errors({**detail, "year": "2026"}, _response_schema(document, "/decisions/{item_id}"), document)
    assert errors({"items": [{}], "total": 1, "page": 1, "per_page": MAX_PER_PAGE},
                  _response_schema(document, "/decisions"), document)

"""Open data: /api/v1/decisions with the same filters as the pages, and one item in full."""
from datetime import date

from portal.catalogue import services
from portal.extensions import db


def _codes(client, query=""):
    body = client.get("/api/v1/decisions" + query).get_json()
    return sorted(item["code"] for item in body["items"])


def test_list_filters_and_search(client, f):
    a, b = f.unit(slug="unit-a"), f.unit(slug="unit-b")
    topic = f.topic(slug="elderly-care")
    f.decision(a, code="A1", title="社区养老服务设施布局规划", year=2026).topics = [topic]
    f.decision(a, code="A2", title="生活垃圾分类实施方案", year=2025, status="drafting")
    f.decision(b, code="B1", title="河道治理规划", year=2026)
    db.session.commit()
    assert _codes(client) == ["A1", "A2", "B1"]
    assert _codes(client, "?unit=unit-a") == ["A1", "A2"]
    assert _codes(client, f"?unit={b.id}") == ["B1"]
    assert _codes(client, "?year=2025") == ["A2"]
    assert _codes(client, "?topic=elderly-care") == ["A1"]
    assert _codes(client, f"?topic={topic.id}") == ["A1"]
    assert _codes(client, "?status=drafting") == ["A2"]
    assert _codes(client, "?q=垃圾") == ["A2"]
    assert _codes(client, "?q=养") == ["A1"]
    assert _codes(client, "?q=电梯") == []


def test_pagination_and_limits(client, f):
    unit = f.unit()
    for n in range(7):
        f.decision(unit, code=f"C{n}")
    db.session.commit()
    body = client.get("/api/v1/decisions?per_page=3&page=3").get_json()
    assert body["total"] == 7 and body["page"] == 3 and body["per_page"] == 3 and len(body["items"]) == 1
    assert client.get("/api/v1/decisions?per_page=101").status_code == 400
    assert client.get("/api/v1/decisions?status=bogus").status_code == 400
    assert client.get("/api/v1/decisions?year=abc").status_code == 400
    assert client.get("/api/v1/decisions?unit=no-such-unit").status_code == 400


def test_detail_has_documents_timeline_and_result(client, f):
    item = f.decision(status="deliberating", hearing_planned=True)
    document = services.add_document(None, item, {"kind": "explanation", "title": "起草说明", "body": "说明"})
    services.record_decision(None, item, services.DecisionResult(
        "青松区停车管理办法", "青府发〔2026〕5号", date(2026, 5, 8), "现予印发。", "依法不予公开征求意见的事项。"))
    db.session.commit()
    body = client.get(f"/api/v1/decisions/{item.id}").get_json()
    assert body["status"] == "decided" and body["flags"]["hearing_planned"] is True
    assert body["documents"][0]["title"] == "起草说明"
    assert body["documents"][0]["url"].endswith(f"/decisions/{item.id}/documents/{document.id}")
    assert body["timeline"][-1]["to_status"] == "decided"
    assert body["result"] == {"title": "青松区停车管理办法", "number": "青府发〔2026〕5号",
                              "issue_date": "2026-05-08", "text": "现予印发。", "document_url": None}
    assert client.get("/api/v1/decisions/999999").status_code == 404

"""Public catalogue: filters, search, pagination, hub, feed, home section, constant query count."""
from datetime import datetime

from portal.catalogue.lifecycle import change_status
from portal.extensions import db
from portal.sections import section

from ..querycount import count_queries


def _codes(response) -> list[str]:
    import re

    return re.findall(r"<tr>\s*<td>([^<]+)</td>", response.get_data(as_text=True))


def test_filters_by_unit_year_topic_status_and_search(client, f):
    a, b = f.unit(slug="unit-a"), f.unit(slug="unit-b")
    housing = f.topic(name="城市更新", slug="urban-renewal")
    f.decision(a, code="A1", year=2026, title="老旧小区加装电梯实施意见").topics = [housing]
    f.decision(a, code="A2", year=2025, title="生活垃圾分类实施方案", status="drafting")
    f.decision(b, code="B1", year=2026, title="社区养老服务设施布局规划")
    db.session.commit()
    assert sorted(_codes(client.get("/catalogue"))) == ["A1", "A2", "B1"]
    assert sorted(_codes(client.get("/catalogue?unit=unit-a"))) == ["A1", "A2"]
    assert _codes(client.get("/catalogue?year=2025")) == ["A2"]
    assert _codes(client.get("/catalogue?topic=urban-renewal")) == ["A1"]
    assert _codes(client.get("/catalogue?status=drafting")) == ["A2"]
    assert _codes(client.get("/catalogue?q=养老")) == ["B1"]
    assert _codes(client.get("/catalogue?q=垃圾&unit=unit-a")) == ["A2"]
    assert _codes(client.get("/catalogue?q=垃圾&unit=unit-b")) == []
    assert _codes(client.get("/catalogue?unit=no-such-unit")) == []


def test_pagination(client, f):
    unit = f.unit()
    for n in range(25):
        f.decision(unit, code=f"2026-{n:02d}")
    db.session.commit()
    assert len(_codes(client.get("/catalogue"))) == 20
    assert len(_codes(client.get("/catalogue?page=2"))) == 5


def test_unpublished_catalogue_is_hidden_and_published_one_shows_history(client, f):
    unit = f.unit()
    catalogue = f.catalogue(unit, 2026)
    hidden = f.decision(unit, code="H")
    other = f.decision(unit, code="O", kind="other")  # not in the catalogue: public
    db.session.commit()
    assert _codes(client.get("/catalogue")) == ["O"]
    assert client.get(f"/api/v1/decisions/{hidden.id}").status_code == 404
    catalogue.published_at = datetime(2026, 4, 2, 9, 0)
    change_status(hidden, "withdrawn", None, "并入市级规划")
    db.session.commit()
    assert sorted(_codes(client.get("/catalogue"))) == ["H", "O"]
    page = client.get(f"/catalogue/2026/{unit.slug}").get_data(as_text=True)
    assert "2026-04-02" in page and "2026-03-31" in page and "并入市级规划" in page
    assert "text-bg-danger" in page  # published after the deadline: marked late
    assert other.id


def test_hub_shows_fields_documents_timeline_and_sections(app, client, f):
    from portal.catalogue import services

    item = f.decision(title="青松区停车管理办法", legal_basis="《道路交通安全法》", background="停车难")
    services.add_document(None, item, {"kind": "explanation", "title": "起草说明全文", "body": "说明"})
    change_status(item, "drafting", None)
    db.session.commit()

    @section("hub", "catalogue/_test_hub_section.html", order=99)
    def _loader(obj):
        return {"n": obj.id} if obj.title.endswith("办法") else None

    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_env.loader = ChoiceLoader([DictLoader({"catalogue/_test_hub_section.html": "<p>SECTION {{ context.n }}</p>"}),
                                         app.jinja_env.loader])
    page = client.get(f"/decisions/{item.id}").get_data(as_text=True)
    assert "青松区停车管理办法" in page and "《道路交通安全法》" in page and "起草说明全文" in page
    assert f"SECTION {item.id}" in page
    assert '<time datetime="2026-05-10T10:00:00">' in page  # the drafting step on the timeline
    other = f.decision(title="另一个事项")
    db.session.commit()
    assert "SECTION" not in client.get(f"/decisions/{other.id}").get_data(as_text=True)
    from portal.sections import _SECTIONS

    _SECTIONS["hub"][:] = [e for e in _SECTIONS["hub"] if e[1] != "catalogue/_test_hub_section.html"]


def test_home_page_lists_recent_items_and_nav_has_the_catalogue(client, f):
    f.decision(title="青松区公共交通线网优化调整方案")
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "青松区公共交通线网优化调整方案" in page
    assert 'href="/catalogue"' in page


def test_feed_lists_publications_changes_and_status_changes(client, f):
    unit = f.unit()
    f.catalogue(unit, 2026, published_at=datetime(2026, 3, 20, 9, 0))
    item = f.decision(unit, title="青松区河道治理规划")
    change_status(item, "withdrawn", None, "纳入市级规划")
    db.session.commit()
    response = client.get("/catalogue/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    text = response.get_data(as_text=True)
    assert text.count("<entry>") == 3 and "纳入市级规划" in text and "青松区河道治理规划" in text


def test_list_keeps_a_constant_number_of_queries(client, f):
    unit = f.unit()
    topics = [f.topic(), f.topic()]

    def add(n):
        for i in range(n):
            f.decision(f.unit() if i % 2 else unit, code=f"Q{i:03d}-{n}").topics = topics
        db.session.commit()

    add(5)
    client.get("/catalogue")
    with count_queries() as few:
        assert client.get("/catalogue?per_page=50").status_code == 200
    add(35)
    with count_queries() as many:
        response = client.get("/catalogue?q=城市")
    with count_queries() as many_plain:
        response = client.get("/catalogue")
    assert len(_codes(response)) == 20
    assert many_plain.count == few.count, many_plain.statements
    assert many.count <= few.count + 1

from datetime import timedelta

from portal.consultation import services as svc
from portal.database import commit
from tests.querycount import count_queries

from .conftest import section_by_number


def _published(consultation, staff, resident, text, section=None):
    comment = svc.submit_comment(consultation, resident, {"text": text, "consent": True,
                                                          "section_id": section.id if section else None})
    svc.moderate(staff, consultation, [comment.id], "publish")
    return comment


def test_list_shows_open_upcoming_closed_without_n_plus_one(app, client, f):
    unit = f.unit()
    for status in ("open", "open", "upcoming", "closed", "draft"):
        f.consultation(f.decision(unit, status="consulting"), status=status, title=f"{status}征求意见")
    commit()
    open_page = client.get("/consultations").get_data(as_text=True)
    assert open_page.count("open征求意见") == 2 and "upcoming征求意见" not in open_page
    assert "draft征求意见" not in open_page
    assert "upcoming征求意见" in client.get("/consultations?show=upcoming").get_data(as_text=True)
    assert "closed征求意见" in client.get("/consultations?show=closed").get_data(as_text=True)
    with count_queries() as few:
        client.get("/consultations")
    for _ in range(15):
        f.consultation(f.decision(f.unit(), status="consulting"), status="open")
    commit()
    with count_queries() as many:
        assert client.get("/consultations").status_code == 200
    assert many.count == few.count


def test_detail_counts_days_left_and_offline_channels(app, client, setup, f):
    consultation, staff = setup["consultation"], setup["staff"]
    article = section_by_number(consultation, "第五条")
    _published(consultation, staff, setup["resident"], "第五条意见一", article)
    _published(consultation, staff, f.resident(name="李四"), "第五条意见二", article)
    _published(consultation, staff, f.resident(), "整体意见")
    svc.submit_comment(consultation, f.resident(), {"text": "待审意见", "consent": True, "section_id": article.id})
    commit()
    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "2 published comments" in html and "25 days left" in html
    assert "青松区政府路 100 号" in html and "zqyj@example.gov.cn" in html and "起草说明" in html
    assert "待审意见" not in html and "Log in to comment" in html
    general = client.get(f"/consultations/{consultation.id}/comments?section=general").get_data(as_text=True)
    assert "整体意见" in general and "第五条意见一" not in general
    with count_queries() as queries:
        client.get(f"/consultations/{consultation.id}/comments?section={article.id}")
    assert queries.count <= 6
    assert client.get("/consultations/999").status_code == 404


def test_api_and_openapi(app, client, setup, f):
    consultation, staff = setup["consultation"], setup["staff"]
    article = section_by_number(consultation, "第五条")
    for i in range(3):
        _published(consultation, staff, f.resident(name=f"王{i}明", mobile=f"1380000000{i}"), f"意见{i}", article)
    draft = f.consultation(status="draft")
    commit()
    listing = client.get("/api/v1/consultations").get_json()
    assert listing["total"] == 1 and listing["items"][0]["status"] == "open"
    assert client.get("/api/v1/consultations?status=closed").get_json()["total"] == 0
    assert client.get("/api/v1/consultations?status=nope").status_code == 400
    data = client.get(f"/api/v1/consultations/{consultation.id}?per_page=2&page=2").get_json()
    assert data["decision_id"] == consultation.decision_id and data["comments_total"] == 3
    assert [s["comment_count"] for s in data["sections"] if s["id"] == article.id] == [3]
    assert len(data["comments"]) == 1 and data["comments"][0]["author"] == "王**"
    assert set(data["comments"][0]) == {"id", "section_id", "author", "text", "published_at"}
    assert "13800000000" not in str(data) and "@example.com" not in str(data)
    assert client.get(f"/api/v1/consultations/{draft.id}").status_code == 404
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/consultations" in paths and "/consultations/{consultation_id}" in paths


def test_feed_hub_home_and_me_sections(app, client, login, setup, f):
    consultation = setup["consultation"]
    f.consultation(status="draft", title="未发布的草案")
    svc.submit_comment(consultation, setup["resident"], {"text": "我的意见", "consent": True})
    commit()
    feed = client.get("/consultations/feed.atom")
    assert feed.mimetype == "application/atom+xml"
    assert consultation.title in feed.get_data(as_text=True) and "未发布的草案" not in feed.get_data(as_text=True)
    assert consultation.title in client.get("/").get_data(as_text=True)
    hub = client.get(f"/decisions/{consultation.decision_id}")
    if hub.status_code == 200:  # the catalogue's hub page
        assert f"/consultations/{consultation.id}" in hub.get_data(as_text=True)
    from portal.sections import sections_for

    assert any(t == "consultation/_hub_section.html" for t, _ in sections_for("hub", consultation.decision))
    login(setup["resident"])
    me = client.get("/me").get_data(as_text=True)
    assert "ZJ-2026-" in me and "Awaiting review" in me
    app.config["CLOCK_NOW"] = consultation.closes_at + timedelta(days=1)
    assert consultation.title not in client.get("/").get_data(as_text=True)


def test_account_erasure_keeps_comments_anonymous(app, setup):
    from portal.consultation.sections import erase_comments, export_comments

    comment = svc.submit_comment(setup["consultation"], setup["resident"], {"text": "要保留的意见", "consent": True})
    assert export_comments(setup["resident"])[0]["tracking_number"] == comment.tracking_number
    erase_comments(setup["resident"])
    assert comment.author_id is None and comment.public_name == "匿名"

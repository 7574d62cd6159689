"""The search box in the header (issue 18, point 3): every public kind, grouped, with
portal.search's rules; the consultations list's own search and filters."""
from datetime import datetime

from portal.extensions import db

DRAFT = """第一章 总则
第一条 为了推进餐厨垃圾资源化利用，制定本办法。
第二条 鼓励居民使用可降解的垃圾袋。"""


def test_a_two_character_word_of_the_draft_finds_the_consultation(client, f):
    consultation = f.consultation(status="open", draft=DRAFT)
    hidden = f.consultation(status="draft", draft=DRAFT)
    db.session.commit()
    assert "降解" not in consultation.title
    html = client.get("/search?q=降解").text
    assert f'href="/consultations/{consultation.id}"' in html
    assert f'href="/consultations/{hidden.id}"' not in html  # not published yet
    assert 'id="kind-consultation"' in html
    # One character matches too; a run of characters must occur as such (its bigrams).
    assert f'href="/consultations/{consultation.id}"' in client.get("/search?q=餐").text
    assert f'href="/consultations/{consultation.id}"' in client.get("/search?q=餐厨垃圾").text
    assert f'href="/consultations/{consultation.id}"' not in client.get("/search?q=厨餐").text


def test_results_are_grouped_by_kind(app, client, f):
    unit = f.unit()
    f.catalogue(unit, year=2026, published_at=datetime(2026, 1, 20))
    item = f.decision(unit, title="青松区停车管理办法", status="drafting")
    unpublished_unit = f.unit()
    f.catalogue(unpublished_unit, year=2026)
    hidden_item = f.decision(unpublished_unit, title="青松区停车收费调整方案")
    meeting = f.meeting(unit, title="区政府常务会议审议停车管理办法")
    activity = f.open_activity(unit, title="停车管理指挥中心开放日")
    db.session.commit()
    html = client.get("/search?q=停车").text
    for heading in ("kind-decision", "kind-meeting", "kind-open_activity"):
        assert f'id="{heading}"' in html
    assert html.index("kind-decision") < html.index("kind-meeting") < html.index("kind-open_activity")
    assert f'href="/decisions/{item.id}"' in html and f'href="/decisions/{hidden_item.id}"' not in html
    assert f'href="/meetings/{meeting.id}"' in html and f'href="/open-days/{activity.id}"' in html
    # One kind, page by page.
    only = client.get("/search?q=停车&kind=meeting").text
    assert f'href="/meetings/{meeting.id}"' in only and "kind-decision" not in only


def test_a_published_report_is_found_by_its_decision(client, f, login):
    from portal.feedback.models import AdoptionReport

    unit = f.unit()
    f.catalogue(unit, year=2026, published_at=datetime(2026, 1, 20))
    item = f.decision(unit, title="青松区河道保洁管理规定", status="drafting")
    draft_item = f.decision(unit, title="青松区河道整治方案", status="drafting")
    db.session.add(AdoptionReport(decision_id=item.id, summary="感谢参与。", published_at=datetime(2026, 3, 1)))
    db.session.add(AdoptionReport(decision_id=draft_item.id, summary="尚未公布。"))
    db.session.commit()
    html = client.get("/search?q=河道").text
    assert f'href="/feedback/{item.id}"' in html and f'href="/feedback/{draft_item.id}"' not in html


def test_nothing_searchable_and_hostile_queries(client):
    assert client.get("/search?q=%E3%80%82%EF%BC%8C").status_code == 200  # punctuation only
    assert client.get("/search?q=" + "垃" * 500).status_code == 200
    assert client.get("/search?q=x&kind=nonsense&page=-3").status_code == 200


def test_the_consultations_list_has_its_own_search_and_filters(client, f):
    first = f.consultation(status="open", draft=DRAFT)
    other_unit = f.unit()
    second = f.consultation(f.decision(other_unit, status="drafting"), status="closed", draft=DRAFT)
    plain = f.consultation(status="open")
    db.session.commit()
    html = client.get("/consultations?q=降解").text
    assert f'/consultations/{first.id}"' in html and f'/consultations/{second.id}"' in html
    assert f'/consultations/{plain.id}"' not in html
    html = client.get(f"/consultations?q=降解&unit={other_unit.slug}").text
    assert f'/consultations/{second.id}"' in html and f'/consultations/{first.id}"' not in html
    html = client.get("/consultations?q=降解&show=open").text
    assert f'/consultations/{first.id}"' in html and f'/consultations/{second.id}"' not in html
    assert f'/consultations/{first.id}"' not in client.get("/consultations?unit=no-such-unit").text

"""Wording a Shanghai government website uses (issue 18, point 4), checked on the rendered pages."""
from datetime import datetime

from portal.extensions import db


def _public_item(f, **kw):
    unit = f.unit()
    f.catalogue(unit, year=2027, published_at=datetime(2027, 1, 20))
    item = f.decision(unit, year=2027, code="2027-01", planned_quarter=2, status="drafting", **kw)
    db.session.commit()
    return item


def test_an_item_shows_its_code_once_and_the_quarter_in_words(client, f):
    item = _public_item(f)
    html = client.get(f"/decisions/{item.id}").text
    assert "2027-01" in html and "2027-2027-01" not in html
    assert "2027年第二季度" in html
    assert "第二季度" in client.get(f"/catalogue/2027/{item.unit.slug}").text


def test_chinese_labels_take_a_full_width_colon_and_english_a_plain_one(client, f):
    unit = f.unit()
    f.catalogue(unit, year=2027, published_at=datetime(2027, 1, 20))
    item = f.decision(unit, year=2027, code="2027-02", status="postponed", status_reason="等待上位法修订")
    db.session.commit()
    assert "理由：等待上位法修订" in client.get(f"/decisions/{item.id}").text
    client.set_cookie("lang", "en")
    assert "Reason: 等待上位法修订" in client.get(f"/decisions/{item.id}").text


def test_a_chapter_is_commented_on_as_a_chapter(client, f):
    consultation = f.consultation(status="open")
    db.session.commit()
    html = client.get(f"/consultations/{consultation.id}").text
    assert "对本章提出意见" in html and "对本条提出意见" in html


def test_the_open_day_form_says_register_for_a_visit_not_create_an_account(app, client, f, login):
    app.config["CLOCK_NOW"] = datetime(2026, 7, 15, 10, 0)
    activity = f.open_activity()
    resident = f.resident()
    db.session.commit()
    login(resident)
    html = client.get(f"/open-days/{activity.id}").text
    main = html.split("<main", 1)[1]
    assert "提交报名" in main and "注册" not in main, main[main.find("注册") - 200:main.find("注册") + 50]


def test_the_feedback_rule_reads_as_the_regulation_does(client, f, login):
    login(f.staff())
    assert "应在决策出台后10个工作日内公布（出台当日不计入）" in client.get("/staff/feedback").text


def test_the_accessibility_statement_names_the_level_and_a_contact(app, client, f):
    district = f.unit(kind="district_government", phone="021-5970 0001", email="a11y@example.gov.cn")
    office = f.unit(phone="021-5970 0101")
    db.session.commit()
    html = client.get("/accessibility").text
    assert "WCAG" in html and "AA" in html and "axe-core" in html
    assert district.name in html and "021-5970 0001" in html and "mailto:a11y@example.gov.cn" in html
    app.config["ACCESSIBILITY_CONTACT_UNIT"] = office.slug
    assert "021-5970 0101" in client.get("/accessibility").text
    assert 'href="/accessibility"' in client.get("/").text  # linked from every page's footer


def test_a_chart_for_a_phone_has_type_as_large_as_the_text():
    import re

    from portal.charts import bar_chart_svg

    rows = [("第一条", 12), ("第二条", 3)]
    wide, narrow = bar_chart_svg("各条文意见数", rows), bar_chart_svg("各条文意见数", rows, narrow=True)
    assert 'width="800"' in wide and 'width="420"' in narrow
    sizes = [int(n) for n in re.findall(r"font-size:\s*(\d+)px", narrow)]
    assert sizes and min(sizes) >= 20


def test_no_space_between_chinese_and_numbers_in_the_catalog():
    """Issue 18.4: "网上意见12条", never "网上意见 12 条" — in every Chinese message, including those
    of features written after the wording pass."""
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[2] / "portal/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    cjk, value = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", r"(?:%\([a-z_]+\)s|\d+)"
    spaced = re.compile(rf"{cjk} {value}|{value} {cjk}")
    with po.open("rb") as handle:
        found = [m.string for m in read_po(handle) if m.id and isinstance(m.string, str) and spaced.search(m.string)]
    assert not found, found[:5]

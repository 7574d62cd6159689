"""The dashboard's access, charts and export; the yearly report for admins and the unit's staff."""
from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO

from openpyxl import load_workbook

from portal.extensions import db

from .conftest import YEAR, at


def test_dashboard_is_for_admins_only(world, client, f, login):
    assert client.get("/admin/compliance").status_code == 302
    login(f.staff(world.district))
    db.session.commit()
    for url in ("/admin/compliance", "/admin/compliance.xlsx", "/admin/compliance/chart-unit-comments.svg",
                f"/admin/compliance/district/{YEAR}"):
        assert client.get(url).status_code == 403, url


def test_dashboard_defaults_to_this_year_and_offers_years(app, world, client, f, login):
    login(f.admin())
    db.session.commit()
    html = client.get("/admin/compliance").get_data(as_text=True)
    assert "Compliance with the yearly targets, 2026" in html
    assert '<option value="2026" selected>' in html and '<option value="2025">' in html
    # An unusable year falls back to this year instead of failing.
    assert "yearly targets, 2026" in client.get("/admin/compliance?year=1066").get_data(as_text=True)
    at(app, datetime(2027, 2, 1, 9, 0))
    assert "yearly targets, 2027" in client.get("/admin/compliance").get_data(as_text=True)


def test_states_carry_a_text_marker_not_only_colour(world, client, f, login):
    login(f.admin())
    db.session.commit()
    html = client.get(f"/admin/compliance?year={YEAR}").get_data(as_text=True)
    badges = set(re.findall(r'state-(\w+)"><span aria-hidden="true">(.)</span> ([^<]+)</span>', html))
    assert {("met", "✓", "Met"), ("not_met", "✗", "Missed"), ("in_progress", "…", "On track")} <= badges


def test_charts_are_svg_without_script_with_their_values(world, client, f, login):
    login(f.admin())
    db.session.commit()
    html = client.get(f"/admin/compliance?year={YEAR}").get_data(as_text=True)
    assert f'src="/admin/compliance/chart-unit-comments.svg?year={YEAR}"' in html
    assert 'id="table-unit-comments"' in html and 'aria-describedby="table-unit-comments"' in html
    response = client.get(f"/admin/compliance/chart-unit-comments.svg?year={YEAR}")
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert "<script" not in svg
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1)
    assert f"{world.district.short_name}: 10" in desc and f"{world.bureau.short_name}: 4" in desc
    months = client.get(f"/admin/compliance/chart-month-meetings.svg?year={YEAR}").get_data(as_text=True)
    # Meetings held with representatives: February, May, June and September (one each), nothing else.
    values = [int(v) for v in re.findall(r": (\d+)", re.search(r"<desc[^>]*>(.*?)</desc>", months).group(1))]
    assert values == [0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0]
    assert client.get("/admin/compliance/chart-nothing.svg").status_code == 404


def test_xlsx_has_one_row_per_unit_with_the_page_figures(world, client, f, login):
    login(f.admin())
    db.session.commit()
    response = client.get(f"/admin/compliance.xlsx?year={YEAR}")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f'filename="compliance-{YEAR}.xlsx"' in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    heading = rows[0]
    by_unit = {row[0]: dict(zip(heading, row, strict=True)) for row in rows[1:]}
    assert set(by_unit) == {world.district.name, world.bureau.name}
    bureau = by_unit[world.bureau.name]
    assert (bureau["Consultations"], bureau["Shorter, without a reason"], bureau["Comments published"]) == (2, 1, 4)
    assert (bureau["Feedback on time"], bureau["Feedback late"], bureau["Feedback overdue"],
            bureau["Feedback still due"]) == (1, 1, 1, 1)
    assert bureau["Catalogue"] == "✗ Missed" and bureau["Open days or weeks"] == "✓ Met"
    district = by_unit[world.district.name]
    assert (district["Meetings counted"], district["Meetings held"], district["Meetings target"],
            district["Open days held"], district["Open activities held without a visitor checked in"]) == (3, 4, 3, 3, 1)
    assert (district["Comments published"], district["Comments awaiting moderation"]) == (10, 3)


def test_yearly_report_for_admins(world, client, f, login):
    login(f.admin())
    db.session.commit()
    html = client.get(f"/admin/compliance/bureau/{YEAR}").get_data(as_text=True)
    for heading in ("1. Catalogue of major administrative decisions", "2. Public consultation on draft decisions",
                    "3. Feedback on the adoption of comments", "4. Public representatives at decision meetings",
                    "5. Government open activities"):
        assert heading in html
    objects = world.objects
    assert f'href="/consultations/{objects["c_short_no_reason"].id}"' in html
    for key in ("f_on_time", "f_late", "f_overdue", "f_due"):
        assert f'href="/feedback/{objects[key].id}"' in html
    assert f'href="/feedback/{objects["f_2025"].id}"' not in html
    assert "1 drafts were opened for comment" not in html and "2 drafts were opened for comment" in html
    assert f'src="/admin/compliance/bureau/{YEAR}/chart-month-comments.svg"' in html
    assert client.get(f"/admin/compliance/nobody/{YEAR}").status_code == 404
    assert client.get("/admin/compliance/bureau/1999").status_code == 404


def test_yearly_report_xlsx(world, client, f, login):
    login(f.admin())
    db.session.commit()
    response = client.get(f"/admin/compliance/district/{YEAR}.xlsx")
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["Summary", "Catalogue", "Consultations", "Adoption feedback", "Meetings",
                               "Open activities"]
    assert book["Catalogue"].max_row == 1 + 3
    assert book["Consultations"].max_row == 1 + 2
    assert book["Meetings"].max_row == 1 + 6  # every 2026 meeting, held or not
    assert book["Open activities"].max_row == 1 + 5
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Meetings counted"] == 3 and summary["Catalogue"] == "✓ Met"


def test_staff_reach_their_own_units_report_only(world, client, f, login):
    login(f.staff(world.bureau))
    db.session.commit()
    for url in (f"/staff/compliance/bureau/{YEAR}", f"/staff/compliance/bureau/{YEAR}.xlsx",
                f"/staff/compliance/bureau/{YEAR}/chart-month-open-activities.svg"):
        assert client.get(url).status_code == 200, url
    html = client.get(f"/staff/compliance/bureau/{YEAR}").get_data(as_text=True)
    assert f'src="/staff/compliance/bureau/{YEAR}/chart-month-comments.svg"' in html
    assert f'href="/staff/compliance/bureau/{YEAR}.xlsx"' in html
    for url in (f"/staff/compliance/district/{YEAR}", f"/staff/compliance/district/{YEAR}.xlsx",
                f"/staff/compliance/district/{YEAR}/chart-month-comments.svg"):
        assert client.get(url).status_code == 403, url


def test_admin_start_page_links_to_the_dashboard(world, client, f, login):
    login(f.admin())
    db.session.commit()
    html = client.get("/admin").get_data(as_text=True)
    assert 'href="/admin/compliance?year=2026"' in html
    assert "Catalogue published by the deadline: 1" in html  # the bureau published late

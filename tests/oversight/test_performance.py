"""The dashboard is computed in a constant number of queries, from the counters: the number of
statements does not grow with the units, and the comment table is never read."""
from __future__ import annotations

from datetime import date, datetime

from portal.extensions import db
from portal.oversight import services as svc
from tests.querycount import count_queries

from .conftest import YEAR, activity, consultation, issue, meeting, publish_feedback


def _units_with_a_year(app, f, n: int) -> None:
    for i in range(n):
        unit = f.unit(kind="district_government" if i == 0 else "bureau")
        f.catalogue(unit, YEAR, published_at=datetime(2026, 3, 1 + i % 28, 9, 0))
        f.decision(unit, year=YEAR)
        consultation(f, unit, datetime(2026, 4, 1, 9, 0), 35, comments=1000 + i, pending=i)
        consultation(f, unit, datetime(2026, 6, 1, 9, 0), 20, reason="限期出台。" if i % 2 else "")
        meeting(f, unit, datetime(2026, 5, 12, 9, 0), recorded=bool(i % 2))
        meeting(f, unit, datetime(2026, 11, 12, 9, 0), selected=False)
        activity(f, unit, "open_day" if i % 2 else "open_week", datetime(2026, 6, 20, 9, 0))
        published = issue(f, unit, date(2026, 6, 1))
        publish_feedback(app, published, datetime(2026, 6, 5, 10, 0))
        issue(f, unit, date(2026, 9, 1))
    db.session.commit()


def _count(client, f, login, urls) -> dict[str, int]:
    counts = {}
    with count_queries() as counter:
        svc.compliance(YEAR)
    counts["service"] = counter.count
    for url in urls:
        db.session.expunge_all()
        with count_queries() as counter:
            assert client.get(url).status_code == 200, url
        counts[url] = counter.count
    return counts


URLS = [f"/admin/compliance?year={YEAR}", f"/admin/compliance.xlsx?year={YEAR}",
        f"/admin/compliance/chart-unit-comments.svg?year={YEAR}", "/admin"]


def test_query_count_does_not_grow_with_units(app, make_app, client, f, login):
    login(f.admin())
    _units_with_a_year(app, f, 3)
    few = _count(client, f, login, URLS)
    _units_with_a_year(app, f, 9)
    assert svc.compliance(YEAR).totals["units"] == 12
    many = _count(client, f, login, URLS)
    assert few == many, (few, many)
    assert few["service"] <= 12, few


def test_no_query_reads_the_comment_table(app, client, f, login):
    login(f.admin())
    _units_with_a_year(app, f, 2)
    unit_slug = svc.compliance(YEAR).units[0].unit.slug
    urls = [*URLS, f"/admin/compliance/chart-month-comments.svg?year={YEAR}",
            f"/admin/compliance/{unit_slug}/{YEAR}", f"/admin/compliance/{unit_slug}/{YEAR}.xlsx"]
    with count_queries() as counter:
        for url in urls:
            assert client.get(url).status_code == 200, url
    assert counter.count > 0
    assert not [s for s in counter.statements if "consultation_comment" in s]


def test_comment_figures_come_from_the_counters(app, f):
    """Comments counted row by row would be 0 here: the counters say 1,000,000."""
    unit = f.unit()
    consultation(f, unit, datetime(2026, 4, 1, 9, 0), 35, comments=999_990, pending=10)
    figures = svc.compliance(YEAR).of(unit.id).consultations
    assert (figures.comments, figures.pending) == (999_990, 10)

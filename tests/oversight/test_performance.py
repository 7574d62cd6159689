"""The dashboard is computed in a constant number of queries, from the counters: the number of
statements does not grow with the units, and the comment table is never read."""
from __future__ import annotations

from datetime import date, datetime, timedelta

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


def test_dashboard_of_20_units_and_a_million_comments_renders_in_under_a_second(app, client, f, login):
    """20 units, 500 consultations whose counters hold 1,000,000 comments, 400 decisions issued
    (half with their report), 200 meetings and 200 open activities: inserted in bulk."""
    import time

    from sqlalchemy import insert, select

    from portal.catalogue.models import DecisionItem
    from portal.consultation.models import Consultation
    from portal.feedback.models import AdoptionReport
    from portal.meetings.models import Meeting
    from portal.open_days.models import OpenActivity

    units = [f.unit(kind="district_government" if i == 0 else "bureau") for i in range(20)]
    items = [dict(unit_id=units[i % 20].id, year=YEAR, code=f"P-{i}", kind="other", title=f"事项{i}",
                  status="decided" if i < 400 else "consulting",
                  issue_date=date(2026, 1 + i % 9, 1 + i % 27) if i < 400 else None) for i in range(900)]
    db.session.execute(insert(DecisionItem), items)
    ids = db.session.scalars(select(DecisionItem.id).order_by(DecisionItem.id)).all()
    unit_of = dict(db.session.execute(select(DecisionItem.id, DecisionItem.unit_id)).all())
    db.session.execute(insert(AdoptionReport), [
        dict(decision_id=ids[i], published_at=datetime(2026, 1 + i % 9, 10), due_on=date(2026, 1 + i % 9, 12),
             version=1) for i in range(0, 400, 2)])
    db.session.execute(insert(Consultation), [
        dict(decision_id=ids[400 + i], unit_id=unit_of[ids[400 + i]], title=f"征求意见{i}",
             opens_at=datetime(2026, 1 + i % 11, 1, 9),
             closes_at=datetime(2026, 1 + i % 11, 1, 9) + timedelta(days=20 + i % 20),
             published_at=datetime(2026, 1, 1), comment_count=2000, pending_count=i % 3) for i in range(500)])
    db.session.execute(insert(Meeting), [
        dict(unit_id=units[i % 20].id, meeting_type="other", title=f"会议{i}", place="会议室",
             starts_at=datetime(2026, 1 + i % 9, 10, 9), signup_opens_at=datetime(2026, 1 + i % 9, 1, 9),
             signup_closes_at=datetime(2026, 1 + i % 9, 5, 9), withdrawal_cutoff=datetime(2026, 1 + i % 9, 8, 9),
             selection_method="review", selected_at=datetime(2026, 1 + i % 9, 6, 9) if i % 3 else None)
        for i in range(200)])
    db.session.execute(insert(OpenActivity), [
        dict(unit_id=units[i % 20].id, title=f"开放活动{i}", kind=("open_day", "open_week", "open_month")[i % 3],
             place="办公楼", registration_opens_at=datetime(2026, 1, 1), registration_closes_at=datetime(2026, 1, 20),
             starts_at=datetime(2026, 1 + i % 11, 12, 9), ends_at=datetime(2026, 1 + i % 11, 12, 11))
        for i in range(200)])
    login(f.admin())
    db.session.commit()
    assert svc.compliance(YEAR).totals["comments"] == 1_000_000
    client.get(f"/admin/compliance?year={YEAR}")  # warm up templates
    started = time.perf_counter()
    response = client.get(f"/admin/compliance?year={YEAR}")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert "1000000 comments published" in response.get_data(as_text=True)
    assert elapsed < 1.0, elapsed

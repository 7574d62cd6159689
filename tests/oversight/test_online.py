"""Online open activities (线上开放活动) count towards the open days when held (their last session
has ended, by the clock) and their summary published; check-ins play no part (issue 15, point 1).
Through the service at each boundary, then on the dashboard, the yearly assessment's evidence,
the XLSX export and the API."""
from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook

from portal.extensions import db
from portal.oversight import assessment
from portal.oversight import services as svc

from .conftest import NOW, YEAR, at, visit

URL = "https://live.example.gov.cn/room/1"


def online(f, unit, starts: datetime, *, sessions: int = 1, summary: datetime | None = None):
    """An online activity of ``sessions`` two-hour sessions a day apart from ``starts``, its summary
    published at ``summary`` (written directly: the service only publishes once it is over)."""
    activity = f.open_activity(unit, kind="online", place="", online_url=URL,
                               registration_opens_at=starts - timedelta(days=30),
                               registration_closes_at=starts - timedelta(days=1),
                               slots=[(starts + timedelta(days=d), starts + timedelta(days=d, hours=2), 100)
                                      for d in range(sessions)])
    if summary is not None:
        activity.summary_text = "本次线上开放活动通过在线直播进行，在线解答了网友提问。"
        activity.summary_published_at = summary
    db.session.commit()
    return activity


def _open_days(app, unit, moment: datetime = NOW):
    at(app, moment)
    return svc.compliance(YEAR).of(unit.id).open_days


def test_held_with_its_summary_published_it_counts_as_an_open_day(app, f):
    app.config["TARGET_OPEN_DAYS"] = 1
    unit = f.unit(kind="bureau")
    activity = online(f, unit, datetime(2026, 5, 18, 14, 0), summary=datetime(2026, 5, 20, 9, 0))
    figures = _open_days(app, unit, datetime(2026, 9, 15, 10, 0))
    assert (figures.open_days, figures.online, figures.awaiting_summary, figures.empty) == (1, 1, 0, 0)
    assert figures.counted_ids == [activity.id] and figures.state == svc.MET


def test_held_without_its_summary_published_it_does_not_count(app, f):
    app.config["TARGET_OPEN_DAYS"] = 1
    unit = f.unit(kind="bureau")
    activity = online(f, unit, datetime(2026, 5, 18, 14, 0))
    figures = _open_days(app, unit, datetime(2026, 9, 15, 10, 0))
    assert (figures.open_days, figures.online, figures.awaiting_summary, figures.scheduled) == (0, 0, 1, 0)
    assert figures.counted_ids == []
    # Its summary may still be published (as a meeting's record): within reach, never counted.
    assert figures.state == svc.ON_TRACK
    assert _open_days(app, unit, datetime(2027, 1, 5, 9, 0)).state == svc.NOT_MET
    # A summary dated after the moment looked at has not been published yet at that moment.
    activity.summary_published_at = datetime(2026, 9, 16, 9, 0)
    db.session.commit()
    assert _open_days(app, unit, datetime(2026, 9, 15, 10, 0)).open_days == 0
    assert _open_days(app, unit, datetime(2026, 9, 16, 9, 0)).open_days == 1


def test_held_means_its_last_session_has_ended_exactly_now_not_one_minute_later(app, f):
    """Two sessions (9 and 10 June, 14:00–16:00), the summary already there: on 10 June at 16:00
    it is held and counts; a minute earlier (the last session ends one minute later) it is still
    scheduled, although its first session is long over."""
    app.config["TARGET_OPEN_DAYS"] = 1
    unit = f.unit(kind="bureau")
    online(f, unit, datetime(2026, 6, 9, 14, 0), sessions=2, summary=datetime(2026, 6, 9, 17, 0))
    last_end = datetime(2026, 6, 10, 16, 0)
    figures = _open_days(app, unit, last_end)
    assert (figures.open_days, figures.online, figures.scheduled, figures.state) == (1, 1, 0, svc.MET)
    figures = _open_days(app, unit, last_end - timedelta(minutes=1))
    assert (figures.open_days, figures.online, figures.scheduled, figures.awaiting_summary) == (0, 0, 1, 0)


def test_check_ins_play_no_part(app, f):
    """Nobody checked in, it counts; a checked-in viewer does not make one without its summary count
    (nor is it an empty open day: it has no door)."""
    app.config["TARGET_OPEN_DAYS"] = 1
    unit = f.unit(kind="bureau")
    counted = online(f, unit, datetime(2026, 5, 18, 14, 0), summary=datetime(2026, 5, 20, 9, 0))
    visit(f, counted, checked_in=False)  # registered, never "checked in"
    other = f.unit(kind="bureau")
    not_counted = online(f, other, datetime(2026, 5, 18, 14, 0))
    visit(f, not_counted)  # a check-in written by hand: still no summary
    db.session.commit()
    first, second = _open_days(app, unit), _open_days(app, other)
    assert (first.open_days, first.online, first.empty) == (1, 1, 0)
    assert (second.open_days, second.online, second.empty, second.awaiting_summary) == (0, 0, 0, 1)


def test_a_scheduled_online_activity_counts_as_scheduled(app, f):
    """On 9 October: one in November keeps one open day within reach. Once held, its summary may
    still be published until the year is over (as a meeting's record); then the target is missed."""
    app.config["TARGET_OPEN_DAYS"] = 1
    unit = f.unit(kind="bureau")
    online(f, unit, datetime(2026, 11, 20, 14, 0))
    figures = _open_days(app, unit)
    assert (figures.scheduled, figures.open_days, figures.awaiting_summary) == (1, 0, 0)
    assert figures.state == svc.ON_TRACK
    bare = f.unit(kind="bureau")
    db.session.commit()
    assert _open_days(app, bare).state == svc.AT_RISK  # the same unit without it
    figures = _open_days(app, unit, datetime(2026, 12, 28, 9, 0))
    assert (figures.scheduled, figures.awaiting_summary, figures.state) == (0, 1, svc.ON_TRACK)
    assert _open_days(app, unit, datetime(2027, 1, 2, 9, 0)).state == svc.NOT_MET


# --- pages, evidence, export, API -----------------------------------------------------------------

def test_the_dashboard_shows_the_rule_and_the_uncounted_online_activity(app, world, client, f, login):
    online(f, world.bureau, datetime(2026, 5, 18, 14, 0))  # held, summary not published
    online(f, world.district, datetime(2026, 6, 18, 14, 0), summary=datetime(2026, 6, 20, 9, 0))
    login(f.admin())
    db.session.commit()
    html = client.get(f"/admin/compliance?year={YEAR}").get_data(as_text=True)
    rule = html[html.index('id="online-rule"'):]
    assert rule.startswith('id="online-rule">An online open activity counts as an open day when it was held '
                           "(its last session has ended) and its summary is published; check-ins play no part.")
    bureau = html[html.index('id="unit-bureau"'):]
    bureau = bureau[:bureau.index("</tr>")]
    assert "1 online, held, summary not published: not counted" in bureau
    district = html[html.index('id="unit-district"'):]
    district = district[:district.index("</tr>")]
    assert "Open days 4 of 3" in district and "of which 1 online, summary published" in district


def test_the_assessment_links_to_the_summary_and_the_export_lists_them(app, world, client, f, login):
    counted = online(f, world.district, datetime(2026, 6, 18, 14, 0), summary=datetime(2026, 6, 20, 9, 0))
    online(f, world.bureau, datetime(2026, 5, 18, 14, 0))
    at(app, datetime(2027, 2, 10, 10, 0))
    figures = assessment.snapshot(YEAR)
    district = next(u for u in figures["units"] if u["slug"] == "district")["targets"]["open_days"]
    assert {"title": counted.title, "path": f"/open-days/{counted.id}#summary"} in district["evidence"]
    assert (district["figures"]["open_days"], district["figures"]["online"]) == (4, 1)
    bureau = next(u for u in figures["units"] if u["slug"] == "bureau")["targets"]["open_days"]
    assert (bureau["figures"]["online"], bureau["figures"]["awaiting_summary"]) == (0, 1)

    login(f.admin())
    db.session.commit()
    assert client.post(f"/admin/oversight/{YEAR}", data={"note": ""}).status_code == 302
    data = client.get(f"/api/v1/oversight/{YEAR}").get_json()
    api_district = next(u for u in data["units"] if u["slug"] == "district")["targets"]["open_days"]
    assert f"/open-days/{counted.id}#summary" in [link["path"] for link in api_district["evidence"]]
    assert api_district["figures"]["online"] == 1
    html = client.get(f"/oversight/{YEAR}").get_data(as_text=True)
    assert f'href="/open-days/{counted.id}#summary"' in html
    # The public page the evidence links to shows the summary.
    page = client.get(f"/open-days/{counted.id}").get_data(as_text=True)
    assert 'id="summary"' in page and "在线解答了网友提问" in page

    sheet = load_workbook(BytesIO(client.get(f"/admin/compliance.xlsx?year={YEAR}").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    by_unit = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_unit[world.district.name]["Online activities counted (summary published)"] == 1
    assert by_unit[world.bureau.name]["Online activities held without a published summary"] == 1

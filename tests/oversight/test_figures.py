"""Every dashboard figure against the objects behind it, and the rules that turn figures into
met / not met / in progress."""
from __future__ import annotations

import re
from datetime import datetime

from portal.catalogue.models import YearlyCatalogue
from portal.extensions import db
from portal.feedback import deadlines as due_dates
from portal.oversight import services as svc

from .conftest import NOW, YEAR, at


def test_district_figures(world):
    u = svc.compliance(YEAR).of(world.district.id)
    assert (u.catalogue.published_on.isoformat(), u.catalogue.deadline.isoformat(), u.catalogue.item_count,
            u.catalogue.state) == ("2026-03-20", "2026-03-31", 3, svc.MET)
    c = u.consultations
    assert (c.total, c.long_enough, c.short_with_reason, c.short_without_reason, c.compliant, c.state) == \
        (2, 1, 1, 0, 2, svc.MET)
    assert (c.comments, c.pending) == (10, 3)
    fb = u.feedback
    assert (fb.issued, fb.on_time, fb.late, fb.overdue, fb.due, fb.provisional, fb.state) == (1, 1, 0, 0, 0, 0, svc.MET)
    m = u.meetings
    assert (m.target, m.held, m.recorded, m.counted, m.awaiting_record, m.unselected, m.scheduled, m.state) == \
        (3, 4, 3, 3, 1, 1, 1, svc.MET)
    o = u.open_days
    assert (o.open_days, o.open_weeks, o.empty, o.scheduled, o.state) == (3, 0, 1, 1, svc.MET)
    assert (u.met_count, u.not_met_count) == (5, 0)


def test_bureau_figures(world):
    u = svc.compliance(YEAR).of(world.bureau.id)
    assert (u.catalogue.published_on.isoformat(), u.catalogue.item_count, u.catalogue.state) == \
        ("2026-04-02", 1, svc.NOT_MET)
    c = u.consultations
    assert (c.total, c.long_enough, c.short_with_reason, c.short_without_reason, c.state) == (2, 1, 0, 1, svc.NOT_MET)
    assert (c.comments, c.pending) == (4, 0)
    fb = u.feedback
    assert (fb.issued, fb.on_time, fb.late, fb.overdue, fb.due, fb.state) == (4, 1, 1, 1, 1, svc.NOT_MET)
    m = u.meetings
    # 9 October: 84 days left, nothing held, one meeting scheduled: it covers the target.
    assert (m.target, m.held, m.scheduled, m.state) == (1, 0, 1, svc.ON_TRACK)
    o = u.open_days
    assert (o.open_days, o.open_weeks, o.state) == (0, 1, svc.MET)
    assert (u.met_count, u.not_met_count) == (1, 3)


def test_figures_agree_with_the_objects(world):
    """The same answers as the models and the feedback feature give, object by object."""
    overview = svc.compliance(YEAR)
    for unit in (world.district, world.bureau):
        figures = overview.of(unit.id)
        catalogue = db.session.query(YearlyCatalogue).filter_by(unit_id=unit.id, year=YEAR).one()
        assert figures.catalogue.on_time == catalogue.on_time
        assert figures.catalogue.deadline == catalogue.deadline
    consultations = {k: v for k, v in world.objects.items() if k.startswith("c_")}
    for key, consultation in consultations.items():
        db.session.refresh(consultation)
        expected = consultation.period_days >= 30 or bool(consultation.short_period_reason)
        assert expected == (key != "c_short_no_reason")
    listed = svc.compliance(YEAR, objects=True)
    states = {d.item.id: d for u in listed.units for d in u.feedback.deadlines}
    for unit in (world.district, world.bureau):  # the counts in SQL agree with the objects one by one
        counted, one_by_one = overview.of(unit.id).feedback, listed.of(unit.id).feedback.deadlines
        assert counted.issued == len(one_by_one)
        for state in ('on_time', 'late', 'due', 'overdue'):
            assert getattr(counted, state) == sum(1 for d in one_by_one if d.state == state)
    for key in ("f_district", "f_on_time", "f_late", "f_overdue", "f_due"):
        item = world.objects[key]
        public = due_dates.deadline_of(item)
        assert states[item.id].state == public.state == {"f_district": "on_time", "f_on_time": "on_time",
                                                         "f_late": "late", "f_overdue": "overdue",
                                                         "f_due": "due"}[key]
        assert states[item.id].due.day == public.due.day
    assert world.objects["f_2025"].id not in states


def _cell(html: str, slug: str, target: str) -> str:
    row = re.search(rf'<tr id="unit-{slug}">(.*?)</tr>', html, re.S).group(1)
    cell = re.search(rf'<td data-target="{target}">(.*?)</td>', row, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()


def test_dashboard_page_shows_the_figures(world, client, f, login):
    login(f.admin())
    html = client.get(f"/admin/compliance?year={YEAR}").get_data(as_text=True)
    assert _cell(html, "district", "catalogue") == \
        "✓ Met Published on 2026-03-20 Deadline 2026-03-31 3 items in the catalogue"
    assert _cell(html, "bureau", "catalogue") == \
        "✗ Missed Published on 2026-04-02 Deadline 2026-03-31 1 items in the catalogue"
    assert _cell(html, "district", "consultations") == \
        "✓ Met 2 of 2 ran 30 days or gave a reason 1 shorter with a reason"
    assert _cell(html, "bureau", "consultations") == \
        "✗ Missed 1 of 2 ran 30 days or gave a reason 1 shorter without a reason"
    assert _cell(html, "district", "comments") == "10 published 3 awaiting moderation"
    assert _cell(html, "bureau", "feedback") == \
        "✗ Missed 4 decisions issued On time 1 · late 1 · overdue 1 · still due 1"
    assert _cell(html, "district", "meetings") == \
        "✓ Met 3 counted of 3 1 held, record not published 1 held without representatives selected 1 scheduled"
    assert _cell(html, "bureau", "meetings") == "… On track 0 counted of 1 1 scheduled"
    assert _cell(html, "district", "open_days") == \
        "✓ Met Open days 3 of 3 Open weeks 0 of 1 1 held without a visitor checked in 1 scheduled"
    assert _cell(html, "bureau", "open_days") == "✓ Met Open days 0 of 3 Open weeks 1 of 1"
    # Links to the objects behind the figures: the public catalogue and the unit's yearly report.
    assert f'href="/catalogue/{YEAR}/district"' in html
    assert f'href="/admin/compliance/bureau/{YEAR}#feedback"' in html


def test_after_the_year_missing_meetings_are_not_met(app, world):
    at(app, datetime(2027, 1, 5, 9, 0))
    u = svc.compliance(YEAR).of(world.bureau.id)
    assert u.meetings.state == svc.NOT_MET
    assert u.open_days.state == svc.MET


def test_thresholds_are_settings(app, world):
    app.config.update(TARGET_MEETINGS_DISTRICT=4, TARGET_OPEN_DAYS=4, TARGET_OPEN_WEEKS=2,
                      CONSULTATION_MIN_DAYS=40, CATALOGUE_DEADLINE_MONTH_DAY="04-05", TARGET_MEETINGS_UNIT=0)
    overview = svc.compliance(YEAR)
    district, bureau = overview.of(world.district.id), overview.of(world.bureau.id)
    assert district.meetings.state == svc.IN_PROGRESS and district.meetings.target == 4
    assert district.open_days.state == svc.IN_PROGRESS  # 3 held and 1 scheduled cover the 4
    assert bureau.open_days.state == svc.AT_RISK  # 1 open week of 2, none scheduled, 84 days left
    c = district.consultations
    assert (c.long_enough, c.short_with_reason, c.short_without_reason, c.state) == (0, 1, 1, svc.NOT_MET)
    assert bureau.consultations.short_without_reason == 2
    assert bureau.catalogue.state == svc.MET
    assert bureau.meetings.state == svc.MET


def test_unpublished_catalogue_on_track_at_risk_30_days_before_the_deadline_then_missed(app, f):
    unit = f.unit()
    f.catalogue(unit, 2027)
    at(app, datetime(2027, 3, 1, 23, 0))  # 30 days before the deadline
    assert svc.compliance(2027).of(unit.id).catalogue.state == svc.ON_TRACK
    at(app, datetime(2027, 3, 2, 0, 0))  # 29 days before
    assert svc.compliance(2027).of(unit.id).catalogue.state == svc.AT_RISK
    at(app, datetime(2027, 3, 31, 23, 0))
    assert svc.compliance(2027).of(unit.id).catalogue.state == svc.AT_RISK
    app.config["OVERSIGHT_CATALOGUE_AT_RISK_DAYS"] = 0  # a setting
    assert svc.compliance(2027).of(unit.id).catalogue.state == svc.ON_TRACK
    at(app, datetime(2027, 4, 1, 8, 0))
    figures = svc.compliance(2027).of(unit.id).catalogue
    assert (figures.state, figures.published_on) == (svc.NOT_MET, None)


def test_feedback_still_due_is_in_progress_and_provisional_is_flagged(app, f):
    """Without a loaded working-day calendar every due date is provisional."""
    unit = f.unit()
    from .conftest import issue

    issue(f, unit, NOW.date())
    figures = svc.compliance(YEAR).of(unit.id).feedback
    assert (figures.due, figures.provisional, figures.state) == (1, 1, svc.IN_PROGRESS)


def test_a_unit_with_nothing_has_nothing_to_check(f):
    unit = f.unit()
    u = svc.compliance(YEAR).of(unit.id)
    assert u.consultations.state == svc.NOTHING and u.feedback.state == svc.NOTHING
    assert u.catalogue.state == svc.NOT_MET  # no catalogue at all, deadline passed

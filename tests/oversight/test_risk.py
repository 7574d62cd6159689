"""Risk before the deadline: met / on track / at risk / missed from what is counted, what is
scheduled and the time left, at each boundary (the thresholds are settings); and the counting rules
of the seeds (an unpublished meeting record and an empty open day do not count)."""
from __future__ import annotations

from datetime import date, datetime

from portal.extensions import db
from portal.oversight import services as svc

from .conftest import activity, at, issue, meeting, visit, visited

Y = 2026


def _meetings(app, unit, moment: datetime):
    at(app, moment)
    return svc.compliance(Y).of(unit.id).meetings


def test_nothing_held_nor_scheduled_is_at_risk_from_1_september_and_missed_from_18_december(app, f):
    unit = f.unit(kind="bureau")  # target 1 a year
    db.session.commit()
    assert _meetings(app, unit, datetime(2026, 8, 31, 23, 59)).state == svc.ON_TRACK  # 123 days left
    assert _meetings(app, unit, datetime(2026, 9, 1, 0, 0)).state == svc.AT_RISK      # 122 days left
    assert _meetings(app, unit, datetime(2026, 9, 15, 10, 0)).state == svc.AT_RISK    # mid-September
    assert _meetings(app, unit, datetime(2026, 12, 17, 12, 0)).state == svc.AT_RISK   # 15 days left
    assert _meetings(app, unit, datetime(2026, 12, 18, 0, 0)).state == svc.NOT_MET    # 14 days left: too late
    # 28 December: missed, not "in progress".
    assert _meetings(app, unit, datetime(2026, 12, 28, 9, 0)).state == svc.NOT_MET
    assert _meetings(app, unit, datetime(2027, 1, 2, 9, 0)).state == svc.NOT_MET


def test_a_scheduled_meeting_keeps_the_target_on_track_until_the_year_is_over(app, f):
    unit = f.unit(kind="bureau")
    meeting(f, unit, datetime(2026, 12, 30, 9, 0), selected=False)
    db.session.commit()
    assert _meetings(app, unit, datetime(2026, 9, 15, 10, 0)).state == svc.ON_TRACK
    assert _meetings(app, unit, datetime(2026, 12, 28, 9, 0)).state == svc.ON_TRACK
    # Held without representatives selected: it can never count.
    assert _meetings(app, unit, datetime(2026, 12, 31, 9, 0)).state == svc.NOT_MET


def test_the_thresholds_are_settings(app, f):
    unit = f.unit(kind="bureau")
    db.session.commit()
    app.config.update(OVERSIGHT_AT_RISK_DAYS_LEFT=60, OVERSIGHT_TOO_LATE_DAYS_LEFT=3)
    assert _meetings(app, unit, datetime(2026, 9, 15, 10, 0)).state == svc.ON_TRACK
    assert _meetings(app, unit, datetime(2026, 11, 2, 0, 0)).state == svc.AT_RISK    # 60 days left
    assert _meetings(app, unit, datetime(2026, 12, 28, 9, 0)).state == svc.AT_RISK   # 4 days left
    assert _meetings(app, unit, datetime(2026, 12, 29, 9, 0)).state == svc.NOT_MET   # 3 days left


def test_a_larger_target_is_at_risk_once_behind_its_share_of_the_year(app, f):
    """The district government's 3 meetings: behind once a third of the year has gone by with
    nothing held or scheduled (the share due by now, rounded down, reaches 1 on 3 May)."""
    district = f.unit(kind="district_government")
    db.session.commit()
    assert _meetings(app, district, datetime(2026, 5, 2, 12, 0)).state == svc.ON_TRACK
    assert _meetings(app, district, datetime(2026, 5, 3, 0, 0)).state == svc.AT_RISK
    meeting(f, district, datetime(2026, 6, 1, 9, 0), selected=False)
    db.session.commit()
    assert _meetings(app, district, datetime(2026, 5, 3, 0, 0)).state == svc.ON_TRACK


def test_a_meeting_counts_only_once_its_record_is_published(app, f):
    unit = f.unit(kind="bureau")
    held = meeting(f, unit, datetime(2026, 6, 10, 9, 0))  # representatives selected, no record
    db.session.commit()
    figures = _meetings(app, unit, datetime(2026, 9, 15, 10, 0))
    assert (figures.held, figures.counted, figures.awaiting_record) == (1, 0, 1)
    assert figures.state == svc.ON_TRACK  # its record may still be published
    assert _meetings(app, unit, datetime(2027, 1, 5, 9, 0)).state == svc.NOT_MET
    held.record_published_at = datetime(2026, 6, 20, 9, 0)
    db.session.commit()
    figures = _meetings(app, unit, datetime(2027, 1, 5, 9, 0))
    assert (figures.counted, figures.state) == (1, svc.MET)


def _open_days(app, unit, moment: datetime):
    at(app, moment)
    return svc.compliance(Y).of(unit.id).open_days


def test_an_open_day_counts_only_with_a_checked_in_visitor(app, f):
    app.config["TARGET_OPEN_DAYS"] = 1
    unit = f.unit(kind="bureau")
    empty = activity(f, unit, "open_day", datetime(2026, 5, 18, 9, 0))
    visit(f, empty, checked_in=False)  # registered but never came
    db.session.commit()
    figures = _open_days(app, unit, datetime(2026, 9, 15, 10, 0))
    assert (figures.open_days, figures.empty, figures.state) == (0, 1, svc.AT_RISK)
    visit(f, empty)  # one visitor checked in at the door
    db.session.commit()
    figures = _open_days(app, unit, datetime(2026, 9, 15, 10, 0))
    assert (figures.open_days, figures.empty, figures.state) == (1, 0, svc.MET)


def test_an_open_day_under_way_may_still_count(app, f):
    app.config["TARGET_OPEN_DAYS"] = 1
    unit = f.unit(kind="bureau")
    activity(f, unit, "open_day", datetime(2026, 12, 28, 9, 0))
    db.session.commit()
    assert _open_days(app, unit, datetime(2026, 12, 28, 10, 0)).state == svc.ON_TRACK  # 09:00–11:00
    assert _open_days(app, unit, datetime(2026, 12, 28, 11, 0)).state == svc.NOT_MET   # over, nobody came


def test_an_open_week_counts_when_each_of_its_days_had_a_visitor(app, f):
    unit = f.unit(kind="bureau")
    week = activity(f, unit, "open_week", datetime(2026, 9, 14, 9, 0), days=5)
    for day in (0, 1, 2, 4):  # nobody on Thursday
        visit(f, week, day)
    db.session.commit()
    figures = _open_days(app, unit, datetime(2026, 9, 16, 12, 0))  # Wednesday: so far so good
    assert (figures.scheduled_weeks, figures.open_weeks) == (1, 0) and figures.state == svc.ON_TRACK
    figures = _open_days(app, unit, datetime(2026, 9, 21, 9, 0))
    assert (figures.open_weeks, figures.empty, figures.state) == (0, 1, svc.AT_RISK)
    visit(f, week, 3)
    db.session.commit()
    figures = _open_days(app, unit, datetime(2026, 9, 21, 9, 0))
    assert (figures.open_weeks, figures.empty, figures.state) == (1, 0, svc.MET)


def test_open_days_missed_on_28_december_with_nothing_held(app, f):
    unit = f.unit(kind="bureau")
    visited(f, activity(f, unit, "open_day", datetime(2026, 5, 18, 9, 0)))  # 1 of 3
    db.session.commit()
    assert _open_days(app, unit, datetime(2026, 6, 1, 9, 0)).state == svc.ON_TRACK
    assert _open_days(app, unit, datetime(2026, 9, 15, 9, 0)).state == svc.AT_RISK
    assert _open_days(app, unit, datetime(2026, 12, 28, 9, 0)).state == svc.NOT_MET


def test_feedback_at_risk_when_a_report_is_due_within_3_working_days(app, f):
    from portal.calendar.services import add_working_days, sync_from_package

    sync_from_package([2026, 2027])
    unit = f.unit()
    issue(f, unit, date(2026, 11, 2))  # due on the 10th working day after: 16 November
    db.session.commit()
    due = add_working_days(date(2026, 11, 2), 10).day
    assert due == date(2026, 11, 16)

    def state_on(day):
        at(app, datetime.combine(day, datetime.min.time()).replace(hour=9))
        return svc.compliance(Y).of(unit.id).feedback

    assert state_on(date(2026, 11, 10)).state == svc.ON_TRACK   # 4 working days left
    figures = state_on(date(2026, 11, 11))                       # 3 working days left
    assert (figures.due, figures.due_soon, figures.state) == (1, 1, svc.AT_RISK)
    assert state_on(due).state == svc.AT_RISK                   # the due date itself: still due
    assert state_on(date(2026, 11, 17)).state == svc.NOT_MET    # the day after: overdue


def test_risks_come_first_for_staff_and_admins(app, f, client, login):
    unit = f.unit(kind="bureau", slug="late-bureau")
    staff = f.staff(unit)
    admin = f.admin()
    db.session.commit()
    at(app, datetime(2026, 9, 15, 10, 0))
    login(staff)
    html = client.get("/staff").get_data(as_text=True)
    risks = html.index('id="staff-risks-heading"')
    assert risks < html.index("Needs your attention")
    assert 'data-risk="meetings"' in html[risks:html.index("Needs your attention")]
    client.post("/logout")
    login(admin)
    html = client.get("/admin").get_data(as_text=True)
    assert 'id="risks-heading"' in html and 'data-unit="late-bureau"' in html
    html = client.get("/admin/compliance?year=2026").get_data(as_text=True)
    assert html.index('id="risks-heading"') < html.index('<table class="table table-bordered')
    assert '<span class="badge text-bg-warning state-at_risk"><span aria-hidden="true">!</span> At risk</span>' in html


def test_staff_lists_a_report_as_due_on_its_due_date_and_overdue_the_day_after(app, f):
    from portal.calendar.services import sync_from_package
    from portal.feedback import deadlines as due_dates

    sync_from_package([2026, 2027])
    unit = f.unit()
    item = issue(f, unit, date(2026, 11, 2))  # due 16 November
    db.session.commit()
    overdue, due = due_dates.urgent_items(unit.id, 10, date(2026, 11, 16))
    assert ([d.item.id for d in overdue], [d.item.id for d in due]) == ([], [item.id])
    assert due_dates.first_issue_date_still_due(date(2026, 11, 16)) == date(2026, 11, 2)
    overdue, due = due_dates.urgent_items(unit.id, 10, date(2026, 11, 17))
    assert ([d.item.id for d in overdue], [d.item.id for d in due]) == ([item.id], [])
    counts = due_dates.deadline_counts(due_dates.DecisionItem.unit_id == unit.id, today=date(2026, 11, 17))
    assert (counts[unit.id].due, counts[unit.id].overdue) == (0, 1)

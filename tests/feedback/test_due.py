"""Due dates in working days, provisional dates and the admins' warning, deadline states."""
from datetime import date, datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.feedback import deadlines as due_dates
from portal.feedback.models import CalendarWarning
from portal.notifications.models import InboxMessage
from tests.factories import issue
from tests.querycount import count_queries, recorded_writes


def test_due_date_counts_across_mid_autumn_and_national_day(app, calendar, world):
    # 2026-09-24 (Thu) is the last working day before Mid-Autumn (09-25..27) and National Day
    # (10-01..07). Counting from the next day: 09-28 1, 09-29 2, 09-30 3, [holidays], 10-08 4,
    # 10-09 5, 10-10 (Saturday, make-up working day) 6, 10-12 7, 10-13 8, 10-14 9, 10-15 10.
    issue(world["item"], date(2026, 9, 24))
    deadline = due_dates.deadline_of(world["item"])
    assert deadline.due.day == date(2026, 10, 15)
    assert not deadline.provisional
    # Today (2026-10-09): 10-10, 10-12..10-15 are left.
    assert deadline.state == "due" and deadline.days == 5


def test_issue_date_on_a_holiday_is_not_counted_either(app, calendar, world):
    issue(world["item"], date(2026, 9, 25))  # Friday, Mid-Autumn holiday
    assert due_dates.deadline_of(world["item"]).due.day == date(2026, 10, 15)


def test_due_date_setting_is_used(app, calendar, world):
    app.config["FEEDBACK_DUE_WORKING_DAYS"] = 3
    issue(world["item"], date(2026, 9, 24))
    assert due_dates.deadline_of(world["item"]).due.day == date(2026, 9, 30)


def test_december_decision_is_provisional_and_admins_are_warned_once(app, calendar, client, login, runner,
                                                                     world, f):
    app.config["CLOCK_NOW"] = datetime(2026, 12, 30, 9, 0)
    other_admin = f.admin()
    issue(world["item"], date(2026, 12, 28))
    deadline = due_dates.deadline_of(world["item"])
    assert deadline.provisional and deadline.due.day.year == 2027
    assert deadline.missing_years == {2027}
    # The weekend rule: 12-29, 12-30, 12-31, 01-01 (no schedule loaded for 2027), 01-04 ... 01-08, 01-11
    assert deadline.due.day == date(2027, 1, 11)

    db.session.commit()

    login(world["staff"])
    page = client.get("/staff/feedback")
    assert page.status_code == 200
    assert "2027-01-11" in page.text and "provisional" in page.text
    assert client.get(f"/feedback/{world['item'].id}").text.count("provisional") >= 1
    # The admin start page shows the warning as soon as a due date falls in 2027 (computed, not stored).
    login(world["admin"])
    admin_page = client.get("/admin")
    assert "2027" in admin_page.text and "working-day calendar is not loaded" in admin_page.text
    assert db.session.scalar(select(func.count()).select_from(CalendarWarning)) == 0

    # Admins are told once, by the daily job, however often it runs.
    for _run in range(2):
        assert runner.invoke(args=["feedback", "remind"]).exit_code == 0
    for admin in (world["admin"], other_admin):
        assert db.session.scalar(select(func.count()).select_from(InboxMessage).where(
            InboxMessage.account_id == admin.id, InboxMessage.kind == "feedback.calendar")) == 1
    assert db.session.scalars(select(CalendarWarning.year)).all() == [2027]
    assert "2027" in client.get("/admin").text


def test_feedback_pages_write_nothing_on_get(app, calendar, client, login, world):
    """Opening the staff pages with a provisional due date writes nothing: the warning rows and
    messages are the daily job's (two staff opening a page at once once collided on its key)."""
    app.config["CLOCK_NOW"] = datetime(2026, 12, 30, 9, 0)
    issue(world["item"], date(2026, 12, 28))
    db.session.commit()
    login(world["staff"])
    with recorded_writes() as writes:
        for url in ("/staff/feedback", f"/staff/feedback/decisions/{world['item'].id}", "/staff"):
            response = client.get(url)
            assert response.status_code == 200 and "provisional" in response.text
        login(world["admin"])
        assert "working-day calendar is not loaded" in client.get("/admin").text
    assert writes == []
    assert db.session.scalar(select(func.count()).select_from(CalendarWarning)) == 0


def test_no_warning_when_the_calendar_is_loaded(app, calendar, client, login, world):
    issue(world["item"], date(2026, 9, 24))
    login(world["staff"])
    client.get("/staff/feedback")
    assert db.session.scalar(select(func.count()).select_from(InboxMessage)) == 0
    login(world["admin"])
    assert "working-day calendar is not loaded" not in client.get("/admin").text


def test_public_list_states_and_pagination_without_n_plus_one(app, calendar, client, world, f):
    unit = world["unit"]
    due = issue(f.decision(unit, status="deliberating", kind="other", title="尚未到期"), date(2026, 9, 30))
    overdue = issue(f.decision(unit, status="deliberating", kind="other", title="已经逾期"), date(2026, 9, 10))
    f.decision(unit, status="deliberating", kind="other", title="还未出台")
    page = client.get("/feedback")
    assert page.status_code == 200
    # 09-30 → 10-08 1, 10-09 2, 10-10 (make-up Saturday) 3, 10-12..16 8, 10-19 9, 10-20 10;
    # from today (10-09): 10-10, 10-12..16, 10-19, 10-20 are left = 8.
    assert due_dates.deadline_of(due).due.day == date(2026, 10, 20)
    assert "尚未到期" in page.text and "Due in 8 working days" in page.text
    # 09-10 → 09-11 1, 09-14..18 6, 09-20 (make-up Sunday) 7, 09-21..23 10: due 09-23.
    assert due_dates.deadline_of(overdue).due.day == date(2026, 9, 23)
    # Past it: 09-24 1, [Mid-Autumn 09-25..27], 09-28..30 4, [National Day], 10-08 5, 10-09 6.
    assert '<span class="overdue">Overdue by 6 working days</span>' in page.text
    assert "还未出台" not in page.text
    assert due.id != overdue.id

    def queries():
        with count_queries() as counter:
            assert client.get("/feedback").status_code == 200
        return counter.count

    few = queries()
    for n in range(15):
        issue(f.decision(unit, status="deliberating", kind="other", title=f"事项{n}"), date(2026, 9, 1 + n))
    assert queries() == few


def test_a_year_is_warned_about_once_even_by_concurrent_callers(app):
    # The second insert (a concurrent caller that did not see the first row) is ignored, and the
    # transaction goes on.
    assert due_dates._insert_warning(2027) is True
    assert due_dates._insert_warning(2027) is False
    db.session.flush()
    assert db.session.scalars(select(CalendarWarning.year)).all() == [2027]

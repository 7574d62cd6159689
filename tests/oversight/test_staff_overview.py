"""The staff start page opens with the unit's overview: what needs attention now, and how the unit
stands against this year's targets."""
from __future__ import annotations

import re
from datetime import date, timedelta

from portal.extensions import db
from portal.notifications.services import notify

from .conftest import NOW, consultation, issue


def _overview(html: str) -> str:
    start = html.index('id="staff-overview-heading"')
    part = html[start:html.index("</section>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part))


def test_overview_of_the_units_work(app, client, f, login):
    from portal.calendar.services import sync_from_package

    sync_from_package()
    unit, other = f.unit(), f.unit()
    staff = f.staff(unit)
    closing = consultation(f, unit, NOW - timedelta(days=28), 31, pending=4)      # closes in 3 days
    consultation(f, unit, NOW - timedelta(days=5), 30, pending=2)                 # closes in 25 days
    consultation(f, other, NOW - timedelta(days=28), 31, pending=9)               # another unit
    overdue = issue(f, unit, date(2026, 8, 3))
    due = issue(f, unit, date(2026, 10, 9))
    issue(f, other, date(2026, 8, 3))
    notify(staff, "意见反馈即将到期", "请尽快公布。", link="/staff/feedback")
    f.open_activity(unit, registration_opens_at=NOW - timedelta(days=3), registration_closes_at=NOW + timedelta(days=5),
                    slots=[(NOW + timedelta(days=7), NOW + timedelta(days=7, hours=2), 10)])
    db.session.commit()
    login(staff)
    html = client.get("/staff").get_data(as_text=True)
    text = _overview(html)
    assert "Comments awaiting moderation: 6" in text
    assert "Consultations closing within 7 days: 1" in text and closing.title in text
    assert "Adoption feedback still due: 1, overdue: 1" in text
    assert overdue.title in text and due.title in text
    assert re.search(r"\d+ working days left", text) and re.search(r"\d+ working days past the due date", text)
    assert "Unread messages: 1" in text and "意见反馈即将到期" in text
    assert "Open activities to come: 1" in text and "0 confirmed, 0 waiting" in text
    assert f'href="/staff/compliance/{unit.slug}/2026"' in html
    assert "Adoption feedback on time ✗ Missed" in text
    # Risks first: the targets missed or at risk are listed before the day-to-day work.
    assert text.index("Yearly targets at risk or missed") < text.index("Needs your attention")
    # It reads as one page: the overview comes first, the features' own sections follow.
    assert html.index('id="staff-overview-heading"') < html.index('id="staff-consultations-heading"')


def test_closing_soon_is_a_setting(app, client, f, login):
    unit = f.unit()
    staff = f.staff(unit)
    consultation(f, unit, NOW - timedelta(days=20), 31)  # closes in 11 days
    db.session.commit()
    login(staff)
    assert "Consultations closing within 7 days: 0" in _overview(client.get("/staff").get_data(as_text=True))
    app.config["OVERSIGHT_CLOSING_SOON_DAYS"] = 14
    assert "Consultations closing within 14 days: 1" in _overview(client.get("/staff").get_data(as_text=True))


def test_admins_get_the_dashboard_instead(client, f, login):
    login(f.admin())
    db.session.commit()
    html = client.get("/staff").get_data(as_text=True)
    assert 'id="staff-overview-heading"' not in html

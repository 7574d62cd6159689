"""`flask --app portal oversight remind`: a turn to at risk or missed is told once to the unit's
staff and every admin (inbox and email); the monthly reminder goes out once a month."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.jobs import job_lock
from portal.notifications.models import InboxMessage, OutboxEmail
from portal.oversight import services as svc
from portal.oversight.models import TargetNotice
from portal.oversight.reminders import send_reminders

from .conftest import at, meeting


def _label(state: str) -> str:
    return f"{svc.STATE_MARKERS[svc.TargetState(state)]} {svc.TargetState.label_of(state)}"


AT_RISK, MISSED = "! ", "✗ "  # the text markers before each state's word (the words follow the locale)


def _inbox(account, kind):
    return db.session.scalars(select(InboxMessage).where(InboxMessage.account_id == account.id,
                                                         InboxMessage.kind == kind)
                              .order_by(InboxMessage.id)).all()


def _setup(f):
    unit = f.unit(kind="bureau", slug="quiet", short_name="安静局")
    staff, admin = f.staff(unit, email="staff@quiet.example.gov.cn"), f.admin(email="office@example.gov.cn")
    other_unit = f.unit(kind="bureau", slug="other")
    other = f.staff(other_unit)
    for published in (unit, other_unit):  # catalogues on time: only meetings and open days can turn
        f.catalogue(published, 2026, published_at=datetime(2026, 3, 20, 9, 0))
    db.session.commit()
    return unit, staff, admin, other


def test_a_turn_at_risk_is_told_once_to_the_units_staff_and_the_admins(app, f):
    unit, staff, admin, other = _setup(f)
    at(app, datetime(2026, 8, 31, 9, 0))  # meetings on track: nothing to tell
    send_reminders()
    assert _inbox(staff, "oversight.turn") == []
    at(app, datetime(2026, 9, 1, 9, 0))   # 122 days left: at risk
    send_reminders()
    told = _inbox(staff, "oversight.turn")
    assert len(told) == 1 and "安静局" in told[0].subject and AT_RISK in told[0].body
    assert str(svc.Target.label_of("meetings")) in told[0].body
    assert len(_inbox(admin, "oversight.turn")) == 1
    assert all("安静局" not in m.subject for m in _inbox(other, "oversight.turn"))  # only their own unit
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)
                             .where(OutboxEmail.to_address == "staff@quiet.example.gov.cn")) >= 1
    at(app, datetime(2026, 9, 2, 9, 0))   # still at risk the next day: not told again
    send_reminders()
    assert len(_inbox(staff, "oversight.turn")) == 1
    notice = db.session.scalar(select(TargetNotice).where(TargetNotice.unit_id == unit.id,
                                                          TargetNotice.target == "meetings"))
    assert notice.state == "at_risk"
    at(app, datetime(2026, 12, 18, 9, 0))  # turns missed: told once more
    send_reminders()
    assert len(_inbox(staff, "oversight.turn")) == 2 and MISSED in _inbox(staff, "oversight.turn")[-1].body


def test_a_target_that_recovers_and_turns_again_is_told_again(app, f):
    unit, staff, _admin, _other = _setup(f)
    at(app, datetime(2026, 9, 1, 9, 0))
    send_reminders()
    scheduled = meeting(f, unit, datetime(2026, 11, 20, 9, 0), selected=False)
    db.session.commit()
    at(app, datetime(2026, 9, 10, 9, 0))  # on track again (recorded silently)
    send_reminders()
    assert len(_inbox(staff, "oversight.turn")) == 1
    db.session.delete(scheduled)  # the meeting is cancelled
    db.session.commit()
    at(app, datetime(2026, 9, 20, 9, 0))
    send_reminders()
    assert len(_inbox(staff, "oversight.turn")) == 2


def test_the_monthly_reminder_goes_out_once_a_month(app, f):
    unit, staff, admin, _other = _setup(f)
    at(app, datetime(2026, 10, 1, 8, 20))
    assert send_reminders()["monthly"] >= 1
    at(app, datetime(2026, 10, 31, 8, 20))
    assert send_reminders()["monthly"] == 0
    monthly = _inbox(staff, "oversight.monthly")
    assert len(monthly) == 1 and "2026-10-01" in monthly[0].body
    # Risks first in the reminder.
    body = monthly[0].body
    assert body.index(AT_RISK) < body.index(str(svc.TargetState.label_of("nothing")))
    assert len(_inbox(admin, "oversight.monthly")) == 1 and "安静局" not in _inbox(admin, "oversight.monthly")[0].subject
    at(app, datetime(2026, 11, 1, 8, 20))
    send_reminders()
    assert len(_inbox(staff, "oversight.monthly")) == 2


def test_the_command_sends_and_commits_and_takes_its_lock(app, f, runner):
    _unit, staff, _admin, _other = _setup(f)
    at(app, datetime(2026, 9, 15, 9, 0))
    result = runner.invoke(args=["oversight", "remind"])
    assert result.exit_code == 0 and "targets turned: 2" in result.output  # both bureaus
    db.session.rollback()
    assert len(_inbox(staff, "oversight.turn")) == 1
    with job_lock("oversight-remind"):
        assert "skipped" in runner.invoke(args=["oversight", "remind"]).output

from datetime import datetime

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.errors import RuleViolation
from portal.extensions import db
from portal.meetings import selection as sel
from portal.meetings import services as svc

from .helpers import AFTER_CUTOFF, AFTER_MEETING, AFTER_SIGNUP, DURING_SIGNUP, inbox, set_now


@pytest.fixture
def drawn(app, f):
    set_now(app, DURING_SIGNUP)
    unit = f.unit()
    meeting = f.meeting(unit, seats={"citizen": 2})
    for _ in range(5):
        f.meeting_application(meeting)
    staff = f.staff(unit)
    set_now(app, AFTER_SIGNUP)
    sel.run_lottery(staff, meeting, "03 08 14 21 27 30 + 11", "cwl.gov.cn")
    db.session.commit()
    apps = sel.applications_of(meeting)
    selected = sorted((a for a in apps if a.status == "selected"), key=lambda a: a.draw_rank)
    alternates = sorted((a for a in apps if a.status == "alternate"), key=lambda a: a.alternate_position)
    return {"meeting": meeting, "selected": selected, "alternates": alternates}


def test_withdrawal_before_cutoff_promotes_the_first_alternate(app, client, login, drawn):
    meeting, leaving, first = drawn["meeting"], drawn["selected"][0], drawn["alternates"][0]
    login(leaving.account)
    assert client.post(f"/meetings/{meeting.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert leaving.status == "withdrawn" and leaving.withdrawn_from == "selected"
    assert first.status == "selected" and first.promoted_at is not None
    assert drawn["alternates"][1].status == "alternate"
    assert meeting.seats[2].taken == 2
    message = inbox(first.account)[-1]
    # Sent during the resident's request, so in the page's language (zh_CN by default).
    assert ("seat" in message.subject or "名额" in message.subject) and first.application_number in message.body
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "promoted from alternate no. 1" in html or "候补" in html
    api = client.get(f"/api/v1/meetings/{meeting.id}").get_json()
    assert {r["number"] for r in api["representatives"]} == {drawn["selected"][1].application_number,
                                                              first.application_number}
    # The published draw itself does not change.
    assert api["lottery"]["categories"][0]["selected"] == [a.application_number for a in drawn["selected"]]


def test_withdrawal_after_cutoff_leaves_the_seat_empty(app, drawn):
    meeting, leaving = drawn["meeting"], drawn["selected"][0]
    set_now(app, AFTER_CUTOFF)
    promoted = svc.withdraw(leaving, leaving.account)
    db.session.commit()
    assert promoted is None
    assert all(a.status == "alternate" for a in drawn["alternates"])
    assert meeting.seats[2].taken == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.withdraw"))
    assert entry.after == {"status": "withdrawn", "after_cutoff": True, "promoted": None}
    assert "139" not in str(entry.after) and (leaving.id_last4 or "") not in str(entry.after)


def test_no_alternate_left_leaves_the_seat_empty(app, drawn):
    for alternate in drawn["alternates"]:
        svc.withdraw(alternate, alternate.account)
    leaving = drawn["selected"][0]
    assert svc.withdraw(leaving, leaving.account) is None
    assert drawn["meeting"].seats[2].taken == 1


def test_two_withdrawals_promote_two_alternates_in_order(app, drawn):
    first, second = drawn["alternates"][:2]
    assert svc.withdraw(drawn["selected"][0], drawn["selected"][0].account).id == first.id
    assert svc.withdraw(drawn["selected"][1], drawn["selected"][1].account).id == second.id
    assert drawn["meeting"].seats[2].taken == 2


def test_no_withdrawal_once_the_meeting_started_or_twice(app, drawn):
    leaving = drawn["selected"][0]
    svc.withdraw(leaving, leaving.account)
    with pytest.raises(RuleViolation):
        svc.withdraw(leaving, leaving.account)
    set_now(app, AFTER_MEETING)
    other = drawn["selected"][1]
    with pytest.raises(RuleViolation, match="started"):
        svc.withdraw(other, other.account)


def test_only_the_applicant_can_withdraw(app, client, login, f, drawn):
    login(f.resident())
    db.session.commit()
    assert client.post(f"/meetings/{drawn['meeting'].id}/withdraw").status_code == 404
    with pytest.raises(RuleViolation):
        svc.withdraw(drawn["selected"][0], drawn["selected"][1].account)


@pytest.mark.parametrize("moment, allowed", [(datetime(2026, 3, 15, 8, 59), True), (datetime(2026, 3, 15, 9, 0), False)])
def test_can_withdraw_is_one_rule_for_the_service_and_the_page(app, client, login, drawn, moment, allowed):
    """``MeetingApplication.can_withdraw(now)``: until the meeting starts (15 March 09:00)."""
    meeting, representative = drawn["meeting"], drawn["selected"][0]
    set_now(app, moment)
    assert representative.can_withdraw(moment) is allowed
    login(representative.account)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert (f"/meetings/{meeting.id}/withdraw" in page) is allowed
    # After the cut-off the page warns that the seat stays empty.
    assert representative.withdrawal_leaves_seat_empty(moment)
    response = client.post(f"/meetings/{meeting.id}/withdraw")
    assert response.status_code == 302
    db.session.expire_all()
    assert (representative.status == "withdrawn") is allowed


def test_applications_out_of_play_cannot_be_withdrawn(app, f):
    set_now(app, DURING_SIGNUP)
    meeting = f.meeting()
    for status in ("not_selected", "withdrawn", "ineligible"):
        application = f.meeting_application(meeting, status=status, decision_reason="理由")
        assert not application.can_withdraw(DURING_SIGNUP)
        with pytest.raises(RuleViolation, match="cannot be withdrawn"):
            svc.withdraw(application, application.account)

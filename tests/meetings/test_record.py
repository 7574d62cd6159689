import pytest
from flask import render_template

from portal.errors import RuleViolation, UserInputError
from portal.extensions import db
from portal.meetings import record as rec
from portal.meetings import selection as sel
from portal.meetings.sections import hub_meetings

from .helpers import AFTER_MEETING, AFTER_SIGNUP, DURING_SIGNUP, inbox, set_now


@pytest.fixture
def held(app, f):
    set_now(app, DURING_SIGNUP)
    unit = f.unit()
    item = f.decision(unit, title="关于老旧小区加装电梯的实施意见")
    meeting = f.meeting(unit, seats={"citizen": 2}, selection_method="review", decisions=[item])
    apps = [f.meeting_application(meeting, f.resident(name=name)) for name in ("李文静", "王建国")]
    staff = f.staff(unit)
    set_now(app, AFTER_SIGNUP)
    for a in apps:
        sel.decide(staff, a, "selected", "利害关系人")
    sel.publish_selection(staff, meeting)
    db.session.commit()
    return {"meeting": meeting, "staff": staff, "apps": apps, "item": item}


def test_record_waits_for_the_meeting(app, held):
    with pytest.raises(RuleViolation, match="started"):
        rec.record_representative(held["staff"], held["apps"][0], {"attended": True})


@pytest.mark.parametrize("adoption", ["partly", "not_adopted"])
def test_reason_required_when_not_or_partly_adopted(app, held, adoption):
    set_now(app, AFTER_MEETING)
    with pytest.raises(UserInputError) as error:
        rec.record_representative(held["staff"], held["apps"][0], {
            "attended": True, "opinion": "建议", "response": "回应", "adoption": adoption})
    assert error.value.field == "adoption_reason"


def test_opinions_need_response_and_adoption(app, held):
    set_now(app, AFTER_MEETING)
    with pytest.raises(UserInputError) as error:
        rec.record_representative(held["staff"], held["apps"][0], {"attended": True, "opinion": "建议"})
    assert error.value.field == "response"
    with pytest.raises(UserInputError) as error:
        rec.record_representative(held["staff"], held["apps"][0],
                                  {"attended": True, "opinion": "建议", "response": "回应"})
    assert error.value.field == "adoption"


def test_record_form_shows_errors_and_keeps_input(app, client, login, held):
    set_now(app, AFTER_MEETING)
    login(held["staff"])
    url = f"/staff/meetings/{held['meeting'].id}/representatives/{held['apps'][0].id}"
    response = client.post(url, data={"attended": "yes", "opinion": "增设无障碍坡道", "response": "部分采纳",
                                      "adoption": "partly", "adoption_reason": ""})
    assert response.status_code == 422
    assert "增设无障碍坡道" in response.get_data(as_text=True)


def test_publishing_needs_outcome_and_attendance(app, held):
    set_now(app, AFTER_MEETING)
    staff, meeting = held["staff"], held["meeting"]
    with pytest.raises(RuleViolation, match="outcome"):
        rec.publish_record(staff, meeting)
    rec.update_outcome(staff, meeting, "会议原则通过。")
    with pytest.raises(RuleViolation, match="attendance"):
        rec.publish_record(staff, meeting)


def _complete_record(app, client, login, held):
    set_now(app, AFTER_MEETING)
    login(held["staff"])
    meeting, apps = held["meeting"], held["apps"]
    base = f"/staff/meetings/{meeting.id}"
    assert client.post(f"{base}/representatives/{apps[0].id}", data={
        "attended": "yes", "opinion": "建议增设无障碍坡道", "response": "已纳入实施方案",
        "adoption": "partly", "adoption_reason": "受楼道宽度限制，部分楼栋无法实施"}).status_code == 302
    assert client.post(f"{base}/representatives/{apps[1].id}", data={"attended": "no"}).status_code == 302
    assert client.post(f"{base}/record", data={"outcome": "会议原则通过实施意见。"}).status_code == 302
    assert client.post(f"{base}/publish-record").status_code == 302
    db.session.expire_all()


def test_published_record_on_meeting_page_and_notified(app, client, login, held):
    _complete_record(app, client, login, held)
    meeting, apps = held["meeting"], held["apps"]
    assert meeting.record_published_at is not None
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "建议增设无障碍坡道" in html and "受楼道宽度限制" in html and "会议原则通过实施意见。" in html
    assert "李**" in html and "李文静" not in html
    for a in apps:
        assert "Feedback" in inbox(a.account)[-1].subject or "反馈" in inbox(a.account)[-1].subject
    assert "已纳入实施方案" in inbox(apps[0].account)[-1].body
    with pytest.raises(RuleViolation):
        rec.update_outcome(held["staff"], meeting, "改")


def test_record_appears_on_the_item_hub(app, client, login, held):
    _complete_record(app, client, login, held)
    item = held["item"]
    context = hub_meetings(item)
    with app.test_request_context():
        html = render_template("meetings/_hub_section.html", context=context)
    assert held["meeting"].title in html and "建议增设无障碍坡道" in html and "会议原则通过实施意见。" in html
    # Through the catalogue's hub page as well, once the catalogue feature provides it.
    if "catalogue.hub" in app.view_functions:
        client.post("/auth/logout")
        response = client.get(f"/decisions/{item.id}")
        assert response.status_code == 200
        assert "建议增设无障碍坡道" in response.get_data(as_text=True)


def test_hub_loader_returns_none_without_meeting(app, f):
    assert hub_meetings(f.decision()) is None

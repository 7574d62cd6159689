import pytest

from portal.errors import RuleViolation, UserInputError
from portal.extensions import db
from portal.meetings import selection as sel

from .helpers import AFTER_SIGNUP, DURING_SIGNUP, inbox, set_now


@pytest.fixture
def review(app, f):
    set_now(app, DURING_SIGNUP)
    unit = f.unit()
    meeting = f.meeting(unit, seats={"citizen": 1, "stakeholder": 1}, selection_method="review")
    apps = [f.meeting_application(meeting) for _ in range(3)]
    db.session.commit()
    set_now(app, AFTER_SIGNUP)
    return {"meeting": meeting, "staff": f.staff(unit), "apps": apps}


def test_staff_decide_with_reasons_through_the_form(app, client, login, review):
    meeting, staff, apps = review["meeting"], review["staff"], review["apps"]
    login(staff)
    url = f"/staff/meetings/{meeting.id}/applications/{apps[0].id}"
    response = client.post(url, data={"decision": "selected", "reason": ""})
    assert response.status_code == 422
    response = client.post(url, data={"decision": "selected", "reason": "直接利害关系人"})
    assert response.status_code == 302
    db.session.expire_all()
    assert apps[0].status == "selected" and apps[0].decision_reason == "直接利害关系人"


def test_reason_is_required_by_the_service(app, review):
    with pytest.raises(UserInputError) as error:
        sel.decide(review["staff"], review["apps"][0], "not_selected", "  ")
    assert error.value.field == "reason"


def test_seats_cannot_be_exceeded(app, review):
    staff, apps = review["staff"], review["apps"]
    sel.decide(staff, apps[0], "selected", "理由一")
    with pytest.raises(RuleViolation, match="seats"):
        sel.decide(staff, apps[1], "selected", "理由二")
    # Moving the first one out frees the seat.
    sel.decide(staff, apps[0], "alternate", "改为候补")
    sel.decide(staff, apps[1], "selected", "理由二")
    assert review["meeting"].seats[2].taken == 1


def test_alternates_are_ordered(app, review):
    staff, apps = review["staff"], review["apps"]
    sel.decide(staff, apps[2], "alternate", "第一候补")
    sel.decide(staff, apps[0], "alternate", "第二候补")
    assert (apps[2].alternate_position, apps[0].alternate_position) == (1, 2)


def test_no_decision_before_signup_closes(app, review):
    set_now(app, DURING_SIGNUP)
    with pytest.raises(RuleViolation, match="sign-up closes"):
        sel.decide(review["staff"], review["apps"][0], "selected", "理由")


def test_publishing_needs_every_decision_and_notifies_everyone(app, review):
    staff, apps, meeting = review["staff"], review["apps"], review["meeting"]
    sel.decide(staff, apps[0], "selected", "直接利害关系人")
    sel.decide(staff, apps[1], "alternate", "名额已满")
    with pytest.raises(RuleViolation, match="1 applications"):
        sel.publish_selection(staff, meeting)
    sel.decide(staff, apps[2], "not_selected", "与议题关联不足")
    sel.publish_selection(staff, meeting)
    db.session.commit()
    assert meeting.selected_at is not None
    assert "selected" in inbox(apps[0].account)[-1].subject
    assert "no. 1" in inbox(apps[1].account)[-1].body
    assert "与议题关联不足" in inbox(apps[2].account)[-1].body
    with pytest.raises(RuleViolation):
        sel.decide(staff, apps[2], "selected", "改判")


def test_review_result_page_lists_masked_names_by_category(app, client, f, review):
    staff, apps, meeting = review["staff"], review["apps"], review["meeting"]
    apps[0].name = "王建国"
    sel.decide(staff, apps[0], "selected", "理由")
    for a in apps[1:]:
        sel.decide(staff, a, "not_selected", "理由")
    sel.publish_selection(staff, meeting)
    db.session.commit()
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "王**" in html and "王建国" not in html

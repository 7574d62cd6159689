import hashlib
import re

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.errors import RuleViolation
from portal.extensions import db
from portal.meetings import services as svc
from portal.meetings.models import MeetingApplication

from .helpers import AFTER_SIGNUP, DURING_SIGNUP, inbox, set_now


def independent_draw(seed, numbers, seats):
    """The published method, written again from the page's description (not imported)."""
    keyed = sorted((hashlib.sha256((seed + ":" + n).encode("utf-8")).hexdigest(), n) for n in numbers)
    order = [n for _key, n in keyed]
    return order[:seats], order[seats:]


@pytest.fixture
def lottery_meeting(app, f):
    set_now(app, DURING_SIGNUP)
    unit = f.unit()
    meeting = f.meeting(unit, seats={"citizen": 2, "enterprise": 1})
    people = {}
    for i in range(5):
        account = f.resident(name=f"市民{i}号")
        people[f.meeting_application(meeting, account).application_number] = account
    for i in range(3):
        account = f.resident(name=f"企业{i}号")
        people[f.meeting_application(meeting, account, category="enterprise",
                                     organisation="青松公司").application_number] = account
    withdrawn = f.meeting_application(meeting, status="withdrawn", withdrawn_from="pending")
    db.session.commit()
    return {"meeting": meeting, "staff": f.staff(unit), "people": people, "withdrawn": withdrawn}


def test_seed_cannot_be_announced_while_sign_up_is_open(app, lottery_meeting):
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    with pytest.raises(RuleViolation, match="after sign-up has closed"):
        svc.announce_seed(staff, meeting, "early")
    assert meeting.lottery_seed is None


def test_seed_is_announced_publicly_and_cannot_change(app, client, login, lottery_meeting):
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    set_now(app, AFTER_SIGNUP)
    login(staff)
    response = client.post(f"/staff/meetings/{meeting.id}/seed", data={"seed": "2026-03-10 福彩3D 第2026060期 517"})
    assert response.status_code == 302
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "2026-03-10 福彩3D 第2026060期 517" in page
    assert "2026-03-11 09:00" in page  # the time it was announced
    response = client.post(f"/staff/meetings/{meeting.id}/seed", data={"seed": "another"})
    assert response.status_code == 422
    db.session.expire_all()
    assert meeting.lottery_seed == "2026-03-10 福彩3D 第2026060期 517"
    with pytest.raises(RuleViolation):
        svc.announce_seed(staff, meeting, "again")


def test_empty_seed_gets_a_random_one(app, lottery_meeting):
    meeting = lottery_meeting["meeting"]
    set_now(app, AFTER_SIGNUP)
    svc.announce_seed(lottery_meeting["staff"], meeting, "")
    assert re.fullmatch(r"[0-9a-f]{32}", meeting.lottery_seed)


def test_no_draw_before_signup_closes_or_without_seed(app, lottery_meeting):
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    set_now(app, AFTER_SIGNUP)
    with pytest.raises(RuleViolation, match="seed"):
        svc.run_lottery(staff, meeting)
    set_now(app, DURING_SIGNUP)
    with pytest.raises(RuleViolation, match="sign-up closes"):
        svc.run_lottery(staff, meeting)
    assert meeting.selected_at is None


def test_draw_is_reproducible_from_the_published_seed_and_list(app, client, login, lottery_meeting):
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    login(staff)
    set_now(app, AFTER_SIGNUP)
    client.post(f"/staff/meetings/{meeting.id}/seed", data={"seed": "青松-20260310"})
    assert client.post(f"/staff/meetings/{meeting.id}/draw").status_code == 302

    data = client.get(f"/api/v1/meetings/{meeting.id}").get_json()
    lottery = data["lottery"]
    assert lottery["seed"] == "青松-20260310" and lottery["seed_announced_at"] == "2026-03-11T09:00:00"
    categories = {c["category"]: c for c in lottery["categories"]}
    assert set(categories) == {"citizen", "enterprise"}
    withdrawn = lottery_meeting["withdrawn"].application_number
    for category in categories.values():
        numbers = [entry["number"] for entry in category["input"]]
        assert withdrawn not in numbers
        assert all(entry["name"].endswith("**") for entry in category["input"])
        selected, alternates = independent_draw(lottery["seed"], numbers, category["seats"])
        assert category["selected"] == selected
        assert category["alternates"] == alternates
    assert len(categories["citizen"]["input"]) == 5 and len(categories["citizen"]["selected"]) == 2

    # The HTML page publishes the same input list and result.
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    for category in categories.values():
        block = re.search(r'class="small lottery-result" data-category="%s">(.*?)</ol>' % category["category"],
                          html, re.S).group(1)
        assert re.findall(r'class="app-number">([^<]+)<', block) == category["selected"] + category["alternates"]
        block = re.search(r'class="small lottery-input" data-category="%s">(.*?)</ol>' % category["category"],
                          html, re.S).group(1)
        assert re.findall(r'class="app-number">([^<]+)<', block) == [e["number"] for e in category["input"]]
    assert "hashlib.sha256" in html  # the re-runnable snippet


def test_every_applicant_is_told_the_outcome(app, lottery_meeting):
    meeting, staff, people = lottery_meeting["meeting"], lottery_meeting["staff"], lottery_meeting["people"]
    set_now(app, AFTER_SIGNUP)
    svc.announce_seed(staff, meeting, "seed-x")
    results = svc.run_lottery(staff, meeting)
    db.session.commit()
    for result in results.values():
        for number in result.selected:
            assert "selected" in inbox(people[number])[-1].subject
        for position, number in enumerate(result.alternates, start=1):
            message = inbox(people[number])[-1]
            assert "alternate" in message.subject and f"no. {position}" in message.body
    rows = db.session.scalars(select(MeetingApplication).where(MeetingApplication.meeting_id == meeting.id)).all()
    assert sorted(r.status for r in rows) == sorted(["selected"] * 3 + ["alternate"] * 5 + ["withdrawn"])
    seats = {s.category: s.taken for s in meeting.seats}
    assert seats["citizen"] == 2 and seats["enterprise"] == 1
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.lottery_draw"))
    assert audit.after["seed"] == "seed-x"


def test_second_draw_is_refused(app, lottery_meeting):
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    set_now(app, AFTER_SIGNUP)
    svc.announce_seed(staff, meeting, "s")
    svc.run_lottery(staff, meeting)
    with pytest.raises(RuleViolation):
        svc.run_lottery(staff, meeting)


def test_lottery_module_matches_its_documented_snippet():
    from portal.meetings import lottery

    namespace: dict = {}
    exec(lottery.SNIPPET, namespace)
    numbers = [f"M3-{i:04d}" for i in range(1, 12)]
    selected, alternates = namespace["draw"]("abc", numbers, 4)
    result = lottery.draw("abc", numbers, 4)
    assert (result.selected, result.alternates) == (selected, alternates)
    assert (selected, alternates) == independent_draw("abc", numbers, 4)
    assert lottery.draw("abd", numbers, 4).selected != selected

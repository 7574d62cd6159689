"""The public lottery that staff cannot steer (issue 12, point 2): commitment at publication,
a frozen window and input, exclusions and late withdrawals on the record, and a draw anyone can
re-run from the published record alone."""
import hashlib
import html as htmlmod
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.errors import RuleViolation, UserInputError
from portal.extensions import db
from portal.meetings import lottery
from portal.meetings import selection as sel
from portal.meetings import services as svc
from portal.meetings.models import Meeting, MeetingApplication

from .helpers import AFTER_SIGNUP, DURING_SIGNUP, inbox, set_now

CLOSES = datetime(2026, 3, 10, 17, 0)       # the factory meeting's close of sign-up
VALUE_DUE = datetime(2026, 3, 10, 21, 30)   # its public value (a 双色球 draw) is known from then
VALUE = "03 08 14 21 27 30 + 11"


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digits(value):
    return re.sub(r"[^0-9]", "", value)


def independent_draw(seed, numbers, seats, skipped=()):
    """The published method, written again from the page's description (not imported)."""
    keyed = sorted((sha256(seed + ":" + n), n) for n in numbers)
    order = [n for _key, n in keyed if n not in skipped]
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
    withdrawn = f.meeting_application(meeting, status="withdrawn", withdrawn_from="pending",
                                      withdrawn_at=datetime(2026, 3, 4, 10, 0))
    staff = f.staff(unit)
    db.session.commit()
    return {"meeting": meeting, "staff": staff, "people": people, "withdrawn": withdrawn}


def _form(unit_id, **overrides):
    data = {"unit_id": unit_id, "meeting_type": "director", "title": "主任办公会议审议加装电梯实施意见",
            "starts_at": "2026-04-20T09:30", "place": "区政府第一会议室", "live_url": "",
            "seats_stakeholder": "0", "seats_enterprise": "0", "seats_citizen": "2", "seats_other": "0",
            "eligibility": "年满十八周岁的本区居民。", "signup_opens_at": "2026-04-01T09:00",
            "signup_closes_at": "2026-04-10T17:00", "selection_method": "lottery",
            "public_source": "中国福利彩票双色球 第2026041期开奖号码", "public_value_due": "2026-04-12T21:30",
            "withdrawal_cutoff": "2026-04-17T17:00"}
    data.update(overrides)
    return data


def test_a_lottery_meeting_publishes_its_commitment_when_it_is_published(app, client, login, f):
    set_now(app, datetime(2026, 3, 20, 9, 0))
    unit = f.unit()
    staff = f.staff(unit)
    db.session.commit()
    login(staff)
    client.set_cookie("lang", "en")
    # The public value must be named and become known only after sign-up closes.
    response = client.post("/staff/meetings/new", data=_form(unit.id, public_source=""))
    assert response.status_code == 422 and "Name the public value" in response.get_data(as_text=True)
    response = client.post("/staff/meetings/new", data=_form(unit.id, public_value_due="2026-04-10T17:00"))
    assert response.status_code == 422 and "after sign-up closes" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Meeting.id))) == 0
    assert client.post("/staff/meetings/new", data=_form(unit.id, public_value_due="2026-04-10T17:01")
                       ).status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.meeting_type == "director" and meeting.type_label == "Director's office meeting"
    assert meeting.lottery_commitment == sha256(meeting.lottery_secret)
    assert meeting.committed_at == datetime(2026, 3, 20, 9, 0)
    client.post("/auth/logout")
    client.delete_cookie("lang")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert meeting.lottery_commitment in page and "中国福利彩票双色球 第2026041期开奖号码" in page
    assert meeting.lottery_secret not in page
    assert re.search(r"<details[^>]*>\s*<summary>技术说明</summary>", page)  # the algorithm, folded away
    data = client.get(f"/api/v1/meetings/{meeting.id}").get_json()["lottery"]
    assert data["commitment"] == meeting.lottery_commitment and data["secret"] is None
    assert data["input"] is None  # sign-up not closed yet: no list published
    assert "主任办公会议" in page


def test_the_attack_is_refused_at_every_step(app, client, login, f, lottery_meeting):
    """Staff try to steer the draw: choose a seed after seeing the applicants, move the close of
    sign-up around the public value, hide late applications and withdrawals."""
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    commitment = meeting.lottery_commitment
    login(staff)
    client.set_cookie("lang", "en")
    base = f"/staff/meetings/{meeting.id}"
    edit = {"unit_id": meeting.unit_id, "meeting_type": "executive", "title": meeting.title,
            "starts_at": "2026-03-15T09:00", "place": meeting.place, "live_url": "",
            "seats_stakeholder": "0", "seats_enterprise": "1", "seats_citizen": "2", "seats_other": "0",
            "eligibility": meeting.eligibility, "signup_opens_at": "2026-03-01T09:00",
            "signup_closes_at": "2026-03-10T17:00", "selection_method": "lottery",
            "public_source": meeting.public_source, "public_value_due": "2026-03-10T21:30",
            "withdrawal_cutoff": "2026-03-13T17:00"}

    # 1. There is no seed to type: the old seed page is gone, and the draw needs the public value,
    #    which is known only after sign-up closes.
    assert client.post(f"{base}/seed", data={"seed": "a seed I like"}).status_code == 404
    response = client.post(f"{base}/draw", data={"public_value": VALUE, "public_value_origin": "cwl"})
    assert response.status_code == 422 and "after sign-up closes" in response.get_data(as_text=True)

    # 2. The window, the public value and the method are fixed by the commitment.
    for name, value in (("signup_closes_at", "2026-03-06T17:00"), ("signup_closes_at", "2026-03-10T20:00"),
                        ("signup_opens_at", "2026-03-02T09:00"), ("public_value_due", "2026-03-11T21:30"),
                        ("public_source", "another draw"), ("selection_method", "review")):
        response = client.post(f"{base}/edit", data=dict(edit, **{name: value}))
        assert response.status_code == 422, name
        assert "commitment is published" in response.get_data(as_text=True), name
    db.session.expire_all()
    assert (meeting.signup_closes_at, meeting.lottery_commitment) == (CLOSES, commitment)
    # An extension is only later, with a reason, and before the public value is known.
    with pytest.raises(UserInputError, match="later than"):
        svc.extend_signup(staff, meeting, datetime(2026, 3, 10, 12, 0), "提前截止")
    with pytest.raises(UserInputError, match="reason"):
        svc.extend_signup(staff, meeting, datetime(2026, 3, 10, 20, 0), " ")
    with pytest.raises(UserInputError, match="public value"):
        svc.extend_signup(staff, meeting, VALUE_DUE, "延长到开奖时")
    extension = svc.extend_signup(staff, meeting, datetime(2026, 3, 10, 21, 29), "报名人数不足")
    db.session.commit()
    assert meeting.signup_closes_at == datetime(2026, 3, 10, 21, 29)
    # Once closed, the window never moves again, not even forward.
    set_now(app, datetime(2026, 3, 10, 21, 29))
    with pytest.raises(RuleViolation, match="closed"):
        svc.extend_signup(staff, meeting, datetime(2026, 3, 10, 21, 29, 30), "再延长")

    # 3. Nobody can be excluded once sign-up has closed, nor can a late application get in.
    late = f.resident()
    hidden = sel.applications_of(meeting)[0]
    db.session.commit()
    response = client.post(f"{base}/applications/{hidden.id}", data={"reason": "不符合条件"})
    assert response.status_code == 422 and "frozen" in response.get_data(as_text=True)
    with pytest.raises(RuleViolation):
        svc.apply(meeting, late, {})
    # A withdrawal after the close stays in the frozen list and is published as such.
    leaving = next(a for a in sel.applications_of(meeting) if a.category == "citizen"
                   and a.status == "pending")
    set_now(app, datetime(2026, 3, 10, 22, 0))
    svc.withdraw(leaving, leaving.account)
    db.session.commit()

    # The draw: typed once; a second value (after seeing the result) is refused.
    set_now(app, AFTER_SIGNUP)
    response = client.post(f"{base}/draw", data={"public_value": VALUE, "public_value_origin": ""})
    assert response.status_code == 422  # the source is required
    assert client.post(f"{base}/draw", data={"public_value": VALUE,
                                            "public_value_origin": "https://www.cwl.gov.cn/"}).status_code == 302
    response = client.post(f"{base}/draw", data={"public_value": "01 02 03 04 05 06 + 07",
                                                 "public_value_origin": "cwl"})
    assert response.status_code == 422 and "already" in response.get_data(as_text=True)
    db.session.expire_all()
    assert meeting.public_value == VALUE
    assert meeting.lottery_seed == sha256(meeting.lottery_secret + "|" + "030814212730" + "11")
    assert meeting.lottery_commitment == commitment
    numbers = [e["number"] for e in meeting.input_list]
    assert leaving.application_number in numbers                      # still in the frozen list
    assert lottery_meeting["withdrawn"].application_number not in numbers  # withdrew before the close
    assert leaving.status == "withdrawn" and leaving.draw_rank is None    # but skipped by the draw

    client.post("/auth/logout")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "报名人数不足" in page                                     # the extension and its reason
    withdrawn = re.search(r'class="small lottery-withdrawn">(.*?)</ul>', page, re.S).group(1)
    assert leaving.application_number in withdrawn
    assert extension.old_closes_at == CLOSES
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"meeting.extend_signup", "meeting.input_freeze", "meeting.lottery_draw", "meeting.withdraw"} <= actions


def _published_record(client, meeting_id):
    """What anyone can read: the public page (parsed) and the API."""
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)

    def field(name):
        return htmlmod.unescape(re.search(r'data-lottery="%s">([^<]*)<' % name, page).group(1))

    entries = [tuple(htmlmod.unescape(x) for x in m) for m in re.findall(
        r'<li data-number="([^"]+)" data-category="([^"]+)" data-name="([^"]*)">', page)]
    withdrawn = re.search(r'class="small lottery-withdrawn">(.*?)</ul>', page, re.S)
    skipped = re.findall(r'data-number="([^"]+)" data-before-draw="1"', withdrawn.group(1)) if withdrawn else []
    results = {}
    for category, seats, block in re.findall(
            r'class="small lottery-result" data-category="([^"]+)" data-seats="(\d+)">(.*?)</ol>', page, re.S):
        results[category] = (int(seats), re.findall(r'data-number="([^"]+)"', block))
    return {name: field(name) for name in ("commitment", "secret", "public_value", "seed", "input_hash")}, \
        entries, skipped, results


def test_anyone_can_redo_the_draw_from_the_published_record(app, client, f, lottery_meeting):
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    # An exclusion before the close, and a withdrawal after it, before the draw.
    people = sel.applications_of(meeting)
    sel.mark_ineligible(staff, people[1], "户籍与工作单位均不在本区")
    set_now(app, datetime(2026, 3, 10, 18, 0))
    assert sel.freeze_closed_inputs() == 1
    svc.withdraw(people[3], people[3].account)
    set_now(app, AFTER_SIGNUP)
    sel.run_lottery(staff, meeting, VALUE, "https://www.cwl.gov.cn/")
    db.session.commit()

    fields, entries, skipped, results = _published_record(client, meeting.id)
    # Only from what was published:
    assert sha256(fields["secret"]) == fields["commitment"]
    assert sha256("\n".join("|".join(e) for e in entries)) == fields["input_hash"]
    seed = sha256(fields["secret"] + "|" + digits(fields["public_value"]))
    assert seed == fields["seed"]
    assert people[1].application_number not in [e[0] for e in entries]  # excluded, visibly:
    assert "户籍与工作单位均不在本区" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert skipped == [people[3].application_number]
    assert set(results) == {"citizen", "enterprise"}
    for category, (seats, drawn) in results.items():
        numbers = [e[0] for e in entries if e[1] == category]
        selected, alternates = independent_draw(seed, numbers, seats, skipped)
        assert drawn == selected + alternates, category
    # The API publishes the same record.
    api = client.get(f"/api/v1/meetings/{meeting.id}").get_json()["lottery"]
    assert api["secret"] == fields["secret"] and api["input_hash"] == fields["input_hash"]
    assert [(e["number"], e["category"], e["name"]) for e in api["input"]] == entries
    assert [w["number"] for w in api["withdrawn_after_freeze"] if w["before_draw"]] == skipped
    assert api["excluded"][0]["reason"] == "户籍与工作单位均不在本区"
    for category in api["categories"]:
        assert category["selected"] + category["alternates"] == results[category["category"]][1]
    # The published snippet gives the same answer.
    namespace: dict = {}
    exec(lottery.SNIPPET, namespace)
    assert namespace["check"](fields["commitment"], fields["secret"], fields["public_value"], entries,
                              fields["input_hash"]) == seed
    seats, drawn = results["citizen"]
    selected, alternates = namespace["draw"](seed, [e[0] for e in entries if e[1] == "citizen"], seats, skipped)
    assert selected + alternates == drawn


def test_a_withdrawal_in_the_same_second_as_the_draw_is_published_as_left_out(app, client, lottery_meeting):
    """Found by the attack replay: the portal clock has whole seconds, so a withdrawal and the draw
    can share a timestamp. The draw skipped the application, but the record compared the times
    and said "withdrawn after the draw", so the draw redone from the record gave another result."""
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    people = [a for a in sel.applications_of(meeting) if a.category == "citizen"]
    set_now(app, AFTER_SIGNUP)
    sel.freeze_closed_inputs()
    svc.withdraw(people[0], people[0].account)          # the same second as the draw
    sel.run_lottery(staff, meeting, VALUE, "https://www.cwl.gov.cn/")
    db.session.commit()
    set_now(app, datetime(2026, 3, 11, 9, 0, 1))
    svc.withdraw(people[1], people[1].account)          # a second later: after the draw
    db.session.commit()

    fields, entries, skipped, results = _published_record(client, meeting.id)
    assert skipped == [people[0].application_number]    # people[1] was drawn: not left out
    seats, drawn = results["citizen"]
    selected, alternates = independent_draw(fields["seed"], [e[0] for e in entries if e[1] == "citizen"],
                                            seats, skipped)
    assert drawn == selected + alternates
    api = client.get(f"/api/v1/meetings/{meeting.id}").get_json()["lottery"]
    assert {w["number"]: w["before_draw"] for w in api["withdrawn_after_freeze"]} == {
        people[0].application_number: True, people[1].application_number: False}


def test_the_input_is_frozen_by_the_job_and_never_by_a_page(app, client, runner, lottery_meeting):
    meeting = lottery_meeting["meeting"]
    set_now(app, datetime(2026, 3, 10, 16, 59))
    assert sel.freeze_closed_inputs() == 0
    set_now(app, CLOSES)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'data-lottery="input_hash"' in page  # shown as it will be frozen...
    db.session.expire_all()
    assert meeting.input_frozen_at is None      # ...but a GET writes nothing
    result = runner.invoke(args=["meetings", "freeze"])
    assert "lottery inputs frozen: 1" in result.output
    db.session.expire_all()
    assert meeting.input_frozen_at == CLOSES
    assert meeting.input_hash == lottery.input_hash(lottery.entries_from(meeting.input_list))
    assert len(meeting.input_list) == 8
    assert runner.invoke(args=["meetings", "freeze"]).output.strip().endswith("0")


@pytest.mark.parametrize("moment, allowed", [(datetime(2026, 3, 10, 16, 59), True), (CLOSES, False)])
def test_exclusion_only_before_the_close(app, lottery_meeting, moment, allowed):
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    application = sel.applications_of(meeting)[0]
    set_now(app, moment)
    if allowed:
        sel.mark_ineligible(staff, application, "不在本区居住")
        assert application.status == "ineligible"
        assert "不在本区居住" in inbox(application.account)[-1].body
    else:
        with pytest.raises(RuleViolation, match="frozen"):
            sel.mark_ineligible(staff, application, "不在本区居住")
    with pytest.raises(UserInputError):
        set_now(app, DURING_SIGNUP)
        sel.mark_ineligible(staff, sel.applications_of(meeting)[2], "")


@pytest.mark.parametrize("moment, allowed", [(VALUE_DUE.replace(minute=29), False), (VALUE_DUE, True)])
def test_the_draw_waits_for_the_public_value(app, lottery_meeting, moment, allowed):
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    set_now(app, moment)
    if allowed:
        sel.run_lottery(staff, meeting, VALUE, "cwl")
        assert meeting.selected_at == moment
    else:
        with pytest.raises(RuleViolation, match="public value"):
            sel.run_lottery(staff, meeting, VALUE, "cwl")
        assert meeting.selected_at is None and meeting.public_value is None


def test_extension_boundaries(app, lottery_meeting):
    meeting, staff = lottery_meeting["meeting"], lottery_meeting["staff"]
    set_now(app, datetime(2026, 3, 10, 16, 59))
    with pytest.raises(UserInputError, match="public value"):
        svc.extend_signup(staff, meeting, VALUE_DUE, "理由")
    svc.extend_signup(staff, meeting, datetime(2026, 3, 10, 21, 29), "理由")
    assert [e.reason for e in meeting.extensions] == ["理由"]


def test_every_applicant_is_told_the_outcome(app, lottery_meeting):
    meeting, staff, people = lottery_meeting["meeting"], lottery_meeting["staff"], lottery_meeting["people"]
    set_now(app, AFTER_SIGNUP)
    results = sel.run_lottery(staff, meeting, VALUE, "cwl")
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
    assert audit.after["public_value"] == VALUE and audit.after["secret"] == meeting.lottery_secret


def test_a_meeting_without_commitment_cannot_be_drawn(app, f):
    set_now(app, DURING_SIGNUP)
    meeting = f.meeting(lottery_commitment=None)
    set_now(app, AFTER_SIGNUP)
    with pytest.raises(RuleViolation, match="commitment"):
        sel.run_lottery(f.staff(), meeting, VALUE, "cwl")


def test_lottery_module_matches_its_documented_snippet():
    namespace: dict = {}
    exec(lottery.SNIPPET, namespace)
    numbers = [f"M3-{i:04d}" for i in range(1, 12)]
    selected, alternates = namespace["draw"]("abc", numbers, 4, ("M3-0002",))
    result = lottery.draw("abc", numbers, 4, ["M3-0002"])
    assert (result.selected, result.alternates) == (selected, alternates)
    assert (selected, alternates) == independent_draw("abc", numbers, 4, ("M3-0002",))
    assert "M3-0002" not in selected + alternates
    assert lottery.draw("abd", numbers, 4).selected != lottery.draw("abc", numbers, 4).selected
    assert lottery.commitment_of("s") == sha256("s")
    # Only the digits count, so that typing the value one way or another gives staff no choice.
    seeds = {lottery.derive_seed("s", v) for v in ("03 08 14 21 27 30 + 11", "03,08,14,21,27,30,11",
                                                   "030814212730 11", "红球 03 08 14 21 27 30 蓝球 11")}
    assert seeds == {sha256("s|03081421273011")}


def test_a_public_value_without_digits_is_refused(app, lottery_meeting):
    set_now(app, AFTER_SIGNUP)
    with pytest.raises(UserInputError) as error:
        sel.run_lottery(lottery_meeting["staff"], lottery_meeting["meeting"], "待开奖", "cwl")
    assert error.value.field == "public_value"


def test_a_draw_made_before_commitments_still_shows_its_seed(app, client, f):
    """Meetings drawn before the migration keep their announced seed on the page."""
    set_now(app, AFTER_SIGNUP)
    meeting = f.meeting(lottery_commitment=None, lottery_seed="2026-03-10 福彩3D 517",
                        seed_announced_at=datetime(2026, 3, 11, 9, 0), selected_at=datetime(2026, 3, 11, 9, 5))
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "2026-03-10 福彩3D 517" in page and "2026-03-11 09:00" in page

"""Asking, routing and transfer, sign-off, rating, the follow-up, publication with redaction, FAQ,
the evaluation window and the dashboard's figures, through the services."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.board import evaluation, publication, stats
from portal.board import services as svc
from portal.board.models import BoardMessage, MessageStatus
from portal.catalogue.uploads import Upload
from portal.errors import AccessDenied, RuleViolation, UserInputError
from portal.extensions import db
from portal.notifications.models import InboxMessage

from .conftest import NOW, ask

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def answer(world, message, text="您好，补贴标准见实施意见第五条，申请表可在街道受理中心领取。"):
    svc.draft_reply(world["staff"], message, text)
    return svc.sign_off(world["staff2"], message)


def test_ask_on_a_policy_routes_to_its_drafting_unit_with_a_receipt(world):
    message = ask(world)
    assert message.tracking_number == f"LY-2026-{message.id:06d}"
    assert message.unit_id == world["unit"].id and message.topic_id == world["topic"].id
    assert (message.counted_from, message.due_on) == (date(2026, 10, 12), date(2026, 10, 19))
    notified = db.session.scalars(select(InboxMessage.account_id).where(InboxMessage.kind == "board.new")).all()
    assert set(notified) == {world["staff"].id, world["staff2"].id}


def test_ask_on_the_general_board_goes_to_the_chosen_unit(world):
    message = ask(world, decision_id=None, unit_id=world["other"].id)
    assert message.unit_id == world["other"].id and message.decision_id is None
    with pytest.raises(UserInputError) as error:
        ask(world, decision_id=None, unit_id=None, text="另一条")
    assert error.value.field == "unit_id"


def test_only_issued_policies_take_messages(world, f):
    draft = f.decision(world["unit"], status="drafting")
    with pytest.raises(UserInputError):
        ask(world, decision_id=draft.id)


@pytest.mark.parametrize("field,data", [
    ("title", {"title": "  "}), ("title", {"title": "长" * 101}), ("text", {"text": ""}),
    ("kind", {"kind": "complaint"}), ("consent", {"consent": False}),
])
def test_bad_input_is_refused_on_its_field(world, field, data):
    with pytest.raises(UserInputError) as error:
        ask(world, **data)
    assert error.value.field == field
    assert db.session.scalar(select(BoardMessage.id)) is None


def test_text_length_boundary(world, app):
    app.config["BOARD_MAX_LENGTH"] = 10
    assert ask(world, text="一" * 10)
    with pytest.raises(UserInputError):
        ask(world, text="二" * 11)


def test_a_duplicate_within_a_day_is_refused_and_accepted_after(world, app):
    ask(world)
    app.config["CLOCK_NOW"] = NOW + timedelta(hours=23, minutes=59)
    with pytest.raises(UserInputError) as error:
        ask(world, text="请问加装电梯的补贴标准和申请流程是什么")      # punctuation aside, the same
    assert error.value.field == "text"
    app.config["CLOCK_NOW"] = NOW + timedelta(hours=24)
    assert ask(world).id


def test_attachment_is_checked_by_content(world, app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    with pytest.raises(UserInputError) as error:
        svc.submit(world["resident"], {"decision_id": world["policy"].id, "kind": "question", "title": "附件",
                                       "text": "见附件", "consent": True}, Upload("photo.png", io.BytesIO(b"MZ not a png")))
    assert error.value.field == "attachment"
    with pytest.raises(UserInputError):
        svc.submit(world["resident"], {"decision_id": world["policy"].id, "kind": "question", "title": "附件",
                                       "text": "见附件", "consent": True}, Upload("table.docx", io.BytesIO(PDF)))
    message = svc.submit(world["resident"], {"decision_id": world["policy"].id, "kind": "question", "title": "附件",
                                             "text": "见附件", "consent": True}, Upload("scan.pdf", io.BytesIO(PDF)))
    assert message.attachment_type == "application/pdf" and message.attachment_name == "scan.pdf"
    assert (tmp_path / message.attachment_stored).read_bytes() == PDF


def test_transfer_by_the_district_office_keeps_the_deadline_and_is_recorded(world, app):
    message = ask(world)
    with pytest.raises(AccessDenied):
        svc.transfer(world["staff"], message, world["other"].id, "不属于本单位职责")
    with pytest.raises(UserInputError):
        svc.transfer(world["admin"], message, world["other"].id, " ")
    app.config["CLOCK_NOW"] = datetime(2026, 10, 14, 9, 0)
    moved = svc.transfer(world["admin"], message, world["other"].id, "加装电梯由住房保障部门负责")
    assert message.unit_id == world["other"].id and message.due_on == date(2026, 10, 19)
    assert (moved.from_unit_id, moved.to_unit_id, moved.due_before, moved.due_after) == (
        world["unit"].id, world["other"].id, date(2026, 10, 19), date(2026, 10, 19))
    assert [t.reason for t in message.transfers] == ["加装电梯由住房保障部门负责"]


def test_transfer_restarts_the_deadline_when_the_setting_says_so(world, app):
    app.config["BOARD_TRANSFER_RESTARTS"] = True
    message = ask(world)
    app.config["CLOCK_NOW"] = datetime(2026, 10, 14, 9, 0)
    svc.transfer(world["admin"], message, world["other"].id, "职责调整")
    assert (message.counted_from, message.due_on) == (date(2026, 10, 14), date(2026, 10, 21))


def test_reply_needs_a_second_person_and_tells_the_resident(world):
    message = ask(world)
    svc.draft_reply(world["staff"], message, "答复草稿")
    assert message.status == MessageStatus.signoff.value
    with pytest.raises(RuleViolation):
        svc.sign_off(world["staff"], message)           # not by the drafter
    svc.sign_off(world["staff2"], message)
    assert message.status == MessageStatus.answered.value and message.answered_at == NOW
    assert message.first_on_time is True and message.reply_working_days == 0
    inbox = db.session.scalar(select(InboxMessage).where(InboxMessage.account_id == world["resident"].id))
    assert inbox.kind == "board.answered" and inbox.link == f"/me/messages/{message.id}"


def test_reply_signed_by_the_units_approver_when_set(world, app):
    app.config["BOARD_SIGNOFF"] = "approver"
    message = ask(world)
    svc.draft_reply(world["staff"], message, "答复草稿")
    with pytest.raises(RuleViolation):
        svc.sign_off(world["staff2"], message)          # no approver yet
    svc.set_approver(world["admin"], world["unit"], world["staff2"].id)
    with pytest.raises(UserInputError):
        svc.set_approver(world["admin"], world["unit"], world["other_staff"].id)
    svc.sign_off(world["staff2"], message)
    assert message.is_answered


def test_a_returned_reply_goes_back_to_drafting(world):
    message = ask(world)
    svc.draft_reply(world["staff"], message, "草稿")
    svc.return_reply(world["staff2"], message, "请补充申请流程")
    assert message.status == MessageStatus.open.value and message.pending_reply is None
    answer(world, message)
    assert message.is_answered


def test_on_time_on_the_due_day_and_late_the_day_after(world, app):
    on_time, late = ask(world, title="甲"), ask(world, title="乙")
    svc.draft_reply(world["staff"], on_time, "答复")
    svc.draft_reply(world["staff"], late, "答复")
    app.config["CLOCK_NOW"] = datetime(2026, 10, 19, 23, 59)
    svc.sign_off(world["staff2"], on_time)
    app.config["CLOCK_NOW"] = datetime(2026, 10, 20, 0, 0)
    svc.sign_off(world["staff2"], late)
    assert (on_time.first_on_time, late.first_on_time) == (True, False)
    assert (on_time.reply_working_days, late.reply_working_days) == (5, 6)


def test_rating_once_per_reply(world):
    message = ask(world)
    with pytest.raises(RuleViolation):
        svc.rate(world["resident"], message, "satisfied")
    answer(world, message)
    with pytest.raises(AccessDenied):
        svc.rate(world["other_staff"], message, "satisfied")
    with pytest.raises(UserInputError):
        svc.rate(world["resident"], message, "great")
    svc.rate(world["resident"], message, "dissatisfied", "没有说明申请地点")
    assert (message.rating, message.rating_reason) == ("dissatisfied", "没有说明申请地点")
    with pytest.raises(RuleViolation):
        svc.rate(world["resident"], message, "satisfied")


def test_one_follow_up_within_10_days_reopens_with_a_new_deadline(world, app):
    message = ask(world)
    answer(world, message)
    app.config["CLOCK_NOW"] = NOW + timedelta(days=10)      # Thursday 10-22 10:00, the last moment
    svc.follow_up(world["resident"], message, "申请表在哪个窗口领取？")
    assert (message.round, message.status) == (2, MessageStatus.open.value)
    assert (message.counted_from, message.due_on) == (date(2026, 10, 22), date(2026, 10, 29))
    assert message.first_due_on == date(2026, 10, 19)
    with pytest.raises(RuleViolation):
        svc.follow_up(world["resident"], message, "再问一次")
    answer(world, message, "请到街道社区事务受理服务中心 3 号窗口领取。")
    assert [r.round for r in message.sent_replies] == [1, 2]
    svc.rate(world["resident"], message, "satisfied")       # the second reply can be rated


def test_no_follow_up_after_10_days(world, app):
    message = ask(world)
    answer(world, message)
    app.config["CLOCK_NOW"] = NOW + timedelta(days=10, seconds=1)
    with pytest.raises(RuleViolation):
        svc.follow_up(world["resident"], message, "还有问题")


def test_publish_hides_personal_data_and_calls_the_published_hook(world, monkeypatch):
    message = ask(world, text="我住在幸福路 12 号 3 单元，电话 13812345678，请问补贴标准？")
    seen = []
    monkeypatch.setattr(publication, "_PUBLISHED_HOOKS", [seen.append])
    with pytest.raises(RuleViolation):
        publication.publish(world["staff"], message)          # not answered yet
    answer(world, message, "请致电 13812345678 的居民到街道受理。")
    publication.publish(world["staff"], message)
    assert "13812345678" not in message.public_text and "13812345678" not in message.public_reply
    assert "138****5678" in message.public_text and seen == [message]
    publication.redact(world["staff"], message, "幸福路")
    assert "幸福路" not in message.public_text and "幸福路" in message.text


def test_not_published_without_the_residents_permission(world):
    message = ask(world, may_publish=False)
    answer(world, message)
    with pytest.raises(RuleViolation):
        publication.publish(world["staff"], message)


def test_public_board_search_by_one_and_two_characters_and_filters(world):
    lift, parking = ask(world, title="加装电梯补贴"), ask(world, title="停车收费", text="小区停车收费标准？")
    for message in (lift, parking):
        answer(world, message)
        publication.publish(world["staff"], message)
    hidden = ask(world, title="电梯未公开", text="未公开的电梯问题")
    answer(world, hidden)

    def ids(**kw):
        return [m.id for m in db.session.scalars(publication.public_query(**kw))]
    assert ids(q="电梯") == [lift.id]
    assert ids(q="停") == [parking.id]
    assert ids(q="电梯停车") == []
    assert ids(unit_id=world["other"].id) == []
    assert set(ids(decision_id=world["policy"].id, kind="question", topic_id=world["topic"].id)) == {lift.id, parking.id}
    assert publication.public_query(q="！？") is None
    publication.unpublish(world["staff"], parking)
    assert ids(q="停") == []


def test_faq_on_the_policy(world):
    message = ask(world)
    with pytest.raises(RuleViolation):
        publication.set_faq(world["staff"], message, True)
    answer(world, message)
    publication.publish(world["staff"], message)
    publication.set_faq(world["staff"], message, True)
    assert publication.faq_of_policy(world["policy"].id) == [message]


def test_policy_evaluation_count_average_and_suggestions(world, f):
    evaluation.evaluate(world["resident"], world["policy"], 5, "建议公开补贴发放进度，电话 13912345678")
    evaluation.evaluate(f.resident(), world["policy"], "2")
    with pytest.raises(UserInputError):
        evaluation.evaluate(world["resident"], world["policy"], 4)
    for bad in (0, 6, "x"):
        with pytest.raises(UserInputError):
            evaluation.evaluate(f.resident(), world["policy"], bad)
    score = evaluation.score_of(world["policy"].id)
    assert (score.count, score.average) == (2, 3.5)
    rows = db.session.scalars(evaluation.suggestions_query(world["staff"])).all()
    assert len(rows) == 1 and "13912345678" not in rows[0].public_suggestion
    assert db.session.scalars(evaluation.suggestions_query(world["other_staff"])).all() == []


def test_unit_figures_reply_rate_on_time_rate_and_median(world, app):
    messages = [ask(world, title=f"问题{i}") for i in range(4)]   # due 10-19
    svc.draft_reply(world["staff"], messages[0], "答复")
    svc.sign_off(world["staff2"], messages[0])                    # same day: 0 working days
    app.config["CLOCK_NOW"] = datetime(2026, 10, 16, 9, 0)
    answer(world, messages[1])                                    # 4 working days
    app.config["CLOCK_NOW"] = datetime(2026, 10, 21, 9, 0)
    answer(world, messages[2])                                    # late: 7 working days
    figures = stats.unit_figures(2026, today=date(2026, 10, 21))[world["unit"].id]
    assert (figures.received, figures.answered, figures.on_time, figures.overdue) == (4, 3, 2, 1)
    assert figures.reply_rate == 0.75 and figures.on_time_rate == 0.5 and figures.median_days == 4
    assert stats.percent(figures.on_time_rate) == "50%"


def test_publishing_tells_the_followers_of_the_policy_once(world, monkeypatch):
    """Issue 17: a reply published on a followed policy reaches its followers (once each)."""
    from portal.subscriptions import delivery
    from portal.subscriptions import services as subs
    from portal.subscriptions.models import Event, EventKind

    message = ask(world)
    assert message.decision_id is not None
    follower = subs.follow_by_email("policy@example.com", "王建刚", subs.describe("decision", message.decision_id),
                                    "instant")
    subs.confirm(follower)
    answer(world, message)
    delivery.fan_out()  # what the setup emitted (the policy's own events)
    assert db.session.scalar(select(Event.id).where(Event.kind == EventKind.board_reply_published.value)) is None
    publication.publish(world["staff"], message)
    event = db.session.scalars(select(Event).where(Event.kind == EventKind.board_reply_published.value)).one()
    assert event.link == f"/board/{message.id}" and event.decision_id == message.decision_id
    assert "13812345678" not in event.title
    assert delivery.fan_out()[1] == 1
    assert delivery.fan_out()[1] == 0


def test_a_published_exchange_shows_the_follow_up_between_the_two_replies(world, app, client):
    """Published after the first reply, then followed up and answered again: the public reads the
    question, the first reply, the follow-up and the second reply, personal data hidden in each;
    an unanswered follow-up is not shown."""
    message = ask(world)
    answer(world, message, "补贴标准见实施意见第五条。")
    publication.publish(world["staff"], message)
    svc.follow_up(world["resident"], message, "申请表在哪个窗口领取？我的电话13812345678")
    assert message.public_followup == "" and message.public_reply == "补贴标准见实施意见第五条。"
    answer(world, message, "请到街道社区事务受理服务中心三号窗口领取。")
    assert message.public_first_reply == "补贴标准见实施意见第五条。"
    assert "申请表在哪个窗口领取" in message.public_followup and "13812345678" not in message.public_followup
    assert message.public_reply == "请到街道社区事务受理服务中心三号窗口领取。"
    db.session.commit()
    html = client.get(f"/board/{message.id}").get_data(as_text=True)
    order = [html.index(s) for s in ("补贴标准见实施意见第五条", "申请表在哪个窗口领取", "三号窗口领取")]
    assert order == sorted(order) and "13812345678" not in html
    api = client.get(f"/api/v1/messages/{message.id}").get_json()
    assert api["first_reply"] == "补贴标准见实施意见第五条。" and "三号窗口" in api["reply"]
    publication.unpublish(world["staff"], message)
    assert message.public_followup == message.public_first_reply == ""

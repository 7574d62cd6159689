"""Subscriptions journey: a visitor without an account follows a topic by email, confirms, gets an
instant email when a consultation on the topic opens, switches to the daily digest, gets the digest
the next day, and unsubscribes with one click from it. And the author of a comment that was not
published is told when the adoption feedback is published."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from .conftest import DEMO_PASSWORDS

STAFF_STHJ = "staff.qingsong-sthj@qingsong.example.gov.cn"
VISITOR = "wang.jg@example.net"


def _mails_to(app, address: str):
    from portal.extensions import db
    from portal.notifications.models import OutboxEmail

    with app.app_context():
        rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address)
                                  .order_by(OutboxEmail.id)).all()
        result = [(m.subject, m.body, dict(m.headers or {})) for m in rows]
        db.session.remove()
    return result


def _path(body: str, live_server, prefix: str) -> str:
    match = re.search(re.escape(live_server.url) + "(" + re.escape(prefix) + r"[^\s\"<]+)", body)
    assert match, body
    return match.group(1)


def _run(app, job, **config):
    """Run a scheduled job's function (what the systemd timer's command does) at the portal clock."""
    from portal.database import commit
    from portal.extensions import db

    with app.app_context():
        result = job()
        commit()
        db.session.remove()
    return result


def _draft_on_topic(app):
    """A draft consultation of 区生态环境局 on a policy document of the topic 城市更新 (staff publish it)."""
    from portal import clock
    from portal.accounts.models import Account
    from portal.catalogue.models import DecisionItem, Topic
    from portal.database import commit
    from portal.extensions import db
    from portal.units.models import Unit
    from tests import factories

    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.slug == "qingsong-sthj"))
        topic = db.session.scalar(select(Topic).where(Topic.slug == "urban-renewal"))
        item = DecisionItem(unit_id=unit.id, year=clock.today().year, code="E2E-SUB-1", kind="other",
                            title="青松区既有多层住宅加装电梯补贴办法", status="drafting")
        item.topics = [topic]
        db.session.add(item)
        db.session.flush()
        now = clock.now()
        consultation = factories.consultation(item, status="draft", title="关于《青松区既有多层住宅加装电梯补贴办法（草案）》公开征求意见",
                                              opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=3, hours=12))
        assert db.session.scalar(select(Account.id).where(Account.email == STAFF_STHJ))
        ids = (consultation.id, topic.id, topic.name)
        commit()
        db.session.remove()
    return ids


def test_visitor_follows_a_topic_by_email_confirms_gets_instant_and_digest_and_unsubscribes(
        page, live_server, user_page, shot, axe_check):
    from portal.subscriptions.delivery import clock_events, fan_out, send_digests

    app = live_server.app
    _run(app, fan_out)  # the demo's own events, emitted while it was seeded
    consultation_id, topic_id, topic_name = _draft_on_topic(app)

    # 1. Follow the topic from the catalogue page, without an account.
    page.goto(live_server("/catalogue?topic=urban-renewal"))
    page.get_by_role("link", name=re.compile("邮件订阅")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(topic_name)
    page.get_by_label("电子邮箱").fill("not-an-address")
    page.get_by_label("您的姓名（选填）").fill("王建刚")
    page.get_by_role("button", name="发送确认链接").click()
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.get_by_label("您的姓名（选填）")).to_have_value("王建刚")
    page.get_by_label("电子邮箱").fill(VISITOR)
    page.get_by_role("button", name="发送确认链接").click()
    expect(page.get_by_role("heading", name="请查收邮件")).to_be_visible()
    axe_check("check your mailbox")

    # 2. Confirm with the link from the email (double opt-in).
    (subject, body, _headers), = _mails_to(app, VISITOR)
    assert body.startswith("王建刚您好：") and topic_name in subject
    page.goto(live_server(_path(body, live_server, "/subscriptions/confirm/")))
    page.get_by_role("button", name="确认订阅").click()
    expect(page.get_by_role("heading", name="订阅已确认")).to_be_visible()
    shot("confirmed")

    # 3. Staff publish the consultation; the worker fans out; the visitor gets one instant email.
    staff = user_page(STAFF_STHJ, "staff")
    staff.goto(live_server(f"/staff/consultations/{consultation_id}"))
    staff.get_by_role("button", name="发布", exact=True).click()
    expect(staff.locator(".flash-messages")).to_be_visible()
    assert len(_mails_to(app, VISITOR)) == 1  # nothing is sent by the staff request itself
    _run(app, fan_out)
    mails = _mails_to(app, VISITOR)
    opened = [m for m in mails if "征求意见开始" in m[0]]
    assert len(opened) == 1
    subject, body, headers = opened[0]
    assert body.startswith("王建刚您好：") and "青松区生态环境局" in body and "021-5970 2302" in body
    assert f"{live_server.url}/consultations/{consultation_id}" in body
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # 4. From the email, manage the subscriptions: switch to the daily digest.
    page.goto(live_server(_path(body, live_server, "/subscriptions/manage/")))
    expect(page.get_by_role("heading", name="管理订阅")).to_be_visible()
    page.get_by_label("接收频率").select_option("daily")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-messages")).to_contain_text("已保存")
    axe_check("manage subscriptions")

    # 5. The next day: the consultation closes within 3 days (the job emits it), no instant email,
    #    then the digest at 08:00, grouped by unit.
    before = len(_mails_to(app, VISITOR))
    tomorrow = datetime.combine(date.today() + timedelta(days=1), datetime.min.time())
    try:
        app.config["CLOCK_NOW"] = (tomorrow + timedelta(hours=7)).isoformat()
        _run(app, clock_events)
        _run(app, fan_out)
        assert _run(app, send_digests) == 0  # before the digest hour
        assert len(_mails_to(app, VISITOR)) == before
        app.config["CLOCK_NOW"] = (tomorrow + timedelta(hours=8)).isoformat()
        assert _run(app, send_digests) >= 1
    finally:
        app.config["CLOCK_NOW"] = None
    digest = _mails_to(app, VISITOR)[-1]
    assert "订阅每日摘要" in digest[0] and "征求意见即将截止" in digest[1] and "■ 青松区生态环境局" in digest[1]
    assert digest[1].startswith("王建刚您好：")

    # 6. One click from the digest: unsubscribed, logged out.
    page.goto(live_server(_path(digest[1], live_server, "/subscriptions/unsubscribe/")))
    page.get_by_role("button", name="全部退订").click()
    expect(page.get_by_role("heading", name="已退订")).to_be_visible()
    shot("unsubscribed")
    from portal.extensions import db
    from portal.subscriptions.models import Subscriber

    with app.app_context():
        subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == VISITOR))
        assert subscriber.subscriptions == []
        db.session.remove()


def test_author_of_a_rejected_comment_is_told_when_the_report_is_published(page, live_server, log_in,
                                                                           user_page, shot):
    from portal import clock
    from portal.accounts.models import Account
    from portal.catalogue.models import DecisionItem
    from portal.consultation.services import moderate, submit_comment
    from portal.database import commit
    from portal.extensions import db
    from portal.units.models import Unit
    from tests import factories

    app = live_server.app
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.slug == "qingsong-sthj"))
        staff = db.session.scalar(select(Account).where(Account.email == STAFF_STHJ))
        author = db.session.scalar(select(Account).where(Account.email == "zhang.xm@example.com"))
        item = DecisionItem(unit_id=unit.id, year=clock.today().year, code="E2E-SUB-2", kind="other",
                            title="青松区河道保洁管理规定", status="consulting")
        db.session.add(item)
        db.session.flush()
        consultation = factories.consultation(item, status="open", title="关于《青松区河道保洁管理规定（草案）》公开征求意见")
        comment = submit_comment(consultation, author, {"text": "欢迎访问某某网店购买净水器。", "consent": True})
        moderate(staff, consultation, [comment.id], "reject", "advertising")
        consultation.closes_at = clock.now() - timedelta(minutes=1)
        consultation.opens_at = clock.now() - timedelta(days=30)
        item.status = "deliberating"
        factories.issue(item, clock.today() - timedelta(days=1), staff)
        item_id, number = item.id, comment.tracking_number
        commit()
        db.session.remove()

    staff_page = user_page(STAFF_STHJ, "staff")
    staff_page.goto(live_server(f"/staff/feedback/decisions/{item_id}"))
    staff_page.locator("form[action$='/publish'] [type=submit]").click()
    expect(staff_page.locator(".flash-messages")).to_contain_text(re.compile("报告第1版已公布"))

    log_in("zhang.xm@example.com", DEMO_PASSWORDS["resident"])
    page.goto(live_server("/me/inbox"))
    told = page.locator("li", has_text="意见采纳情况反馈已公布").filter(has_text="青松区河道保洁管理规定")
    expect(told.first).to_contain_text(f"您的意见{number}未予公开（审核时记录的原因：广告）")
    shot("rejected-author-told")

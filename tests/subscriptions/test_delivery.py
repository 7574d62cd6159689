"""Events, fan-out, instant and digest email, bounces: through the services."""
from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email import message_from_bytes

from sqlalchemy import func, select

from portal.consultation import services as consultation_svc
from portal.extensions import db
from portal.notifications.models import OutboxEmail
from portal.notifications.services import _build_message, send_pending
from portal.subscriptions import delivery, tokens
from portal.subscriptions import services as svc
from portal.subscriptions.models import Delivery, Event, EventKind, Subscriber, Subscription


def _confirmed_email_subscriber(email, target, target_id=0, frequency="instant", name="王建刚"):
    info = svc.describe(target, target_id)
    subscription = svc.follow_by_email(email, name, info, frequency)
    svc.confirm(subscription)
    return subscription


def _draft(f, topic=None):
    unit = f.unit(name="青松区生态环境局", phone="021-5970 1234", email="sthj@example.gov.cn")
    item = f.decision(unit, kind="other", status="drafting")
    if topic is not None:
        item.topics = [topic]
    consultation = f.consultation(item, status="draft", opens_at=datetime(2026, 6, 1, 9, 0),
                                  closes_at=datetime(2026, 7, 1, 9, 0))
    return unit, item, consultation


def test_publishing_emits_one_event_and_sends_nothing_in_the_request(app, f):
    topic = f.topic(name="生态环境")
    unit, item, consultation = _draft(f, topic)
    _confirmed_email_subscriber("a@example.com", "topic", topic.id)
    before = db.session.scalar(select(func.count(OutboxEmail.id)))
    consultation_svc.publish(f.staff(unit), consultation)
    kinds = db.session.scalars(select(Event.kind).where(Event.subject_type == "consultation")).all()
    assert kinds == [EventKind.consultation_opened.value]
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == before  # fan-out is the worker's job
    assert db.session.scalar(select(func.count(Delivery.id))) == 0


def test_an_event_reaches_a_subscriber_once_however_many_subscriptions_match(app, f):
    topic = f.topic()
    unit, item, consultation = _draft(f, topic)
    for target, target_id in (("topic", topic.id), ("unit", unit.id), ("consultation", 0)):
        _confirmed_email_subscriber("once@example.com", target, target_id,
                                    frequency="daily" if target == "unit" else "instant")
    consultation_svc.publish(f.staff(unit), consultation)
    # one event: the consultation opened (its item moving to "consulting" is the same news)
    events, deliveries, queued = delivery.fan_out()
    assert (events, deliveries, queued) == (1, 1, 1)
    rows = db.session.scalars(select(Delivery).order_by(Delivery.event_id)).all()
    assert len({(r.event_id, r.subscriber_id) for r in rows}) == len(rows) == 1
    assert all(r.instant is True for r in rows)  # one instant subscription among the matches: told at once
    mails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == "once@example.com",
                                                         OutboxEmail.subscriber_id.is_not(None))).all()
    assert len(mails) == 1
    assert delivery.fan_out() == (0, 0, 0)  # a second run finds nothing to do


def test_unconfirmed_and_paused_subscribers_get_nothing(app, f):
    topic = f.topic()
    unit, item, consultation = _draft(f, topic)
    svc.follow_by_email("unconfirmed@example.com", "", svc.describe("topic", topic.id), "instant")
    paused = _confirmed_email_subscriber("paused@example.com", "topic", topic.id)
    paused.subscriber.paused_at = datetime(2026, 5, 1)
    consultation_svc.publish(f.staff(unit), consultation)
    assert delivery.fan_out() == (1, 0, 0)


def test_instant_email_reads_like_a_government_office(app, f):
    topic = f.topic()
    unit, item, consultation = _draft(f, topic)
    subscription = _confirmed_email_subscriber("wang@example.com", "topic", topic.id, name="王建刚")
    consultation_svc.publish(f.staff(unit), consultation)
    delivery.fan_out()
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "wang@example.com",
                                                       OutboxEmail.subject.contains("征求意见开始")))
    assert mail.body.startswith("王建刚您好：")
    assert "青松区生态环境局" in mail.body and "021-5970 1234" in mail.body and "sthj@example.gov.cn" in mail.body
    assert f"https://portal.example.gov.cn/consultations/{consultation.id}" in mail.body
    unsubscribe = "https://portal.example.gov.cn/subscriptions/unsubscribe/" + tokens.sign(
        "unsubscribe", subscription.subscriber_id)
    assert unsubscribe in mail.body and unsubscribe in mail.html_body
    assert "https://portal.example.gov.cn/subscriptions/manage/" in mail.body
    message = message_from_bytes(bytes(_build_message(mail)))
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types
    import re

    links = re.findall(r"\w+://[^\s\"<>]+", mail.body + mail.html_body)
    assert links and all(link.startswith("https://portal.example.gov.cn/") for link in links)


def test_digest_once_a_day_from_the_set_hour_grouped_by_unit(app, f):
    topic = f.topic()
    unit, item, consultation = _draft(f, topic)
    other_unit = f.unit(name="青松区民政局")
    other = f.consultation(f.decision(other_unit, kind="other", status="drafting", title="养老服务条例"),
                           status="draft", opens_at=datetime(2026, 6, 1, 9, 0), closes_at=datetime(2026, 7, 1))
    _confirmed_email_subscriber("daily@example.com", "consultation", 0, frequency="daily", name="李梅")
    consultation_svc.publish(f.staff(unit), consultation)
    consultation_svc.publish(f.staff(other_unit), other)
    delivery.fan_out()
    assert db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.subscriber_id.is_not(None))) == 0
    app.config["SUBSCRIPTION_DIGEST_HOUR"] = 8
    app.config["CLOCK_NOW"] = datetime(2026, 6, 2, 7, 59)
    assert delivery.send_digests() == 0  # before the hour
    app.config["CLOCK_NOW"] = datetime(2026, 6, 2, 8, 0)
    assert delivery.send_digests() == 1
    assert delivery.send_digests() == 0  # once a day
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.subscriber_id.is_not(None)))
    assert mail.body.startswith("李梅您好：")
    assert mail.body.index("■ 青松区生态环境局") < mail.body.index("■ 青松区民政局")
    assert "2026-06-02" in mail.subject and "List-Unsubscribe" in mail.headers


def test_closing_soon_three_days_before_once_and_closed_after(app, f):
    unit, item, consultation = _draft(f)
    consultation_svc.publish(f.staff(unit), consultation)
    closes = consultation.closes_at
    app.config["CLOCK_NOW"] = closes - timedelta(days=3, seconds=1)
    assert delivery.clock_events() == 0
    app.config["CLOCK_NOW"] = closes - timedelta(days=3)
    assert delivery.clock_events() == 1
    assert delivery.clock_events() == 0  # once
    app.config["CLOCK_NOW"] = closes - timedelta(seconds=1)
    assert delivery.clock_events() == 0
    app.config["CLOCK_NOW"] = closes
    assert delivery.clock_events() == 1
    kinds = db.session.scalars(select(Event.kind).where(Event.subject_id == consultation.id,
                                                        Event.subject_type == "consultation").order_by(Event.id)).all()
    assert kinds == ["consultation.opened", "consultation.closing_soon", "consultation.closed"]


def test_an_announced_consultation_is_emitted_when_it_opens(app, f):
    unit, item, consultation = _draft(f)
    consultation.opens_at = datetime(2026, 6, 5, 9, 0)
    consultation_svc.publish(f.staff(unit), consultation)
    assert db.session.scalar(select(func.count(Event.id)).where(Event.subject_type == "consultation")) == 0
    app.config["CLOCK_NOW"] = datetime(2026, 6, 5, 8, 59)
    assert delivery.clock_events() == 0
    app.config["CLOCK_NOW"] = datetime(2026, 6, 5, 9, 0)
    assert delivery.clock_events() == 1


def test_refusals_in_a_row_pause_the_address_a_server_outage_does_not(app, f, monkeypatch):
    topic = f.topic()
    unit, item, consultation = _draft(f, topic)
    subscription = _confirmed_email_subscriber("gone@example.com", "topic", topic.id)
    subscriber_id = subscription.subscriber_id
    app.config["SUBSCRIPTION_PAUSE_AFTER_FAILURES"] = 3
    db.session.commit()
    import portal.notifications.services as outbox

    def queue():
        db.session.add(OutboxEmail(to_address="gone@example.com", subject="s", body="b", subscriber_id=subscriber_id))
        db.session.commit()

    monkeypatch.setattr(outbox, "_deliver", lambda msg, session=None: (_ for _ in ()).throw(OSError("connection refused")))
    queue()
    send_pending()
    assert db.session.get(Subscriber, subscriber_id).failures == 0
    refused = smtplib.SMTPRecipientsRefused({"gone@example.com": (550, b"no such user")})
    monkeypatch.setattr(outbox, "_deliver", lambda msg, session=None: (_ for _ in ()).throw(refused))
    db.session.execute(OutboxEmail.__table__.delete())
    for count in (1, 2):
        queue()
        send_pending()
        db.session.expire_all()
        assert db.session.get(Subscriber, subscriber_id).failures == count
        assert db.session.get(Subscriber, subscriber_id).paused_at is None
        db.session.execute(OutboxEmail.__table__.delete())
    queue()
    send_pending()
    db.session.expire_all()
    assert db.session.get(Subscriber, subscriber_id).paused_at is not None


def test_a_delivered_email_clears_the_count(app, f, monkeypatch):
    subscription = _confirmed_email_subscriber("back@example.com", "consultation")
    subscription.subscriber.failures = 2
    db.session.add(OutboxEmail(to_address="back@example.com", subject="s", body="b",
                               subscriber_id=subscription.subscriber_id))
    db.session.commit()
    send_pending()
    db.session.expire_all()
    assert db.session.get(Subscriber, subscription.subscriber_id).failures == 0


def test_account_with_only_a_mobile_gets_inbox_and_a_short_text(app, f):
    from portal.notifications.models import InboxMessage

    topic = f.topic()
    unit, item, consultation = _draft(f, topic)
    resident = f.resident(email=None, mobile="13800001234", name="张晓")
    svc.follow(resident, svc.describe("topic", topic.id))
    consultation_svc.publish(f.staff(unit), consultation)
    delivery.fan_out()
    pending = db.session.info.get("pending_sms") or []
    assert [m for m, _t in pending] == ["13800001234"]  # opened (not again for its item moving to consulting)
    assert all(len(text) <= 70 for _m, text in pending)
    assert db.session.scalar(select(func.count(InboxMessage.id)).where(InboxMessage.account_id == resident.id,
                                                                      InboxMessage.kind == "subscription")) == 1


def test_seats_running_low_is_emitted_once_at_the_threshold(app, f):
    app.config["CLOCK_NOW"] = datetime(2026, 7, 2, 10, 0)
    app.config["OPEN_DAY_SEATS_LOW"] = 2
    from portal.open_days.services import register

    activity = f.open_activity(slots=[(datetime(2026, 8, 10, 9, 30), datetime(2026, 8, 10, 11, 0), 4)])
    slot = activity.slots[0]
    data = {"name": "访客", "mobile": "13800001111", "consent": True}

    def low_events():
        return db.session.scalar(select(func.count(Event.id)).where(Event.kind == EventKind.open_day_seats_low.value))

    register(slot, f.resident(), data)
    assert low_events() == 0  # 3 left
    register(slot, f.resident(), data)
    assert low_events() == 1  # 2 left: the threshold
    register(slot, f.resident(), data)
    assert low_events() == 1  # told once


def test_every_kind_has_a_category_and_a_label(app):
    for kind in EventKind:
        assert kind.category and kind.label
    assert Subscription.__table__.c.target is not None


def test_a_new_kind_of_event_needs_only_its_member_and_the_emit_call(app, f):
    """How the message board's event joins: a model that describes itself reaches the item's followers."""
    from portal.subscriptions.events import emit

    item = f.decision(kind="other", status="consulting")
    _confirmed_email_subscriber("policy@example.com", "decision", item.id)

    class Reply:  # stands for the board's reply model
        id = 7

        def subscription_event(self):
            return ("board_reply", item.unit_id, item.id, "关于加装电梯的答复", f"/decisions/{item.id}")

    emit(EventKind.catalogue_item_changed, Reply())
    assert delivery.fan_out()[1] == 1

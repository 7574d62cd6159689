"""Through the test client: follow buttons, double opt-in, one-click unsubscribe, manage pages, feeds."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import OutboxEmail
from portal.subscriptions import delivery, tokens
from portal.subscriptions import services as svc
from portal.subscriptions.models import Event, Subscriber, Subscription


def _link(body: str, path: str) -> str:
    match = re.search(r"https://portal\.example\.gov\.cn(" + re.escape(path) + r"[^\s\"<]+)", body)
    assert match, body
    return match.group(1)


def test_a_visitor_subscribes_by_email_and_confirms(app, client, f):
    topic = f.topic(name="城市更新")
    db.session.commit()
    page = client.get(f"/subscriptions/new?target=topic&target_id={topic.id}")
    assert page.status_code == 200 and "城市更新" in page.text
    answer = client.post("/subscriptions/new", data={"target": "topic", "target_id": topic.id,
                                                     "email": "Visitor@Example.com", "name": "王建刚",
                                                     "frequency": "instant"})
    assert answer.status_code == 200 and "请查收邮件" in answer.text
    subscription = db.session.scalar(select(Subscription))
    assert subscription.confirmed_at is None and subscription.subscriber.email == "visitor@example.com"
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "visitor@example.com"))
    assert mail.body.startswith("王建刚您好：")
    confirm = _link(mail.body, "/subscriptions/confirm/")
    assert client.get(confirm).status_code == 200
    db.session.expire_all()
    assert db.session.get(Subscription, subscription.id).confirmed_at is None  # a GET changes nothing
    assert client.post(confirm).status_code == 200
    db.session.expire_all()
    assert db.session.get(Subscription, subscription.id).confirmed_at is not None


def test_bad_email_is_refused_on_the_form_keeping_what_was_typed(app, client, f):
    topic = f.topic()
    db.session.commit()
    answer = client.post("/subscriptions/new", data={"target": "topic", "target_id": topic.id,
                                                     "email": "not-an-address", "name": "李梅", "frequency": "daily"})
    assert answer.status_code == 422 and "有效的电子邮箱" in answer.text and "李梅" in answer.text
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0


def test_an_unknown_target_is_404(app, client):
    assert client.get("/subscriptions/new?target=topic&target_id=999999").status_code == 404
    assert client.get("/subscriptions/new?target=nonsense").status_code == 404
    assert client.get("/subscriptions/new?target=unit&target_id=99999999999999999999").status_code == 404


def test_a_tampered_or_expired_confirmation_link_is_refused(app, client, f):
    topic = f.topic()
    subscription = svc.follow_by_email("x@example.com", "", svc.describe("topic", topic.id), "instant")
    db.session.commit()
    token = tokens.sign_confirmation(subscription.id)
    assert client.post(f"/subscriptions/confirm/{token}x").status_code == 404
    assert client.post(f"/subscriptions/confirm/{tokens.sign('unsubscribe', subscription.id)}").status_code == 404


@pytest.fixture
def csrf_client(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, PORTAL_BASE_URL="https://portal.example.gov.cn")
    return app


def test_one_click_unsubscribe_works_logged_out_without_csrf_only_with_the_signed_token(csrf_client):
    app = csrf_client
    with app.app_context():
        from tests import factories as f

        topic = f.topic()
        subscription = svc.follow_by_email("one@example.com", "", svc.describe("topic", topic.id), "instant")
        svc.confirm(subscription)
        subscriber_id = subscription.subscriber_id
        db.session.commit()
        token = tokens.sign("unsubscribe", subscriber_id)
    client = app.test_client()
    # RFC 8058: the mail client posts "List-Unsubscribe=One-Click", no cookie, no CSRF token
    assert client.post(f"/subscriptions/unsubscribe/{token[:-2]}xx",
                       data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert client.post(f"/subscriptions/manage/{tokens.sign('manage', subscriber_id)}/1/remove").status_code == 400
    page = client.get(f"/subscriptions/unsubscribe/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"].startswith("no-store")
    answer = client.post(f"/subscriptions/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Subscription.id))) == 0


def test_logged_in_follow_button_and_my_subscriptions(app, client, login, f):
    unit = f.unit(name="青松区民政局")
    resident = f.resident()
    db.session.commit()
    login(resident)
    page = client.get(f"/units/{unit.slug}")
    assert 'action="/subscriptions/follow"' in page.text
    client.post("/subscriptions/follow", data={"target": "unit", "target_id": unit.id, "next": f"/units/{unit.slug}"})
    subscription = db.session.scalar(select(Subscription))
    assert subscription.confirmed_at is not None and subscription.target == "unit"
    assert "取消关注" in client.get(f"/units/{unit.slug}").text
    again = client.post("/subscriptions/follow", data={"target": "unit", "target_id": unit.id})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(Subscription.id))) == 1
    mine = client.get("/me/subscriptions")
    assert "青松区民政局" in mine.text and "全部征求意见" in mine.text
    client.post(f"/me/subscriptions/{subscription.id}/frequency", data={"frequency": "daily"})
    db.session.expire_all()
    assert db.session.get(Subscription, subscription.id).frequency == "daily"
    other = f.resident()
    db.session.commit()
    login(other)
    assert client.post(f"/subscriptions/{subscription.id}/unfollow").status_code == 404
    assert client.post(f"/me/subscriptions/{subscription.id}/frequency", data={"frequency": "instant"}).status_code == 404


def test_anonymous_pages_link_to_the_subscribe_page_and_hold_no_csrf_form(app, client, f):
    unit = f.unit()
    db.session.commit()
    for path in (f"/units/{unit.slug}", "/consultations", "/open-days", "/meetings", "/feedback"):
        text = client.get(path).text
        assert "/subscriptions/new?target=" in text, path
        assert 'action="/subscriptions/follow"' not in text and "csrf_token" not in text, path


def test_anonymous_manage_page_changes_frequency_and_removes(app, client, f):
    topic = f.topic(name="营商环境")
    subscription = svc.follow_by_email("m@example.com", "", svc.describe("topic", topic.id), "instant")
    svc.confirm(subscription)
    db.session.commit()
    token = tokens.sign("manage", subscription.subscriber_id)
    page = client.get(f"/subscriptions/manage/{token}")
    assert page.status_code == 200 and "营商环境" in page.text
    client.post(f"/subscriptions/manage/{token}/{subscription.id}/frequency", data={"frequency": "daily"})
    db.session.expire_all()
    assert db.session.get(Subscription, subscription.id).frequency == "daily"
    client.post(f"/subscriptions/manage/{token}/{subscription.id}/remove")
    assert db.session.scalar(select(func.count(Subscription.id))) == 0


def test_atom_feeds_per_unit_and_topic_for_every_event_type(app, client, f):
    from portal.consultation import services as consultation_svc

    topic = f.topic(slug="chengshi-gengxin")
    unit = f.unit(slug="minzheng")
    item = f.decision(unit, kind="other", status="drafting")
    item.topics = [topic]
    consultation = f.consultation(item, status="draft")
    from portal import clock

    consultation.opens_at = clock.now()
    consultation_svc.publish(f.staff(unit), consultation)
    db.session.commit()
    for path in ("/units/minzheng/events.atom", "/topics/chengshi-gengxin/events.atom"):
        feed = client.get(path, headers={"Host": "evil.example"})
        assert feed.status_code == 400  # another host is refused outright
        feed = client.get(path)
        assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
        assert "征求意见开始" in feed.text
        assert f"https://portal.example.gov.cn/consultations/{consultation.id}" in feed.text
        only = client.get(path + "?kind=consultation.closed")
        assert "征求意见开始" not in only.text
        assert client.get(path + "?kind=nonsense").status_code == 404
    assert client.get("/units/nope/events.atom").status_code == 404
    assert db.session.scalar(select(func.count(Event.id))) >= 1
    assert delivery.fan_out()[0] >= 1

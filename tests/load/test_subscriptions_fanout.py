"""Publishing a consultation to many subscribers (``SUBSCRIBERS``, default 100,000): the staff
request only writes the event row, and the worker's fan-out queues every email in batches.

Prints the staff request time (median of 5 publications: 0 subscribers and N subscribers) and the
fan-out time (deliveries + outbox rows) for N. Run on SQLite, and with TEST_DATABASE_URL on
PostgreSQL: ``python -m pytest -q -s -m load tests/load/test_subscriptions_fanout.py``.
"""
from __future__ import annotations

import os
import statistics
import time
from datetime import datetime

import pytest
from sqlalchemy import func, insert, select

from portal.consultation.models import Consultation
from portal.extensions import db
from portal.notifications.models import OutboxEmail
from portal.subscriptions import delivery
from portal.subscriptions.models import Subscriber, Subscription

SUBSCRIBERS = int(os.environ.get("SUBSCRIBERS", "100000"))
NOW = datetime(2026, 6, 1, 10, 0)


@pytest.fixture
def clock_now():
    return NOW


def _subscribe_many(topic_id: int, n: int) -> None:
    step = 10000
    for start in range(0, n, step):
        rows = [{"email": f"s{i}@example.com", "name": "", "failures": 0, "created_at": NOW}
                for i in range(start, min(start + step, n))]
        db.session.execute(insert(Subscriber), rows)
    ids = db.session.scalars(select(Subscriber.id).order_by(Subscriber.id)).all()
    for start in range(0, len(ids), step):
        db.session.execute(insert(Subscription), [
            {"subscriber_id": i, "target": "topic", "target_id": topic_id, "frequency": "instant",
             "confirmed_at": NOW, "created_at": NOW} for i in ids[start:start + step]])
    db.session.commit()


def _publish_times(client, f, unit, topic, staff, count=5) -> list[float]:
    times = []
    for _ in range(count):
        item = f.decision(unit, kind="other", status="drafting")
        item.topics = [topic]
        consultation = f.consultation(item, status="draft", opens_at=datetime(2026, 6, 1, 9, 0),
                                      closes_at=datetime(2026, 7, 1, 9, 0))
        db.session.commit()
        started = time.perf_counter()
        answer = client.post(f"/staff/consultations/{consultation.id}/publish")
        times.append(time.perf_counter() - started)
        assert answer.status_code == 302
        assert db.session.get(Consultation, consultation.id).published_at is not None
    return times


def test_publishing_to_100000_subscribers_is_fanned_out_by_the_worker(app, client, login, f):
    unit = f.unit()
    topic = f.topic()
    staff = f.staff(unit)
    db.session.commit()
    login(staff)
    empty = _publish_times(client, f, unit, topic, staff)
    delivery.fan_out()  # the events of the publications without subscribers
    db.session.commit()
    started = time.perf_counter()
    _subscribe_many(topic.id, SUBSCRIBERS)
    setup = time.perf_counter() - started
    full = _publish_times(client, f, unit, topic, staff, count=1)
    started = time.perf_counter()
    if os.environ.get("PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        events, deliveries, queued = profile.runcall(delivery.fan_out, commit_each=db.session.commit)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    else:
        events, deliveries, queued = delivery.fan_out(commit_each=db.session.commit)
    db.session.commit()
    fanned = time.perf_counter() - started
    emails = db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.subscriber_id.is_not(None)))
    print(f"\n[{db.engine.dialect.name}] subscribers={SUBSCRIBERS} setup={setup:.1f}s "
          f"publish request: {statistics.median(empty) * 1000:.0f} ms without subscribers, "
          f"{statistics.median(full) * 1000:.0f} ms with {SUBSCRIBERS}; "
          f"fan-out: {events} events, {deliveries} deliveries, {queued} emails queued in {fanned:.1f}s "
          f"({SUBSCRIBERS / fanned:.0f}/s)")
    # The event of the consultation and the event of its item moving to "consulting": each to everyone.
    assert deliveries == SUBSCRIBERS and emails == SUBSCRIBERS  # one event: the consultation opened
    assert statistics.median(full) < max(3 * statistics.median(empty), 0.5)

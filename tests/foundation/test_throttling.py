"""Login throttling per IP and per account (Flask-Limiter), in memory and shared through Redis."""
from __future__ import annotations

import uuid

import pytest

from portal.extensions import db
from tests import factories


def _attempt(client, login, ip="10.0.0.1"):
    return client.post("/auth/login", data={"login": login, "password": "Wrong-Password-1"},
                       environ_base={"REMOTE_ADDR": ip})


def test_per_account_limit_answers_429_in_chinese(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_ACCOUNT="3 per 5 minutes",
                   LOGIN_RATE_LIMIT_IP="100 per 5 minutes", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    for n in range(3):
        assert _attempt(client, "li@example.com", ip=f"10.0.0.{n}").status_code == 422
    # The 4th attempt on the same account is refused whatever the IP, and whatever the spelling.
    response = _attempt(client, "LI@example.com", ip="10.9.9.9")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "(429)" in html
    # Another account from the same IP is not affected.
    assert _attempt(client, "wang@example.com", ip="10.9.9.9").status_code == 422


def test_per_ip_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_IP="4 per 5 minutes",
                   LOGIN_RATE_LIMIT_ACCOUNT="100 per 5 minutes", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    for n in range(4):
        assert _attempt(client, f"user{n}@example.com").status_code == 422
    assert _attempt(client, "user9@example.com").status_code == 429
    assert _attempt(client, "user9@example.com", ip="10.0.0.2").status_code == 422


def test_page_views_are_not_throttled(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_IP="1 per 5 minutes",
                   RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    for _ in range(5):
        assert client.get("/auth/login").status_code == 200


def test_a_successful_login_is_counted_but_works_until_the_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_ACCOUNT="2 per 5 minutes",
                   RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        factories.resident(email="li@example.com")
        db.session.commit()
    client = app.test_client()
    assert _attempt(client, "li@example.com").status_code == 422
    ok = client.post("/auth/login", data={"login": "li@example.com", "password": factories.PASSWORD})
    assert ok.status_code == 302


@pytest.fixture
def redis_url(redis_test_url):
    import redis

    client = redis.Redis.from_url(redis_test_url)
    prefix = f"portal-foundation-test-{uuid.uuid4().hex[:8]}"
    yield redis_test_url, prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_limit_is_shared_between_processes_through_redis(make_app, redis_url):
    """Two app instances (as two worker processes) count against the same limit in Redis."""
    url, prefix = redis_url
    config = dict(RATELIMIT_ENABLED=True, REDIS_URL=url, RATELIMIT_KEY_PREFIX=prefix,
                  LOGIN_RATE_LIMIT_ACCOUNT="3 per 5 minutes", LOGIN_RATE_LIMIT_IP="100 per 5 minutes")
    first = make_app(**config)
    assert first.config["RATELIMIT_STORAGE_URI"] == url
    for n in range(3):
        assert _attempt(first.test_client(), "li@example.com", ip=f"10.1.0.{n}").status_code == 422
    second = make_app(**config)  # a fresh app: an in-memory counter would start again at zero
    assert _attempt(second.test_client(), "li@example.com").status_code == 429
    import redis

    keys = list(redis.Redis.from_url(url).scan_iter(f"*{prefix}*"))
    assert keys, "the limiter wrote no key under this test's prefix"


def test_memory_storage_is_not_shared(make_app):
    """The control for the Redis test: with memory storage a fresh app starts counting afresh."""
    config = dict(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                  LOGIN_RATE_LIMIT_ACCOUNT="3 per 5 minutes")
    first = make_app(**config)
    for _ in range(3):
        _attempt(first.test_client(), "li@example.com")
    assert _attempt(first.test_client(), "li@example.com").status_code == 429
    second = make_app(**config)
    assert _attempt(second.test_client(), "li@example.com").status_code == 422

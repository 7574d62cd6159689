"""Absolute links never come from the request's Host header (issue 12, point 4).

The attack: one anonymous request for an Atom feed sent with ``Host: evil.example``; the page cache
kept that copy and served links to http://evil.example/... to every later visitor.
"""
from __future__ import annotations

from datetime import datetime

import pytest

from portal.extensions import db

BASE = "https://canyu.qingsong.example.gov.cn"
FEEDS = ["/consultations/feed.atom", "/catalogue/feed.atom", "/feedback/feed.atom"]


@pytest.fixture
def cached_app(make_app, f):
    app = make_app(PAGE_CACHE_SECONDS=300, PORTAL_BASE_URL=BASE, EXTRA_HOSTS=["www.qingsong.example.gov.cn"])
    with app.app_context():
        consultation = f.consultation(status="open")
        unit = consultation.decision.unit
        f.catalogue(unit, published_at=datetime(2026, 3, 20, 9, 0))
        db.session.commit()
        yield app


@pytest.mark.parametrize("path", FEEDS)
def test_a_forged_host_is_refused_and_poisons_nothing(cached_app, path):
    client = cached_app.test_client()
    attack = client.get(path, headers={"Host": "evil.example"})
    assert attack.status_code == 400
    assert b"evil.example" not in attack.data
    victim = client.get(path)  # Host: localhost, trusted in tests
    body = victim.get_data(as_text=True)
    assert victim.status_code == 200 and "evil.example" not in body
    assert f'href="{BASE}{path}"' in body  # rel="self"
    assert "http://localhost" not in body


def test_feed_links_come_from_the_base_url_for_every_accepted_host(cached_app):
    """A trusted alias (EXTRA_HOSTS) fills the cache: the copy still links to the base URL."""
    client = cached_app.test_client()
    first = client.get("/consultations/feed.atom", headers={"Host": "www.qingsong.example.gov.cn"})
    body = first.get_data(as_text=True)
    assert first.status_code == 200 and first.headers["X-Cache"] == "miss"
    assert f"{BASE}/consultations/" in body and "www.qingsong" not in body
    again = client.get("/consultations/feed.atom")
    assert "www.qingsong" not in again.get_data(as_text=True)


def test_without_a_base_url_the_cache_key_holds_the_host(make_app, f):
    """Development without PORTAL_BASE_URL: links follow the request, but one host's copy is
    never served to another host."""
    app = make_app(PAGE_CACHE_SECONDS=300, PORTAL_BASE_URL="")
    with app.app_context():
        f.consultation(status="open")
        db.session.commit()
        client = app.test_client()
        attack = client.get("/consultations/feed.atom", headers={"Host": "evil.example"})
        assert "http://evil.example/" in attack.get_data(as_text=True)
        victim = client.get("/consultations/feed.atom")
        assert victim.headers["X-Cache"] == "miss"
        assert "evil.example" not in victim.get_data(as_text=True)


def test_api_document_urls_use_the_base_url(make_app, f):
    app = make_app(PORTAL_BASE_URL=BASE, EXTRA_HOSTS=["api.qingsong.example.gov.cn"])
    with app.app_context():
        consultation = f.consultation(status="open")
        f.catalogue(consultation.decision.unit, published_at=datetime(2026, 3, 20, 9, 0))
        db.session.commit()
        client = app.test_client()
        data = client.get("/api/v1/decisions", headers={"Host": "api.qingsong.example.gov.cn"}).get_json()
        urls = [item["url"] for item in data["items"]]
        assert urls and all(url.startswith(f"{BASE}/decisions/") for url in urls)


def test_mail_links_use_the_base_url(make_app):
    from portal.urls import absolute_url

    app = make_app(PORTAL_BASE_URL=BASE + "/")
    with app.test_request_context("/", headers={"Host": "localhost"}):
        assert absolute_url("/me/inbox") == f"{BASE}/me/inbox"


def test_a_base_url_with_a_path_prefixes_links_once(make_app):
    from flask import url_for

    from portal.urls import absolute_url

    app = make_app(PORTAL_BASE_URL="https://www.qingsong.example.gov.cn/canyu")
    with app.test_request_context("/", headers={"Host": "www.qingsong.example.gov.cn"}):
        assert url_for("units.index", _external=True) == "https://www.qingsong.example.gov.cn/canyu/units"
        assert absolute_url(url_for("units.index")) == "https://www.qingsong.example.gov.cn/canyu/units"


def test_unknown_hosts_are_refused_known_ones_answered(make_app):
    app = make_app(TESTING=False, SECRET_KEY="a-real-secret-key-for-this-test", PORTAL_BASE_URL=BASE,
                   EXTRA_HOSTS=["10.0.0.5"])
    client = app.test_client()
    assert client.get("/units", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/units", headers={"Host": "localhost"}).status_code == 400  # not in production
    assert client.get("/units", headers={"Host": "canyu.qingsong.example.gov.cn"}).status_code == 200
    assert client.get("/units", headers={"Host": "canyu.qingsong.example.gov.cn:443"}).status_code == 200
    assert client.get("/units", headers={"Host": "10.0.0.5:8000"}).status_code == 200
    # Load balancers check health by IP address.
    assert client.get("/healthz", headers={"Host": "172.16.0.9"}).status_code in (200, 503)


def test_base_url_from_the_environment(monkeypatch, make_app):
    """PORTAL_BASE_URL in the environment sets the setting of that name (it used to set an unused
    BASE_URL)."""
    monkeypatch.setenv("PORTAL_BASE_URL", "https://env.qingsong.example.gov.cn")
    monkeypatch.setenv("PORTAL_EXTRA_HOSTS", '["a.example", "b.example"]')
    app = make_app()
    assert app.config["PORTAL_BASE_URL"] == "https://env.qingsong.example.gov.cn"
    assert app.config["EXTRA_HOSTS"] == ["a.example", "b.example"]
    assert "BASE_URL" not in app.config

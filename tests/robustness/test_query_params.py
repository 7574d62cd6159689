"""Property-based tests of the query parameters and path segments of every public page: catalogue
search ``q`` and its filters (unit, year, topic, status, kind), the consultations / meetings /
open-days lists (show, when, page), comment pages (section, page), feedback (page, version), the
open month, preference links and login/register ``next``.

Guards DESIGN §4 and §6 "Security": hostile values (any Unicode, control characters, 10,000
characters, HTML/script, template and SQL-ish payloads, huge and negative numbers) never cause a
5xx, are never reflected unescaped nor evaluated, and never open a redirect to another site.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .conftest import FAST, MATRIX, NOW, check_page, hostile_text
from .world import seed_world

NUMBERS = st.sampled_from(["0", "-1", "1", "2", "2026", "99999999999999999999", "1e3", "0x10", " 3 ", "٣",
                           "²", "1.5", "NaN", "-0", str(2**31), str(2**63)])
VALUE = st.one_of(NUMBERS, hostile_text(80))

# page -> the parameters it reads (each is attacked; an unknown extra parameter too)
PAGES = {
    "/catalogue": ["q", "unit", "year", "topic", "status", "kind", "page"],
    "/consultations": ["show", "page"],
    "/consultations/{consultation}": ["section"],
    "/consultations/{consultation}/comments": ["section", "page"],
    "/decisions/{decision}": [],
    "/feedback": ["page"],
    "/feedback/{feedback}": ["version", "page"],
    "/meetings": ["show", "page"],
    "/meetings/{meeting}": [],
    "/open-days": ["when", "page"],
    "/open-days/{activity}": [],
    "/open-month/2026": [],
    "/": [],
    "/privacy": [],
    "/auth/login": ["next"],
    "/auth/register": ["next"],
    "/preferences/language/en": ["next"],
    "/preferences/text-size/large": ["next"],
}
# pages whose last path segment is free text (a slug, a code, a receipt number)
SLUG_PAGES = ["/catalogue/2026/{}", "/preferences/language/{}", "/preferences/text-size/{}",
              "/consultations/receipts/{}", "/feedback/{{feedback}}/chart-{}.svg"]


@pytest.fixture
def world(app):
    return seed_world(app, NOW)


def _url(template: str, world) -> str:
    ids = {"consultation": world.consultations[0].id, "decision": world.decisions[0].id,
           "feedback": world.feedback_item.id, "meeting": world.meetings[0].id,
           "activity": world.activities[0].id}
    return template.format(**ids)


def _check(client, url: str, query: dict[str, str]) -> None:
    response = client.get(url, query_string=query)
    check_page(response, *query.values())
    assert response.status_code in (200, 302, 400, 404), (url, query, response.status_code)
    if response.status_code == 302:
        target = urlsplit(response.headers["Location"])
        assert target.netloc in ("", "localhost"), f"open redirect to {response.headers['Location']!r}"


@FAST
@given(page=st.sampled_from(sorted(PAGES)), data=st.data())
def test_public_pages_with_hostile_query_parameters(client, world, page, data):
    names = PAGES[page] + ["zz_unknown"]
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    query = {name: data.draw(VALUE, label=name) for name in chosen}
    _check(client, _url(page, world), query)


@FAST
@given(template=st.sampled_from(SLUG_PAGES), value=hostile_text(80))
def test_public_pages_with_hostile_path_segments(client, world, template, value):
    segment = quote(value, safe="")
    if not segment or segment in (".", ".."):
        return
    response = client.get(_url(template.format(segment), world))
    check_page(response, value)
    assert response.status_code in (200, 302, 400, 404), (template, value, response.status_code)


def test_every_payload_in_every_parameter(client, world):
    for page, names in PAGES.items():
        for name in names:
            for payload in MATRIX + ["99999999999999999999", "-1", "²"]:
                _check(client, _url(page, world), {name: payload})


@pytest.mark.parametrize("target", ["//evil.example", "/\t/evil.example", "https://evil.example/",
                                    "/\\evil.example", "javascript:alert(1)", "\x00/me", "/me\r\nX: y"])
def test_next_never_leaves_the_site(client, world, target):
    for page in ("/preferences/language/en", "/preferences/text-size/large"):
        _check(client, page, {"next": target})


def test_feedback_version_beyond_a_database_integer_is_not_found(client, world):
    response = client.get(f"/feedback/{world.feedback_item.id}", query_string={"version": str(2**64)})
    assert response.status_code == 404

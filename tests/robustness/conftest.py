"""Shared pieces of the robustness tests: hostile input strategies, a frozen clock, and the checks
every response to bad input must pass (no 5xx, no unescaped reflection, no evaluated template)."""
from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from markupsafe import escape

# Consultations of the factories are relative to the clock; meetings sign up 1–10 March 2026 and
# open days register 1 July – 9 August 2026: each test freezes the clock where it needs it.
NOW = datetime(2026, 4, 1, 10, 0)

# Function-scoped fixtures (app, client, f) are reused on purpose across examples: every example
# uses its own client and checks row counts before and after, so state between examples is fine.
FAST = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "zq{{7*7}}zq",
    "zq${7*7}zq",
    "zq{% print 7*7 %}zq",
    "' OR '1'='1' --",
    "1; DROP TABLE account; --",
    "%' AND 1=1 AND '%'='",
    "\\",
    "\x00",
    "\x1b[31m",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\r\n\r\nSet-Cookie: x=1",
    "e\u0301\u0302\u0303\u0304",
    "👩‍👩‍👧‍👦🇨🇳",
    "\ufeff\u200b\u200d",
    "\ud7ff\uffff",
]
# The payloads that every field of every form gets in turn (a representative subset, for speed).
MATRIX = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "zq{{7*7}}zq", "' OR '1'='1' --",
          "\x00", "\x1b[31m\u202e\r\n", "👩‍👩‍👧‍👦e\u0301中文", "意" * 10_000]
# Raw forms that must never appear in a page when the payload is reflected (their escaped form may).
DANGEROUS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>"]
EVALUATED = ["zq49zq"]

# Any Unicode except lone surrogates (which cannot be encoded in a request at all).
UNICODE = st.characters(codec="utf-8")
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
RTL_AND_MARKS = st.sampled_from(["\u202e", "\u202d", "\u200f", "\u0301", "\u0650", "\u05d0", "\u0627"])
CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\r", "\n",
                           "\t", "\u0085", "\u2028", "\u2029"])


def hostile_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Short hostile strings: any Unicode, CJK, RTL and combining marks, control characters,
    injection payloads, and over-long values (10,000 characters)."""
    mixed = st.text(st.one_of(UNICODE, CJK, RTL_AND_MARKS, CONTROL), max_size=max_size)
    return st.one_of(
        mixed,
        st.sampled_from(PAYLOADS),
        st.tuples(mixed, st.sampled_from(PAYLOADS), mixed).map("".join),
        st.builds(lambda ch, n: ch * n, st.sampled_from(["意", "a", "<", "\x00", "😀"]),
                  st.sampled_from([255, 2001, 10_000])),
    )


@st.composite
def _attacked(draw, valid: dict[str, str], sizes: dict[str, int]) -> dict[str, str]:
    chosen = draw(st.lists(st.sampled_from(sorted(valid)), min_size=1, max_size=2, unique=True))
    values = dict(valid)
    for name in chosen:
        values[name] = draw(hostile_text(sizes.get(name, 60)))
    return values


def attack(valid: dict[str, str], sizes: dict[str, int] | None = None) -> st.SearchStrategy[dict[str, str]]:
    """The valid form data with one field (sometimes two) replaced by hostile text, so that every
    field's hostile value also reaches the services behind the form validation."""
    return _attacked(valid, sizes or {})


def check_page(response, *values: str) -> str:
    """No server error, no unescaped reflection of a dangerous payload, no evaluated template."""
    assert response.status_code < 500, f"{response.status_code} for {values!r}"
    body = response.get_data(as_text=True)
    if response.mimetype == "text/html":
        for value in values:
            for raw in DANGEROUS:
                if raw in (value or ""):
                    assert raw not in body, f"unescaped reflection of {raw!r}"
        for marker in EVALUATED:
            assert marker not in body, "a template expression in the input was evaluated"
    return body


def check_refused_form(response, data: dict[str, str], shown: tuple[str, ...] = ()) -> str:
    """A submission is accepted (a redirect), refused on the form (422: the form again with its error
    and what the user typed in the ``shown`` fields, escaped), or, holding a NUL character that
    nobody can type, refused as malformed (400)."""
    body = check_page(response, *data.values())
    if any("\x00" in str(value) for value in data.values()):
        assert response.status_code == 400, response.status_code
        return body
    assert response.status_code in (302, 303, 422), response.status_code
    if response.status_code == 422:
        assert "is-invalid" in body or "form-errors" in body, "a refused form must say why"
        for name in shown:
            value = data[name]
            if value.strip() and len(value) <= 2000:
                kept = str(escape(value)).replace("\r\n", "\n").replace("\r", "\n")
                assert kept in body.replace("\r\n", "\n").replace("\r", "\n"), f"{name}: the typed value was lost"
    return body


@pytest.fixture
def clock_now():
    return NOW


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def new_client(app):
    """A fresh anonymous client in English, optionally logged in as an account."""

    def make(account=None):
        c = app.test_client()
        c.set_cookie("lang", "en")
        if account is not None:
            with c.session_transaction() as session:
                session["_user_id"] = account.get_id()
                session["_fresh"] = True
        return c

    return make

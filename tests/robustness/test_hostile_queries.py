"""Every GET route in the URL map, as each role, with hostile query strings: no 5xx anywhere.

Guards issue 12 point 5 (DESIGN §6 "Bad input"): staff and admin pages included. The walk fills
each rule's URL parameters with real objects of a populated world (and ids that do not exist), asks
each page once plainly to learn which query parameters it reads, then sends each of those
parameters every hostile value (23-digit, negative, non-ASCII, emoji, empty, far dates...) alone,
all at once, repeated, plus unknown keys and keys that collide with ``url_for``'s own arguments
(``?endpoint=x``). A failure lists every role, URL and query that answered 5xx with its exception.
"""
from __future__ import annotations

import logging
from datetime import datetime

import pytest

from .walk import (
    LOOKUP_ROLES,
    ROLES,
    build,
    clients,
    fillings,
    get_rules,
    populate,
    reading,
    track_args,
)

NOW = datetime(2026, 4, 1, 10, 0)
HUGE = "9" * 23
# Each value goes alone into each parameter a page reads, then the parameter twice.
VALUES = [HUGE, "-1", "²", "中文😀", "", "9999-12-20"]
# Every parameter a page reads set at once to the same value.
TOGETHER = [HUGE, "²"]
# Sent to every page whatever it reads: unknown keys, keys that collide with url_for's own
# arguments, a negative page, empty and repeated keys.
ALWAYS = [("endpoint", "x"), ("_external", "1"), ("_anchor", "x"), ("_method", "POST"),
          ("_scheme", "javascript"), ("values", "x"), ("zz_unknown", "中文"), ("zz_unknown", ""),
          ("page", "-1"), ("page", str(10**20))]
# Parameters that only mean something together: sent when a page reads all of them.
TOGETHER_ONLY = [{"start": "9999-12-20", "n": "500"}, {"start": "0001-01-02", "n": "500"},
                 {"start": "2026-01-05", "n": HUGE}, {"year": "9999", "month": "12"}]
# Roles whose code paths are alike for query parsing: per-parameter attacks go to one of each.
GROUPS = {"anonymous": "public", "resident": "public", "staff": "staff", "other_staff": "staff",
          "admin": "admin"}


class _Exceptions(logging.Handler):
    """The exceptions logged by the portal's 500 handler."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.seen.append(f"{type(error).__name__}: {str(error).splitlines()[0][:160] if str(error) else ''}")


@pytest.fixture
def walk(app):
    track_args(app)
    populated = populate(app, NOW)
    handler = _Exceptions()
    app.logger.addHandler(handler)
    yield app, populated, handler
    app.logger.removeHandler(handler)


def _attacks(read: set[str]) -> list[list[tuple[str, str]]]:
    names = sorted(read)
    queries = [[(name, value)] for name in names for value in VALUES]
    queries += [[(name, "1"), (name, HUGE)] for name in names]
    if len(names) > 1:
        queries += [[(name, value) for name in names] for value in TOGETHER]
    queries += [list(pair.items()) for pair in TOGETHER_ONLY if set(pair) <= read]
    return queries


def test_no_get_route_answers_5xx_to_hostile_query_strings(walk):
    """Every GET rule × every role × (real objects, ids that do not exist) × hostile queries."""
    app, populated, handler = walk
    by_role = clients(app, populated)
    failures: list[str] = []
    requests = 0

    def get(role: str, url: str, query: list[tuple[str, str]]) -> set[str]:
        nonlocal requests
        requests += 1
        handler.seen.clear()
        with reading() as read:
            response = by_role[role].get(url, query_string=query)
            response.get_data()
        if response.status_code >= 500:
            shown = "&".join(f"{k}={v}" for k, v in query)
            failures.append(f"{response.status_code} {role:11} {url}?{shown}  {'; '.join(handler.seen)}")
        return read

    rules = get_rules(app)
    for rule in rules:
        attacked: set[tuple[str, frozenset[str]]] = set()
        for number, (real, arguments) in enumerate(fillings(rule, populated)):
            url = build(app, rule, arguments)
            for role in ROLES if real else LOOKUP_ROLES:
                read = get(role, url, [])
                if number == 0:
                    get(role, url, ALWAYS)
                if read and (GROUPS[role], frozenset(read)) not in attacked:
                    attacked.add((GROUPS[role], frozenset(read)))
                    for query in _attacks(read):
                        get(role, url, query)
    assert not failures, f"{len(failures)} of {requests} requests answered 5xx:\n" + "\n".join(failures)
    assert len(rules) > 100 and requests > 1500, requests  # the walk really walked

"""Every state change writes its audit entry (issue 15.7; 全程留痕): every POST form of every page of
a populated portal is submitted once, as the page rendered it (an edit form with its current
values, a button with its token), as the first role that may open the page. Any request that
commits a change to the portal's data must commit an audit entry with it.

This is generic on purpose: a new route or service that forgets ``record(...)`` fails here without
a test of its own (an open-day cancellation without its entry once passed every test)."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from tests.robustness.test_post_forms import _Forms
from tests.robustness.walk import build, clients, fillings, get_rules, populate

NOW = datetime(2026, 4, 1, 10, 0)
ROLE_ORDER = ("resident", "staff", "admin")
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Rows that are not the portal's state: the log itself and what follows it, indexes, mail and
# inbox deliveries (they belong to a change that is audited), sessions and sign-in bookkeeping.
NOT_STATE = {"audit_entry", "data_version", "search_token", "outbox_email", "inbox_message"}
# Forms whose effect ends the walk or is covered elsewhere: signing out, deleting one's account,
# and the sign-in forms (tests/foundation).
SKIP_ACTIONS = ("/auth/logout", "/me/delete", "/auth/login", "/auth/register", "/auth/verify", "/auth/reset",
                "/auth/password")


class _Writes:
    """The tables written by the transactions committed since ``reset()``."""

    def __init__(self, engine):
        self.pending: list[tuple[str, str]] = []
        self.committed: list[tuple[str, str]] = []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        self.engine = engine

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        match = _WRITE.match(statement)
        if match:
            self.pending.append((statement.split()[0].upper(), match.group(1)))

    def _commit(self, conn):
        self.committed.extend(self.pending)
        self.pending = []

    def _rollback(self, conn):
        self.pending = []

    def reset(self):
        self.pending, self.committed = [], []

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)


@pytest.fixture
def walk(app):
    populated = populate(app, NOW)
    writes = _Writes(db.engine)
    yield app, populated, writes
    writes.close()


def test_every_committed_change_has_its_audit_entry(walk):
    app, populated, writes = walk
    by_role = clients(app, populated)
    failures: list[str] = []
    changes: list[str] = []
    posted: set[tuple[str, str]] = set()
    # The account pages last: deactivating or editing an account ends that client's session.
    for rule in sorted(get_rules(app), key=lambda r: (r.rule.startswith("/admin/accounts"), r.rule)):
        if rule.arguments and "GET" not in (rule.methods or ()):
            continue
        real, arguments = next(fillings(rule, populated))
        url = build(app, rule, arguments)
        for role in ROLE_ORDER:
            page = by_role[role].get(url)
            if page.status_code != 200 or "text/html" not in page.content_type:
                page.close()  # a streamed export not read
                continue
            parser = _Forms()
            parser.feed(page.get_data(as_text=True))
            for action, fields in parser.forms:
                target = action or url
                if target.startswith(SKIP_ACTIONS) or (role, target) in posted or target.startswith("http"):
                    continue
                posted.add((role, target))
                writes.reset()
                response = by_role[role].post(target, data=MultiDict(fields))
                tables = {table for _kind, table in writes.committed} - NOT_STATE
                if not tables:
                    continue
                changes.append(f"{role} {target}")
                if ("INSERT", "audit_entry") not in writes.committed:
                    failures.append(f"{role} POST {target} ({response.status_code}) changed {sorted(tables)} "
                                    "without an audit entry")
    assert not failures, "\n".join(failures)
    # The walk did change things, among them the resident's own cancellation of an open-day seat.
    assert len(changes) >= 8 and "resident /me/open-days/1/cancel" in changes, changes

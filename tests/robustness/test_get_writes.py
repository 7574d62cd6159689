"""No GET request writes to the database (docs/architecture.md, "Transactions" 5; issue 20 point 1).

Every GET rule of the URL map, with every real object of a populated world (and ids that do not
exist), as each role, at a moment when time-driven work is due (open-day slots are over, feedback
reports are due, calendar years are missing): no INSERT, UPDATE or DELETE reaches the database.
Work driven by time belongs in the scheduled jobs, never in whoever opens a page first.
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import delete, event

from portal.extensions import db
from portal.feedback.models import CalendarWarning

from .walk import LOOKUP_ROLES, ROLES, build, clients, fillings, get_rules, populate

# After the open days of the world (10–13 August 2026) and the feedback report deadlines.
NOW = datetime(2026, 8, 20, 10, 0)
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|TRUNCATE)\b", re.IGNORECASE)

# fixed in branches odays/cfc; remove when merged.
KNOWN_WRITERS: set[str] = set()  # GET routes allowed to write: none (docs/architecture.md)


@pytest.fixture
def writes(app):
    """The write statements executed while the fixture's list is being recorded."""
    seen: list[str] = []
    recording = [False]

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if recording[0] and WRITE.match(statement):
            seen.append(" ".join(statement.split())[:160])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    yield seen, recording
    event.remove(engine, "before_cursor_execute", before_cursor_execute)


def test_listener_sees_writes(app, writes, f):
    """The check itself: a write through the session is recorded, a read is not."""
    seen, recording = writes
    recording[0] = True
    unit = f.unit()
    db.session.get(type(unit), unit.id)
    db.session.commit()
    recording[0] = False
    assert any(s.startswith("INSERT INTO unit") for s in seen), seen
    assert not any(s.upper().startswith("SELECT") for s in seen)


def test_no_get_request_writes(app, writes):
    seen, recording = writes
    populated = populate(app, NOW)
    # Publishing the world's feedback report already warned about the missing calendar year; a
    # new year's first warning is what a page must not write.
    db.session.execute(delete(CalendarWarning))
    db.session.commit()
    by_role = clients(app, populated)
    offenders: list[str] = []
    known: set[str] = set()
    for rule in get_rules(app):
        for real, arguments in fillings(rule, populated):
            url = build(app, rule, arguments)
            for role in ROLES if real else LOOKUP_ROLES:
                seen.clear()
                recording[0] = True
                try:
                    by_role[role].get(url).get_data()
                finally:
                    recording[0] = False
                if seen and rule.endpoint in KNOWN_WRITERS:
                    known.add(rule.endpoint)
                    db.session.execute(delete(CalendarWarning))  # the next page finds the year unwarned
                    db.session.commit()
                elif seen:
                    offenders.append(f"{role:11} GET {url} ({rule.endpoint}): " + "; ".join(dict.fromkeys(seen)))
    assert not offenders, f"{len(offenders)} GET requests wrote to the database:\n" + "\n".join(offenders)
    # The walk reaches the known writers: once they are fixed this fails, so the set is emptied.
    assert known == KNOWN_WRITERS, f"no longer writing on GET, remove from KNOWN_WRITERS: {KNOWN_WRITERS - known}"

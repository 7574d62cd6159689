"""Count the SQL statements a block issues (to keep list pages free of N+1 queries), and record the
writes it makes (a GET request makes none)."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
            self.statements.append(statement)


@contextmanager
def count_queries():
    counter = QueryCounter()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def recorded_writes():
    """The INSERT, UPDATE and DELETE statements issued inside the block (a list, filled as they run)."""
    with count_queries() as counter:
        writes: list[str] = []
        yield writes
        writes.extend(s for s in counter.statements if s.lstrip().upper().startswith(WRITES))

"""Count the SQL statements a block issues (to keep list pages free of N+1 queries)."""
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

"""Full-text search in Chinese and Latin script that works the same on SQLite and PostgreSQL.

Neither database tokenises Chinese usefully out of the box (SQLite's FTS5 trigram tokenizer finds
nothing for two-character words; ``LIKE '%..%'`` scans every row), so every indexed object keeps
its tokens in one table, ``search_token(object_type, token, object_id, weight)``, whose primary
key is the index a query uses:

- Chinese text gives its single characters (unigrams) and each pair of neighbouring characters
  (bigrams): 垃圾分类 → 垃 圾 分 类 垃圾 圾分 分类;
- Latin letters and digits give lower-cased words (NFKC first, so ｐｍ２ is pm2).

A query is tokenised the same way: a one-character Chinese query needs its unigram, a longer run
needs all its bigrams, and each Latin word matches as a prefix (a range scan on the index). Matches
are ranked by the weights of the fields they were found in (a title counts more than a summary).

A feature registers a model once, and its rows are indexed whenever a flush writes an indexed
field (so factories, services and the demo all stay in step)::

    search.register(DecisionItem, "decision", {"title": 10, "summary": 2, "background": 1})
    query = query.where(DecisionItem.id.in_(select(hits.c.object_id)))  # hits = search.matches(...)

``flask --app portal search reindex`` (``portal/cli.py``) rebuilds the whole table.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Index,
    String,
    Table,
    and_,
    delete,
    event,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from .extensions import Model, db

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_CJK}]+|[0-9a-z]+")
MAX_TOKEN_LENGTH = 40
# A query's terms are counted up to this many objects to find the rarest: a common term costs no
# more than a rare one to count, whatever the size of the table.
RAREST_COUNT_CAP = 2000


class SearchToken(Model):
    """One token of one indexed object, with the weight of the best field it occurs in."""

    __tablename__ = "search_token"
    # An object's tokens (reindexing it; checking a term of one object by a seek, index only).
    __table_args__ = (Index("ix_search_token_object", "object_type", "object_id", "token"),)

    object_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    token: Mapped[str] = mapped_column(String(MAX_TOKEN_LENGTH), primary_key=True)
    object_id: Mapped[int] = mapped_column(primary_key=True)
    weight: Mapped[int] = mapped_column(default=1)


_TOKENS = cast(Table, SearchToken.__table__)  # the table itself, for Core statements in a flush


@dataclass(frozen=True)
class Query:
    """A tokenised query: each term must match (exact Chinese token, or Latin word prefix)."""

    cjk: tuple[str, ...]
    words: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.cjk or self.words)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def tokens(text: str) -> set[str]:
    """The tokens stored for ``text``: Chinese unigrams and bigrams, Latin/number words."""
    found: set[str] = set()
    for run in _RUN.findall(normalise(text)):
        if run[0].isascii():
            found.add(run[:MAX_TOKEN_LENGTH])
            continue
        found.update(run)
        found.update(run[i:i + 2] for i in range(len(run) - 1))
    return found


def parse(query: str) -> Query:
    """Tokenise a user's query the way ``tokens`` tokenises documents."""
    cjk: list[str] = []
    words: list[str] = []
    for run in _RUN.findall(normalise(query)):
        if run[0].isascii():
            words.append(run[:MAX_TOKEN_LENGTH])
        elif len(run) == 1:
            cjk.append(run)
        else:
            cjk.extend(run[i:i + 2] for i in range(len(run) - 1))
    return Query(tuple(dict.fromkeys(cjk)), tuple(dict.fromkeys(words)))


def _prefix_end(word: str) -> str:
    # Smallest string greater than every string that starts with ``word`` (all ASCII here).
    return word[:-1] + chr(ord(word[-1]) + 1)


def matches(object_type: str, query: str | Query):
    """A subquery ``(object_id, score)`` of the objects matching every term of ``query``, or
    None when the query has no searchable term (punctuation only, say)."""
    parsed = parse(query) if isinstance(query, str) else query
    if not parsed:
        return None
    terms = [SearchToken.token == t for t in parsed.cjk]
    terms += [and_(SearchToken.token >= w, SearchToken.token < _prefix_end(w)) for w in parsed.words]
    of_type = SearchToken.object_type == object_type
    if len(terms) == 1:
        return (select(SearchToken.object_id, func.sum(SearchToken.weight).label("score"))
                .where(of_type, terms[0]).group_by(SearchToken.object_id).subquery())
    # Start from the rarest term (counting a term is a scan of the primary key (object_type,
    # token, object_id) that reads no table rows), then check the other terms of those objects
    # only. The cost grows with the rarest term's objects, never with the whole table (grouping
    # every token of every object did: 1.3 s for 垃圾分类 on SQLite at 10,000 decisions) nor with
    # the common terms (关于 is in every title: terms are counted up to RAREST_COUNT_CAP only).
    counts = union_all(*[select(literal(i).label("term"), func.count().label("n"))
                         .select_from(select(literal(1).label("one")).where(of_type, term)
                                      .limit(RAREST_COUNT_CAP).subquery())
                         for i, term in enumerate(terms)]).subquery()
    rarest = min(db.session.execute(select(counts.c.term, counts.c.n)).all(), key=lambda row: row.n).term
    driver = select(SearchToken.object_id).where(of_type, terms[rarest]).distinct().subquery()
    if parsed.cjk:
        # Every Chinese term at once: one join on the primary key (object_type, token IN (...),
        # object_id) per object of the rarest term, kept when all of them are there. (A correlated
        # subquery per term and object cost 310 ms for a 13-character query on PostgreSQL.)
        token = aliased(SearchToken)
        base = (select(driver.c.object_id, func.sum(token.weight).label("score"))
                .join(token, and_(token.object_type == object_type, token.object_id == driver.c.object_id,
                                  token.token.in_(parsed.cjk)))
                .group_by(driver.c.object_id).having(func.count() == len(parsed.cjk)).subquery())
    else:
        base = select(driver.c.object_id, literal(0).label("score")).subquery()
    if not parsed.words:
        return base
    # Latin words (prefixes, rare in a query): a weight per word and object.
    other = aliased(SearchToken)
    first = len(parsed.cjk)
    weights = [select(func.sum(other.weight)).where(other.object_type == object_type,
                                                    term_of(other, parsed, first + j),
                                                    other.object_id == base.c.object_id)
               .scalar_subquery().label(f"w{j}") for j in range(len(parsed.words))]
    per_term = select(base.c.object_id, base.c.score, *weights).subquery()
    columns = [per_term.c[f"w{j}"] for j in range(len(parsed.words))]
    return (select(per_term.c.object_id, sum(columns, per_term.c.score).label("score"))
            .where(*[column.is_not(None) for column in columns])
            .subquery())


def term_of(table, parsed: Query, i: int):
    """The ``i``-th term of a parsed query as a condition on ``table`` (SearchToken or an alias).

    Beside ``object_id = ...`` it is answered by one seek in ``ix_search_token_object``
    (object_type, object_id, token), never by reading every object's tokens in a Latin word's range
    through the primary key (2026 is in a third of the titles: 1.4 s at 10,000 decisions on SQLite
    for 垃圾分类 2026 with the old two-column index)."""
    if i < len(parsed.cjk):
        return table.token == parsed.cjk[i]
    word = parsed.words[i - len(parsed.cjk)]
    return and_(table.token >= word, table.token < _prefix_end(word))


# -- indexing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    model: type[Any]
    object_type: str
    fields: dict[str, int]


_REGISTRY: dict[type, Registration] = {}


def register(model: type, object_type: str, fields: dict[str, int]) -> None:
    """Index ``model`` as ``object_type``: {field name: weight} (higher ranks first)."""
    _REGISTRY[model] = Registration(model, object_type, dict(fields))


def token_rows(registration: Registration, obj: Any) -> list[dict]:
    weights: dict[str, int] = {}
    for field, weight in registration.fields.items():
        for token in tokens(getattr(obj, field) or ""):
            weights[token] = max(weights.get(token, 0), weight)
    return [{"object_type": registration.object_type, "object_id": obj.id, "token": t, "weight": w}
            for t, w in weights.items()]


def _changed(registration: Registration, obj: Any) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[field].history.has_changes() for field in registration.fields)


@event.listens_for(Session, "after_flush")
def _index_flushed(session: Session, flush_context) -> None:
    if not _REGISTRY:
        return
    stale: list[tuple[str, int]] = []
    rows: list[dict] = []
    for obj in session.deleted:
        registration = _REGISTRY.get(type(obj))
        if registration is not None:
            stale.append((registration.object_type, obj.id))
    for obj in list(session.new) + list(session.dirty):
        registration = _REGISTRY.get(type(obj))
        if registration is None or (obj not in session.new and not _changed(registration, obj)):
            continue
        stale.append((registration.object_type, obj.id))
        rows.extend(token_rows(registration, obj))
    if not stale:
        return
    connection = session.connection()
    for object_type, object_id in stale:
        connection.execute(delete(_TOKENS).where(
            SearchToken.object_type == object_type, SearchToken.object_id == object_id))
    if rows:
        connection.execute(insert(_TOKENS), rows)


def reindex(batch: int = 500) -> dict[str, int]:
    """Rebuild the tokens of every registered model; returns objects indexed per type."""
    done: dict[str, int] = {}
    for registration in _REGISTRY.values():
        db.session.execute(delete(SearchToken).where(SearchToken.object_type == registration.object_type))
        count = 0
        last_id = 0
        model = registration.model
        while True:
            objects: list[Any] = list(db.session.scalars(select(model).where(model.id > last_id)
                                                         .order_by(model.id).limit(batch)))
            if not objects:
                break
            rows = [row for obj in objects for row in token_rows(registration, obj)]
            if rows:
                db.session.execute(insert(_TOKENS), rows)
            count += len(objects)
            last_id = objects[-1].id
            db.session.expunge_all()
        done[registration.object_type] = count
    return done

"""The kinds of things the site-wide search finds, in the order the results page shows them.

Each kind is one entry of ``KINDS``: the model's indexed fields are registered beside the model
(``search.register`` at the end of its models.py, as for decision items), and a function that turns the query into a select() of the public objects it matches, best first. The
ranking and the 1-/2-/n-character rules are portal.search's own (``search.matches``).

To add a kind (the board's published messages, say), register the model's fields in its
models.py, run ``flask --app portal search reindex`` once, and append one ``Kind``::

    search.register(BoardMessage, "board_message", {"title": 10, "body": 2})   # board/models.py

    def _board(query):
        hits = search.matches("board_message", query)
        return (select(BoardMessage, hits.c.score).join(hits, hits.c.object_id == BoardMessage.id)
                .where(BoardMessage.published_at.is_not(None)).order_by(hits.c.score.desc(), BoardMessage.id.desc()))

    KINDS.append(Kind("board", _l("Messages"), BoardMessage, _board, lambda m: Hit(m.title, url_for(...), ...)))
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import aliased

from .. import search
from ..catalogue.lifecycle import status_label
from ..catalogue.models import DecisionItem, public_decisions
from ..consultation.models import Consultation
from ..consultation.services import consultation_matches
from ..feedback.models import AdoptionReport
from ..meetings.models import Meeting
from ..open_days.models import OpenActivity


@dataclass(frozen=True)
class Hit:
    """One result as the page shows it."""

    title: str
    url: str
    unit: str
    when: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any
    model: Any
    query: Callable[[search.Query], Select | None]  # select(Model, score) of the public matches
    hit: Callable[[Any], Hit]
    list_url: Callable[[str], str] | None = None     # the kind's own list, filtered by the query


def _by_score(model, hits, *conditions) -> Select:
    return (select(model).join(hits, hits.c.object_id == model.id).where(*conditions)
            .order_by(hits.c.score.desc(), model.id.desc()))


def _decisions(query: search.Query) -> Select | None:
    hits = search.matches("decision", query)
    return None if hits is None else _by_score(DecisionItem, hits, public_decisions())


def _consultations(query: search.Query) -> Select | None:
    hits = consultation_matches(query)
    return None if hits is None else _by_score(Consultation, hits, Consultation.published_at.is_not(None))


def _reports(query: search.Query) -> Select | None:
    """Published reports whose summary, or whose decision item, matches every term. Driven from
    the (few) published reports, each checked by primary-key lookups in the token index: a word in
    thousands of decision items costs nothing here."""
    if not query:
        return None
    terms = range(len(query.cjk) + len(query.words))

    def all_terms(object_type: str, object_id):
        token = aliased(search.SearchToken)
        return and_(*[exists().where(token.object_type == object_type, token.object_id == object_id,
                                     search.term_of(token, query, i)) for i in terms])

    return (select(AdoptionReport).where(AdoptionReport.published_at.is_not(None),
                                         or_(all_terms("feedback_report", AdoptionReport.id),
                                             all_terms("decision", AdoptionReport.decision_id)))
            .order_by(AdoptionReport.published_at.desc(), AdoptionReport.id.desc()))


def _meetings(query: search.Query) -> Select | None:
    hits = search.matches("meeting", query)
    return None if hits is None else _by_score(Meeting, hits)


def _open_days(query: search.Query) -> Select | None:
    hits = search.matches("open_activity", query)
    return None if hits is None else _by_score(OpenActivity, hits, OpenActivity.starts_at.is_not(None))


KINDS: list[Kind] = [
    Kind("decision", _l("Decision items"), DecisionItem, _decisions,
         lambda d: Hit(f"{d.code} {d.title}", url_for("catalogue.hub", item_id=d.id), d.unit.name,
                       note=status_label(d.status)),
         lambda q: url_for("catalogue.index", q=q)),
    Kind("consultation", _l("Consultations"), Consultation, _consultations,
         lambda c: Hit(c.title, url_for("consultation.detail", consultation_id=c.id), c.unit.name, c.opens_at),
         lambda q: url_for("consultation.index", q=q, show="all")),
    Kind("feedback_report", _l("Adoption feedback reports"), AdoptionReport, _reports,
         lambda r: Hit(r.decision.title, url_for("feedback.report", decision_id=r.decision_id),
                       r.decision.unit.name, r.published_at)),
    Kind("meeting", _l("Meetings"), Meeting, _meetings,
         lambda m: Hit(m.title, url_for("meetings.detail", meeting_id=m.id), m.unit.name, m.starts_at)),
    Kind("open_activity", _l("Government open days"), OpenActivity, _open_days,
         lambda a: Hit(a.title, url_for("open_days.detail", activity_id=a.id), a.unit.name, a.starts_at)),
]


def kind_of(key: str | None) -> Kind | None:
    return next((kind for kind in KINDS if kind.key == key), None)

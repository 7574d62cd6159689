"""The policy evaluation window (政策评价与建议窗口): residents rate an issued policy 1–5 with an
optional suggestion; the hub shows the count and average; staff read the suggestions in their
inbox; the yearly report lists them per unit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock, privacy
from ..audit.services import record
from ..auth.access import scope_to_unit
from ..catalogue.models import DecisionItem
from ..database import savepoint
from ..errors import UserInputError
from ..extensions import db
from .models import PolicyEvaluation

SUGGESTION_MAX = 1000


@dataclass
class Score:
    count: int
    average: float | None


def evaluate(author, decision: DecisionItem, score, suggestion: str = "") -> PolicyEvaluation:
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise UserInputError("score", _("Choose a rating from 1 to 5."))
    suggestion = (suggestion or "").strip()
    if len(suggestion) > SUGGESTION_MAX:
        raise UserInputError("suggestion", _("The suggestion has %(length)s characters; at most %(max)s are "
                                             "allowed.", length=len(suggestion), max=SUGGESTION_MAX))
    refused = _("You have already rated this policy.")
    if db.session.scalar(select(PolicyEvaluation.id).where(PolicyEvaluation.decision_id == decision.id,
                                                           PolicyEvaluation.author_id == author.id)):
        raise UserInputError("score", refused)
    evaluation = PolicyEvaluation(decision_id=decision.id, unit_id=decision.unit_id, author_id=author.id,
                                  score=value, suggestion=suggestion,
                                  public_suggestion=privacy.scrub(suggestion)[0], created_at=clock.now())
    try:
        with savepoint():
            db.session.add(evaluation)
            db.session.flush()
    except IntegrityError:
        raise UserInputError("score", refused) from None
    record(author, "board.evaluate", evaluation, unit_id=decision.unit_id,
           after={"decision_id": decision.id, "score": value, "suggestion": bool(suggestion)})
    return evaluation


def score_of(decision_id: int) -> Score:
    count, average = db.session.execute(select(func.count(PolicyEvaluation.id), func.avg(PolicyEvaluation.score))
                                        .where(PolicyEvaluation.decision_id == decision_id)).one()
    return Score(count or 0, round(float(average), 1) if average is not None else None)


def own_evaluation(author, decision_id: int) -> PolicyEvaluation | None:
    return db.session.scalar(select(PolicyEvaluation).where(PolicyEvaluation.decision_id == decision_id,
                                                            PolicyEvaluation.author_id == author.id))


def suggestions_query(account):
    """Evaluations with a suggestion, for the staff inbox (the unit's own; every unit's for admins)."""
    query = scope_to_unit(select(PolicyEvaluation).where(PolicyEvaluation.suggestion != ""),
                          PolicyEvaluation.unit_id, account)
    return query.order_by(PolicyEvaluation.created_at.desc(), PolicyEvaluation.id.desc())


def mark_seen(actor, evaluation: PolicyEvaluation) -> None:
    if evaluation.seen_at is None:
        evaluation.seen_at = clock.now()
        db.session.flush()
        record(actor, "board.suggestion_seen", evaluation, unit_id=evaluation.unit_id)


def of_unit_year(unit_id: int, year: int) -> list[PolicyEvaluation]:
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    return list(db.session.scalars(select(PolicyEvaluation).where(
        PolicyEvaluation.unit_id == unit_id, PolicyEvaluation.created_at >= start,
        PolicyEvaluation.created_at < end).order_by(PolicyEvaluation.decision_id, PolicyEvaluation.created_at)))

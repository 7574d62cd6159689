"""A unit's yearly catalogue and the district office (目录报区府办): the unit submits it, the
district office approves it or returns it with comments, and only an approved catalogue is
published. Each step is audited and announced (inbox and email) to the other side."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import clock
from ..accounts.models import Account, Role
from ..audit.services import record
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..notifications.services import notify
from .models import CatalogueStage, DecisionItem, DecisionKind, ReviewStatus, YearlyCatalogue

RETURN_COMMENT_MAX = 2000


def _link(catalogue: YearlyCatalogue) -> str:
    return f"/staff/catalogue/{catalogue.unit_id}/{catalogue.year}"


def _admins() -> list[Account]:
    return list(db.session.scalars(select(Account).where(
        Account.role == Role.admin.value, Account.is_active_flag.is_(True)).order_by(Account.id)))


def _unit_staff(unit_id: int) -> list[Account]:
    return list(db.session.scalars(select(Account).where(
        Account.role == Role.staff.value, Account.unit_id == unit_id,
        Account.is_active_flag.is_(True)).order_by(Account.id)))


def _tell(accounts: list[Account], actor, subject: str, body: str, catalogue: YearlyCatalogue) -> None:
    for account in accounts:
        if account.id != getattr(actor, "id", None):
            notify(account, subject, body, link=_link(catalogue), kind="catalogue")


def _major_count(catalogue: YearlyCatalogue) -> int:
    return db.session.scalar(select(func.count(DecisionItem.id)).where(
        DecisionItem.unit_id == catalogue.unit_id, DecisionItem.year == catalogue.year,
        DecisionItem.kind == DecisionKind.major.value)) or 0


def _stage_refusal(catalogue: YearlyCatalogue) -> str:
    return _("This catalogue is \"%(stage)s\": that step is not possible now.",
             stage=CatalogueStage.label_of(catalogue.stage))


def submit(actor, catalogue: YearlyCatalogue) -> YearlyCatalogue:
    """The unit submits its catalogue (first time, or again after it was returned)."""
    if not catalogue.can_submit():
        raise RuleViolation(_stage_refusal(catalogue))
    count = _major_count(catalogue)
    if not count:
        raise RuleViolation(_("A catalogue needs at least one major decision item before it can be submitted."))
    before = {"review_status": catalogue.review_status}
    catalogue.review_status = ReviewStatus.submitted.value
    catalogue.submitted_at = clock.now()
    db.session.flush()
    record(actor, "catalogue.submit", catalogue, before=before,
           after={"review_status": catalogue.review_status, "submitted_at": catalogue.submitted_at, "items": count})
    unit_name = catalogue.unit.name
    _tell(_admins(), actor, _("Catalogue submitted for review: %(unit)s, %(year)s", unit=unit_name, year=catalogue.year),
          _("%(unit)s submitted its %(year)s catalogue of major decisions (%(n)s items) for review.",
            unit=unit_name, year=catalogue.year, n=count), catalogue)
    return catalogue


def return_for_revision(actor, catalogue: YearlyCatalogue, comment: str) -> YearlyCatalogue:
    """The district office returns a submitted catalogue with its comments."""
    comment = (comment or "").strip()
    if not catalogue.can_review():
        raise RuleViolation(_stage_refusal(catalogue))
    if not comment:
        raise UserInputError("comment", _("Give your comments: the unit revises the catalogue according to them."))
    if len(comment) > RETURN_COMMENT_MAX:
        raise UserInputError("comment", _("At most %(n)s characters.", n=RETURN_COMMENT_MAX))
    before = {"review_status": catalogue.review_status}
    catalogue.review_status = ReviewStatus.returned.value
    catalogue.returned_at = clock.now()
    catalogue.review_comment = comment
    catalogue.reviewed_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(actor, "catalogue.return", catalogue, before=before,
           after={"review_status": catalogue.review_status, "returned_at": catalogue.returned_at, "comment": comment})
    _tell(_unit_staff(catalogue.unit_id), actor,
          _("Catalogue returned for revision: %(year)s", year=catalogue.year),
          _("The district office returned your %(year)s catalogue with these comments:\n%(comment)s",
            year=catalogue.year, comment=comment), catalogue)
    return catalogue


def approve(actor, catalogue: YearlyCatalogue, comment: str = "") -> YearlyCatalogue:
    """The district office approves a submitted catalogue; the unit may then publish it."""
    comment = (comment or "").strip()[:RETURN_COMMENT_MAX]
    if not catalogue.can_review():
        raise RuleViolation(_stage_refusal(catalogue))
    before = {"review_status": catalogue.review_status}
    catalogue.review_status = ReviewStatus.approved.value
    catalogue.approved_at = clock.now()
    catalogue.review_comment = comment
    catalogue.reviewed_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(actor, "catalogue.approve", catalogue, before=before,
           after={"review_status": catalogue.review_status, "approved_at": catalogue.approved_at, "comment": comment})
    _tell(_unit_staff(catalogue.unit_id), actor, _("Catalogue approved: %(year)s", year=catalogue.year),
          _("The district office approved your %(year)s catalogue. Publish it by %(deadline)s.",
            year=catalogue.year, deadline=catalogue.deadline.isoformat()), catalogue)
    return catalogue


def major_items_changing(actor, catalogue: YearlyCatalogue | None, item: DecisionItem) -> None:
    """Called by the services before a catalogue's major items change (one added, edited, or an
    item joining or leaving the catalogue): what the district office reviewed is what is published.

    While the catalogue is submitted the change is refused; once approved (not yet published) the
    approval lapses: the catalogue is a draft again, to be submitted again, and the district office
    is told. A published catalogue changes with public reasons instead (``CatalogueChange``)."""
    if catalogue is None or catalogue.is_published:
        return
    if catalogue.review_status == ReviewStatus.submitted:
        raise RuleViolation(_("The catalogue is with the district office for review: its major items cannot "
                              "be changed until the office approves it or returns it."))
    if catalogue.review_status != ReviewStatus.approved:
        return
    before = {"review_status": catalogue.review_status, "approved_at": catalogue.approved_at}
    catalogue.review_status = ReviewStatus.draft.value
    catalogue.approved_at = None
    record(actor, "catalogue.approval_lapsed", catalogue, before=before,
           after={"review_status": catalogue.review_status, "item": item.code},
           summary=item.title)
    unit_name = catalogue.unit.name
    _tell(_admins() + _unit_staff(catalogue.unit_id), actor,
          _("Catalogue changed after approval: %(unit)s, %(year)s", unit=unit_name, year=catalogue.year),
          _("%(unit)s changed item %(code)s of its approved %(year)s catalogue. The approval has lapsed: "
            "the catalogue must be submitted and approved again before it is published.",
            unit=unit_name, code=item.code, year=catalogue.year), catalogue)


def announce_publication(actor, catalogue: YearlyCatalogue) -> None:
    """After publication: the district office and the unit's other staff are told."""
    subject = _("Catalogue published: %(unit)s, %(year)s", unit=catalogue.unit.name, year=catalogue.year)
    body = _("The %(year)s catalogue of %(unit)s is published.", year=catalogue.year, unit=catalogue.unit.name)
    _tell(_admins() + _unit_staff(catalogue.unit_id), actor, subject, body, catalogue)


def catalogues_of_year(year: int) -> dict[int, YearlyCatalogue]:
    """Every unit's catalogue of ``year``, by unit id."""
    return {c.unit_id: c for c in db.session.scalars(select(YearlyCatalogue).where(YearlyCatalogue.year == year))}

"""What the district office checks beside the targets (issue 15): every unit's catalogue against
its review and the 31 March deadline, the decisions issued without a public consultation (with
their public reasons), and each decision's public 办理记录 read from the audit log.

Read-only queries for the dashboard (/admin/compliance) and the decision hub; the compliance
figures themselves are ``portal.oversight.services``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select

from .. import clock
from ..audit.labels import action_label
from ..audit.models import AuditEntry
from ..extensions import db
from ..units.models import Unit, units_in_order
from .lifecycle import status_label
from .models import (
    CatalogueStage,
    DecisionItem,
    DecisionKind,
    DecisionStatus,
    YearlyCatalogue,
    catalogue_deadline,
)

ISSUED = (DecisionStatus.decided.value, DecisionStatus.feedback_published.value)


# --- catalogues against the deadline ----------------------------------------------------------------

@dataclass
class CatalogueRow:
    unit: Unit
    catalogue: YearlyCatalogue | None
    stage: str
    deadline: date
    items: int

    @property
    def stage_label(self) -> str:
        return CatalogueStage.label_of(self.stage)

    @property
    def late(self) -> bool:
        """Published after the deadline, or not published and the deadline has passed."""
        if self.catalogue is not None and self.catalogue.published_at is not None:
            return self.catalogue.published_at.date() > self.deadline
        return clock.today() > self.deadline


def catalogue_rows(year: int) -> list[CatalogueRow]:
    """Every active unit's catalogue of ``year``: its stage and dates against the deadline."""
    catalogues = {c.unit_id: c for c in db.session.scalars(
        select(YearlyCatalogue).where(YearlyCatalogue.year == year))}
    counts: dict[int, int] = {}
    for unit_id in db.session.scalars(select(DecisionItem.unit_id).where(
            DecisionItem.year == year, DecisionItem.kind == DecisionKind.major.value)):
        counts[unit_id] = counts.get(unit_id, 0) + 1
    deadline = catalogue_deadline(year)
    rows = []
    for unit in db.session.scalars(units_in_order()):
        catalogue = catalogues.get(unit.id)
        stage = catalogue.stage if catalogue is not None else CatalogueStage.draft.value
        rows.append(CatalogueRow(unit, catalogue, stage, deadline, counts.get(unit.id, 0)))
    return rows


def stage_counts(rows: list[CatalogueRow]) -> dict[str, int]:
    counts = {stage: 0 for stage in CatalogueStage.values()}
    for row in rows:
        counts[row.stage] += 1
    return counts


# --- decisions issued without a public consultation -------------------------------------------------

def issued_without_consultation(year: int) -> list[DecisionItem]:
    """The items issued in ``year`` (by issue date) without a closed public consultation: each
    carries its public reason (the rule of ``lifecycle.check_participation``)."""
    from ..consultation.models import Consultation

    consulted = select(Consultation.id).where(
        Consultation.decision_id == DecisionItem.id, Consultation.published_at.is_not(None),
        Consultation.closes_at <= clock.now())
    query = (select(DecisionItem)
             .where(DecisionItem.status.in_(ISSUED),
                    DecisionItem.issue_date >= date(year, 1, 1), DecisionItem.issue_date <= date(year, 12, 31),
                    or_(DecisionItem.no_consultation_reason != "", ~consulted.exists()))
             .order_by(DecisionItem.issue_date, DecisionItem.id))
    return list(db.session.scalars(query))


# --- a decision's public 办理记录 -------------------------------------------------------------------

# The actions the public may read about, on the item itself or on its public parts. Never the
# actor, never a comment or an applicant, never the staff's internal steps.
_ITEM_ACTIONS = ("decision.create", "decision.status", "decision.result")
_DOCUMENT_ACTIONS = ("decision.document.add",)
_CONSULTATION_ACTIONS = ("consultation.publish", "consultation.extend")
_REPORT_ACTIONS = ("feedback.publish", "feedback.correct")
_MEETING_ACTIONS = ("meeting.record_publish",)


@dataclass
class PublicStep:
    at: datetime
    label: str
    detail: str
    link: str | None = None


def _detail(entry: AuditEntry, item: DecisionItem, names: dict[tuple[str, int], str]) -> str:
    after: dict[str, Any] = entry.after if isinstance(entry.after, dict) else {}
    if entry.action == "decision.status":
        text = status_label(str(after.get("status", "")))
        return f"{text}：{after['reason']}" if after.get("reason") else text
    if entry.action == "decision.result":
        parts = [str(after.get("decision_title") or ""), str(after.get("decision_number") or "")]
        return " ".join(p for p in parts if p)
    if entry.action == "consultation.extend":
        closes = str(after.get("closes_at") or "")[:16].replace("T", " ")
        return f"{closes} {after.get('extension_reason') or ''}".strip()
    return names.get((entry.object_type, entry.object_id or 0), "")


def public_record(item: DecisionItem) -> list[PublicStep]:
    """The item's own public events, oldest first (办理记录)."""
    from flask import url_for

    from ..consultation.models import Consultation
    from ..feedback.models import AdoptionReport
    from ..meetings.models import Meeting, meeting_decision

    consultations = db.session.scalars(select(Consultation).where(
        Consultation.decision_id == item.id, Consultation.published_at.is_not(None))).all()
    reports = db.session.scalars(select(AdoptionReport.id).where(
        AdoptionReport.decision_id == item.id, AdoptionReport.published_at.is_not(None))).all()
    meetings = db.session.scalars(select(Meeting).join(meeting_decision, meeting_decision.c.meeting_id == Meeting.id)
                                  .where(meeting_decision.c.decision_id == item.id)).all()
    names: dict[tuple[str, int], str] = {("decision_document", d.id): d.title for d in item.documents}
    names.update({("consultation", c.id): c.title for c in consultations})
    names.update({("meeting", m.id): m.title for m in meetings})
    links: dict[tuple[str, int], str] = {
        ("consultation", c.id): url_for("consultation.detail", consultation_id=c.id) for c in consultations}
    conditions = [and_(AuditEntry.object_type == "decision_item", AuditEntry.object_id == item.id,
                       AuditEntry.action.in_(_ITEM_ACTIONS))]
    if item.documents:
        conditions.append(and_(AuditEntry.object_type == "decision_document",
                               AuditEntry.object_id.in_([d.id for d in item.documents]),
                               AuditEntry.action.in_(_DOCUMENT_ACTIONS)))
    if consultations:
        conditions.append(and_(AuditEntry.object_type == "consultation",
                               AuditEntry.object_id.in_([c.id for c in consultations]),
                               AuditEntry.action.in_(_CONSULTATION_ACTIONS)))
    if reports:
        conditions.append(and_(AuditEntry.object_type == "feedback_report", AuditEntry.object_id.in_(reports),
                               AuditEntry.action.in_(_REPORT_ACTIONS)))
    if meetings:
        conditions.append(and_(AuditEntry.object_type == "meeting",
                               AuditEntry.object_id.in_([m.id for m in meetings]),
                               AuditEntry.action.in_(_MEETING_ACTIONS)))
    entries = db.session.scalars(select(AuditEntry).where(or_(*conditions))
                                 .order_by(AuditEntry.at, AuditEntry.id)).all()
    steps = []
    for entry in entries:
        if entry.action == "decision.status" and isinstance(entry.after, dict) \
                and entry.after.get("status") == DecisionStatus.consulting.value:
            continue  # the consultation's publication says it, with its title
        steps.append(PublicStep(entry.at, action_label(entry.action), _detail(entry, item, names),
                                links.get((entry.object_type, entry.object_id or 0))))
    return steps


@dataclass
class Dashboard:
    deadline: date
    catalogues: list[CatalogueRow]
    stage_counts: dict[str, int]
    without_consultation: list[DecisionItem]


def dashboard(year: int) -> Dashboard:
    rows = catalogue_rows(year)
    return Dashboard(catalogue_deadline(year), rows, stage_counts(rows), issued_without_consultation(year))

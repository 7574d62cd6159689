"""Rules of the decision catalogue: topics, items, documents, the decision result and publishing
a unit's yearly catalogue. Every state change is audited; services flush, routes commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, overload

from blinker import Namespace
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import clock, search
from ..audit.services import record, snapshot
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..requestargs import DB_INT_MAX
from ..subscriptions import events
from ..units.models import Unit
from . import review, uploads
from .lifecycle import change_status, check_participation, participation
from .models import (
    FLAG_FIELDS,
    CatalogueChange,
    ChangeKind,
    DecisionDocument,
    DecisionEvent,
    DecisionItem,
    DecisionKind,
    DecisionStatus,
    DocumentKind,
    Topic,
    YearlyCatalogue,
    decision_topic,
    public_decisions,
)

FLAG_LABELS = {
    "hearing_planned": _l("Hearing planned"),
    "risk_assessment": _l("Risk assessment"),
    "expert_review": _l("Expert review"),
    "legality_review": _l("Legality review"),
}
# Statuses that other steps set: the decision result moves an item to "decided", the adoption
# feedback report to "feedback_published".
STATUS_SET_ELSEWHERE = (DecisionStatus.decided, DecisionStatus.feedback_published)
ITEM_FIELDS = ("code", "kind", "title", "summary", "legal_basis", "background", "planned_quarter",
               *FLAG_FIELDS)
TOPIC_FIELDS = ("name", "slug", "position")


# -- topics ------------------------------------------------------------------------------------

def save_topic(actor, topic: Topic | None, data: dict) -> Topic:
    """Create (``topic`` None) or edit a topic of the managed list; names and slugs are unique."""
    name = (data.get("name") or "").strip()
    slug = (data.get("slug") or "").strip().lower()
    for field, value, message in (("name", name, _("A topic with this name already exists.")),
                                  ("slug", slug, _("This address name is already used by another topic."))):
        other = db.session.scalar(select(Topic).where(getattr(Topic, field) == value))
        if other is not None and other is not topic:
            raise UserInputError(field, message)
    before = snapshot(topic, TOPIC_FIELDS) if topic is not None else None
    if topic is None:
        topic = Topic()
        db.session.add(topic)
    topic.name, topic.slug, topic.position = name, slug, int(data.get("position") or 0)
    db.session.flush()
    record(actor, "topic.create" if before is None else "topic.update", topic, before=before,
           after=snapshot(topic, TOPIC_FIELDS))
    return topic


def all_topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)))


# -- catalogues --------------------------------------------------------------------------------

@overload
def catalogue_of(unit_id: int, year: int, *, create: Literal[True]) -> YearlyCatalogue: ...
@overload
def catalogue_of(unit_id: int, year: int, *, create: bool = False) -> YearlyCatalogue | None: ...
def catalogue_of(unit_id: int, year: int, *, create: bool = False) -> YearlyCatalogue | None:
    """The unit's catalogue of ``year``; created (not yet published) with ``create``."""
    catalogue = db.session.scalar(select(YearlyCatalogue).where(
        YearlyCatalogue.unit_id == unit_id, YearlyCatalogue.year == year))
    if catalogue is None and create:
        catalogue = YearlyCatalogue(unit_id=unit_id, year=year)
        db.session.add(catalogue)
        db.session.flush()
    return catalogue


def publish_catalogue(actor, catalogue: YearlyCatalogue) -> YearlyCatalogue:
    """Publish a unit's yearly catalogue as a whole (once, after the district office approved it;
    it needs at least one major item)."""
    if catalogue.published_at is not None:
        raise RuleViolation(_("This catalogue was already published on %(date)s.",
                              date=catalogue.published_at.date().isoformat()))
    count = db.session.scalar(select(func.count(DecisionItem.id)).where(
        DecisionItem.unit_id == catalogue.unit_id, DecisionItem.year == catalogue.year,
        DecisionItem.kind == DecisionKind.major.value))
    if not count:
        raise RuleViolation(_("A catalogue needs at least one major decision item before it can be published."))
    if not catalogue.can_publish():
        raise RuleViolation(_("A catalogue is published after the district office approved it: submit it "
                              "for review first."))
    catalogue.published_at = clock.now()
    catalogue.published_by_id = getattr(actor, "id", None)
    db.session.flush()
    for item in db.session.scalars(select(DecisionItem).where(
            DecisionItem.unit_id == catalogue.unit_id, DecisionItem.year == catalogue.year,
            DecisionItem.kind == DecisionKind.major.value).order_by(DecisionItem.id)):
        events.emit(events.EventKind.catalogue_item_added, item)
    record(actor, "catalogue.publish", catalogue, after={
        "year": catalogue.year, "published_at": catalogue.published_at, "items": count,
        "on_time": catalogue.on_time})
    review.announce_publication(actor, catalogue)
    return catalogue


# -- items -------------------------------------------------------------------------------------

def _topics(ids) -> list[Topic]:
    ids = [int(i) for i in (ids or [])]
    if not ids:
        return []
    if any(not 0 < i <= DB_INT_MAX for i in ids):  # no such topic; the database cannot even hold it
        raise UserInputError("topic_ids", _("Choose topics from the list."))
    topics = db.session.scalars(select(Topic).where(Topic.id.in_(ids))).all()
    if len(topics) != len(set(ids)):
        raise UserInputError("topic_ids", _("Choose topics from the list."))
    return sorted(topics, key=lambda t: (t.position, t.id))


def _clean(data: dict) -> dict:
    clean = {
        "code": (data.get("code") or "").strip(),
        "kind": data.get("kind") or DecisionKind.major.value,
        "title": (data.get("title") or "").strip(),
        "summary": (data.get("summary") or "").strip(),
        "legal_basis": (data.get("legal_basis") or "").strip(),
        "background": (data.get("background") or "").strip(),
        "planned_quarter": int(data["planned_quarter"]) if data.get("planned_quarter") else None,
    }
    for flag in FLAG_FIELDS:
        clean[flag] = bool(data.get(flag))
    if clean["kind"] not in DecisionKind.values():
        raise UserInputError("kind", _("Choose a kind from the list."))
    if not clean["title"]:
        raise UserInputError("title", _("A title is required."))
    if not clean["code"]:
        raise UserInputError("code", _("A code is required."))
    return clean


def _check_code(unit_id: int, year: int, code: str, item: DecisionItem | None) -> None:
    other = db.session.scalar(select(DecisionItem).where(
        DecisionItem.unit_id == unit_id, DecisionItem.year == year, DecisionItem.code == code))
    if other is not None and other is not item:
        raise UserInputError("code", _("The code %(code)s is already used in this unit's %(year)s catalogue.",
                                       code=code, year=year))


def _added_after_publication(actor, item: DecisionItem, catalogue: YearlyCatalogue, reason: str) -> None:
    if not reason:
        raise UserInputError("change_reason", _("This catalogue is already published: give the public "
                                                "reason for adding the item."))
    db.session.add(CatalogueChange(catalogue=catalogue, decision=item, kind=ChangeKind.added, reason=reason,
                                   actor_id=getattr(actor, "id", None)))


def create_item(actor, unit: Unit, year: int, data: dict) -> DecisionItem:
    """Add an item to a unit's year; a major item added to a published catalogue needs a reason,
    which appears in the catalogue's public history."""
    clean = _clean(data)
    _check_code(unit.id, year, clean["code"], None)
    topics = _topics(data.get("topic_ids"))
    catalogue = catalogue_of(unit.id, year, create=True)
    item = DecisionItem(unit_id=unit.id, year=year, status=DecisionStatus.planned, **clean)
    item.topics = topics
    db.session.add(item)
    db.session.flush()
    if item.is_major:
        review.major_items_changing(actor, catalogue, item)
    if item.is_major and catalogue.is_published:
        _added_after_publication(actor, item, catalogue, (data.get("change_reason") or "").strip())
    db.session.add(DecisionEvent(decision=item, from_status=None, to_status=DecisionStatus.planned,
                                 actor_id=getattr(actor, "id", None)))
    db.session.flush()
    record(actor, "decision.create", item,
           after={**snapshot(item, ITEM_FIELDS), "year": year, "topics": [t.slug for t in topics]})
    if is_public(item):  # a major item of a catalogue still being prepared is announced with it
        events.emit(events.EventKind.catalogue_item_added, item)
    return item


def update_item(actor, item: DecisionItem, data: dict) -> DecisionItem:
    """Edit an item's fields (its year and status are not edited here)."""
    clean = _clean(data)
    _check_code(item.unit_id, item.year, clean["code"], item)
    topics = _topics(data.get("topic_ids"))
    catalogue = catalogue_of(item.unit_id, item.year)
    published = catalogue is not None and catalogue.is_published
    if published and item.is_major and clean["kind"] != DecisionKind.major.value:
        raise UserInputError("kind", _("An item of a published catalogue leaves it only by being "
                                       "withdrawn, with a public reason."))
    before = {**snapshot(item, ITEM_FIELDS), "topics": [t.slug for t in item.topics]}
    joins_catalogue = not item.is_major and clean["kind"] == DecisionKind.major.value
    for key, value in clean.items():
        setattr(item, key, value)
    item.topics = topics
    if joins_catalogue:
        catalogue = catalogue or catalogue_of(item.unit_id, item.year, create=True)
        if catalogue.is_published:
            _added_after_publication(actor, item, catalogue, (data.get("change_reason") or "").strip())
    db.session.flush()
    after = {**snapshot(item, ITEM_FIELDS), "topics": [t.slug for t in topics]}
    if before != after:
        if before["kind"] == DecisionKind.major.value or item.is_major:
            review.major_items_changing(actor, catalogue, item)
        record(actor, "decision.update", item, before=before, after=after)
        if is_public(item):
            events.emit(events.EventKind.catalogue_item_changed, item)
    return item


def move_item(actor, item: DecisionItem, new_status: str, reason: str = "") -> DecisionEvent:
    """A status change asked for on the staff page (the decision itself is recorded, not chosen)."""
    if new_status == DecisionStatus.decided:
        raise RuleViolation(_("Record the decision (title, number and issue date) to mark the item as issued."))
    if new_status == DecisionStatus.feedback_published:
        raise RuleViolation(_("The item moves to \"feedback published\" when its adoption feedback is published."))
    return change_status(item, new_status, actor, reason)


def staff_statuses(item: DecisionItem) -> list[str]:
    return [s for s in item.next_statuses if s not in STATUS_SET_ELSEWHERE]


# Sent (sender: the item; actor, text, document) once a decision is recorded, in the same
# transaction, so that later features act on it without the catalogue importing them.
decision_recorded = Namespace().signal("decision-recorded")


@dataclass
class DecisionResult:
    title: str
    number: str
    issue_date: date
    text: str = ""
    no_consultation_reason: str = ""  # public; required when no consultation on the item has closed


def record_decision(actor, item: DecisionItem, result: DecisionResult,
                    upload: uploads.Upload | None = None) -> DecisionItem:
    """Record the decision document (title, 文号, issue date, text or file): the item is issued."""
    if item.status != DecisionStatus.deliberating:
        raise RuleViolation(_("A decision can be recorded only for an item under deliberation."))
    title, number, text = result.title.strip(), result.number.strip(), (result.text or "").strip()
    if not title:
        raise UserInputError("decision_title", _("The title of the decision document is required."))
    if not number:
        raise UserInputError("decision_number", _("The document number is required."))
    if result.issue_date is None:
        raise UserInputError("issue_date", _("The issue date is required."))
    if result.issue_date > clock.today():
        raise UserInputError("issue_date", _("The issue date cannot be in the future."))
    has_file = upload is not None and bool(upload.filename)
    if not text and not has_file:
        raise UserInputError("decision_text", _("Give the text of the decision or upload its file."))
    _running, consulted = participation(item)
    item.no_consultation_reason = "" if consulted else (result.no_consultation_reason or "").strip()
    check_participation(item, DecisionStatus.decided)  # before the file is stored
    document = None
    if has_file:
        document = add_document(actor, item, {"kind": DocumentKind.decision_result.value, "title": title}, upload)
    item.decision_title, item.decision_number = title, number
    item.issue_date, item.decision_text = result.issue_date, text or None
    change_status(item, DecisionStatus.decided, actor)
    after = {"decision_title": title, "decision_number": number, "issue_date": result.issue_date, "file": has_file}
    if item.no_consultation_reason:
        after["no_consultation_reason"] = item.no_consultation_reason
    record(actor, "decision.result", item, after=after)
    decision_recorded.send(item, actor=actor, text=text, document=document)
    return item


# -- documents ---------------------------------------------------------------------------------

def add_document(actor, item: DecisionItem, data: dict,
                 upload: uploads.Upload | None = None) -> DecisionDocument:
    """Attach a document, as text or as an uploaded file (checked by content and size)."""
    kind = data.get("kind")
    if kind not in DocumentKind.values():
        raise UserInputError("kind", _("Choose a kind of document from the list."))
    title = (data.get("title") or "").strip() or DocumentKind(kind).label
    body = (data.get("body") or "").strip()
    file = upload if upload is not None and upload.filename else None
    if file is not None and body:
        raise UserInputError("body", _("Give either a text or a file, not both."))
    if file is None and not body:
        raise UserInputError("body", _("Type the text of the document or upload its file."))
    stored = uploads.store(file) if file is not None else None
    document = DecisionDocument(decision=item, kind=kind, title=title[:200], body=body or None,
                                created_by_id=getattr(actor, "id", None))
    if stored is not None:
        document.stored_name, document.original_name = stored.stored_name, stored.original_name
        document.content_type, document.size = stored.content_type, stored.size
    db.session.add(document)
    item.updated_at = clock.now()
    db.session.flush()
    record(actor, "decision.document.add", document, unit_id=item.unit_id,
           after=snapshot(document, ("decision_id", "kind", "title", "original_name", "content_type", "size")))
    return document


def remove_document(actor, document: DecisionDocument) -> None:
    item = document.decision
    before = snapshot(document, ("decision_id", "kind", "title", "original_name", "content_type", "size"))
    stored_name = document.stored_name
    record(actor, "decision.document.remove", document, unit_id=item.unit_id, before=before)
    db.session.delete(document)
    db.session.flush()
    if stored_name:
        uploads.remove(stored_name)


# -- public listing ----------------------------------------------------------------------------

@dataclass
class Filters:
    unit: Unit | None = None
    year: int | None = None
    topic: Topic | None = None
    status: str | None = None
    kind: str | None = None
    q: str = ""


def public_items(filters: Filters):
    """A select() of the public items matching the filters; with ``q``, best matches first."""
    query = select(DecisionItem).where(public_decisions())
    if filters.unit is not None:
        query = query.where(DecisionItem.unit_id == filters.unit.id)
    if filters.year is not None:
        query = query.where(DecisionItem.year == filters.year)
    if filters.status:
        query = query.where(DecisionItem.status == filters.status)
    if filters.kind:
        query = query.where(DecisionItem.kind == filters.kind)
    if filters.topic is not None:
        query = query.where(DecisionItem.id.in_(
            select(decision_topic.c.decision_id).where(decision_topic.c.topic_id == filters.topic.id)))
    hits = search.matches("decision", filters.q) if filters.q.strip() else None
    if hits is not None:
        query = query.join(hits, hits.c.object_id == DecisionItem.id).order_by(
            hits.c.score.desc(), DecisionItem.year.desc(), DecisionItem.id)
    else:
        query = query.order_by(DecisionItem.year.desc(), DecisionItem.unit_id, DecisionItem.code,
                               DecisionItem.id)
    return query


def is_public(item: DecisionItem) -> bool:
    return bool(db.session.scalar(select(DecisionItem.id).where(DecisionItem.id == item.id,
                                                                 public_decisions())))


def years_with_items() -> list[int]:
    return list(db.session.scalars(select(DecisionItem.year).distinct().order_by(DecisionItem.year.desc())))

"""Themes of adoption feedback: grouping published comments and offline opinions into themes (one
theme per item at most), and each theme's disposition and reason."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, delete, func, insert, literal, select

from ..audit.services import record, snapshot
from ..catalogue.models import DecisionItem
from ..consultation.models import (
    Campaign,
    Comment,
    CommentStatus,
    Consultation,
    ConsultationSection,
    ConsultationStatus,
    OfflineOpinion,
    OfflineOpinionItem,
)
from ..database import changed_rows
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..requestargs import DB_INT_MAX
from .models import CHANGES_SECTIONS, DISPOSITIONS, REASON_REQUIRED, Theme, ThemeAssignment

THEME_FIELDS = ("title", "description", "marked_concentrated", "disposition", "reason")
TITLE_MAX = 200
TEXT_MAX = 4000


def min_items() -> int:
    return current_app.config["CONCENTRATED_THEME_MIN_ITEMS"]


@dataclass
class ThemeRow:
    theme: Theme
    comment_count: int
    offline_count: int

    @property
    def item_count(self) -> int:
        return self.comment_count + self.offline_count

    @property
    def concentrated(self) -> bool:
        return self.theme.is_concentrated(self.item_count, min_items())

    @property
    def problem(self) -> str | None:
        """Why this theme blocks publication, or None."""
        theme = self.theme
        if self.concentrated and not theme.disposition:
            return _("The concentrated theme \"%(title)s\" has no disposition yet.", title=theme.title)
        if theme.disposition in REASON_REQUIRED and not theme.reason.strip():
            return _("The theme \"%(title)s\" needs a reason for its disposition.", title=theme.title)
        return None


def consultations_of(item: DecisionItem) -> list[Consultation]:
    """The item's consultations that were made public (the ones whose comments count)."""
    return list(db.session.scalars(select(Consultation).where(
        Consultation.decision_id == item.id, Consultation.published_at.is_not(None))
        .order_by(Consultation.opens_at, Consultation.id)))


def theme_rows(consultation_ids: Iterable[int]) -> list[ThemeRow]:
    """Themes of these consultations with their item counts, in two queries."""
    ids = list(consultation_ids)
    if not ids:
        return []
    themes = db.session.scalars(select(Theme).where(Theme.consultation_id.in_(ids))
                                .order_by(Theme.consultation_id, Theme.position, Theme.id)).all()
    counts = {row.theme_id: row for row in db.session.execute(
        select(ThemeAssignment.theme_id, func.count(ThemeAssignment.comment_id).label("comments"),
               func.count(ThemeAssignment.offline_item_id).label("offline"))
        .where(ThemeAssignment.theme_id.in_([t.id for t in themes]))
        .group_by(ThemeAssignment.theme_id))} if themes else {}
    return [ThemeRow(t, counts[t.id].comments if t.id in counts else 0,
                     counts[t.id].offline if t.id in counts else 0) for t in themes]


def theme_row(theme: Theme) -> ThemeRow:
    return next(r for r in theme_rows([theme.consultation_id]) if r.theme.id == theme.id)


def _text(data: dict, name: str) -> str:
    return (data.get(name) or "").strip()


def _ensure_closed(consultation: Consultation) -> None:
    if consultation.status != ConsultationStatus.closed:
        raise RuleViolation(_("Comments can be grouped into themes once the consultation has closed."))


def create_theme(actor, consultation: Consultation, data: dict) -> Theme:
    _ensure_closed(consultation)
    title = _text(data, "title")
    if not title:
        raise UserInputError("title", _("Give the theme a title."))
    if len(title) > TITLE_MAX:
        raise UserInputError("title", _("The title is at most %(n)s characters.", n=TITLE_MAX))
    position = (db.session.scalar(select(func.max(Theme.position))
                                  .where(Theme.consultation_id == consultation.id)) or 0) + 1
    theme = Theme(consultation_id=consultation.id, title=title, description=_text(data, "description"),
                  marked_concentrated=bool(data.get("marked_concentrated")), position=position)
    db.session.add(theme)
    db.session.flush()
    record(actor, "feedback.theme_create", theme, after=snapshot(theme, THEME_FIELDS))
    return theme


def update_theme(actor, theme: Theme, data: dict) -> Theme:
    """Title, description and the concentrated mark."""
    title = _text(data, "title")
    if not title:
        raise UserInputError("title", _("Give the theme a title."))
    if len(title) > TITLE_MAX:
        raise UserInputError("title", _("The title is at most %(n)s characters.", n=TITLE_MAX))
    before = snapshot(theme, THEME_FIELDS)
    theme.title, theme.description = title, _text(data, "description")
    theme.marked_concentrated = bool(data.get("marked_concentrated"))
    db.session.flush()
    record(actor, "feedback.theme_update", theme, before=before, after=snapshot(theme, THEME_FIELDS))
    return theme


def set_disposition(actor, theme: Theme, data: dict) -> Theme:
    """The disposition (采纳 / 部分采纳 / 未采纳 / 已有规定或不适用), its reason (required for partly
    and not adopted) and, for a theme that changed the draft, the sections it changed."""
    disposition = data.get("disposition") or None
    if disposition is not None and disposition not in DISPOSITIONS:
        raise UserInputError("disposition", _("Choose a disposition from the list."))
    reason = _text(data, "reason")
    if disposition in REASON_REQUIRED and not reason:
        raise UserInputError("reason", _("A reason is required when a theme is partly adopted or not adopted."))
    if len(reason) > TEXT_MAX:
        raise UserInputError("reason", _("The reason is at most %(n)s characters.", n=TEXT_MAX))
    section_ids = {int(i) for i in (data.get("section_ids") or [])}
    sections: list[ConsultationSection] = []
    if section_ids:
        if disposition not in CHANGES_SECTIONS:
            raise UserInputError("section_ids", _("Only an adopted or partly adopted theme changes sections."))
        sections = list(db.session.scalars(select(ConsultationSection).where(
            ConsultationSection.id.in_(section_ids),
            ConsultationSection.consultation_id == theme.consultation_id)))
        if len(sections) != len(section_ids):
            raise UserInputError("section_ids", _("Choose sections of this draft."))
    before = {**snapshot(theme, ("disposition", "reason")), "sections": [s.id for s in theme.sections]}
    theme.disposition, theme.reason = disposition, reason
    theme.sections = sorted(sections, key=lambda s: s.position)
    db.session.flush()
    record(actor, "feedback.theme_disposition", theme, before=before,
           after={"disposition": disposition, "reason": reason, "sections": sorted(section_ids)})
    return theme


def delete_theme(actor, theme: Theme) -> None:
    before = snapshot(theme, THEME_FIELDS)
    record(actor, "feedback.theme_delete", theme, before=before)
    db.session.delete(theme)
    db.session.flush()


# --- assigning comments and offline opinions ------------------------------------------------------

def _published_comments(consultation_id: int):
    return select(Comment.id).where(Comment.consultation_id == consultation_id,
                                    Comment.status == CommentStatus.published.value)


def _move(theme: Theme, column, ids_query) -> int:
    """Put the rows selected by ``ids_query`` into ``theme`` (out of any other theme), in two
    statements whatever their number."""
    db.session.execute(delete(ThemeAssignment).where(column.in_(ids_query)))
    chosen = ids_query.subquery()
    result = db.session.execute(insert(ThemeAssignment).from_select(
        ["theme_id", column.key], select(literal(theme.id, Integer), chosen.c[0])))
    db.session.flush()
    return changed_rows(result)


def assign_comments(actor, theme: Theme, comment_ids: Iterable[int]) -> int:
    """Assign published comments of the theme's consultation (moving them from another theme)."""
    ids = {int(i) for i in comment_ids}
    if not ids:
        raise UserInputError("comment_ids", _("Select at least one comment."))
    query = _published_comments(theme.consultation_id).where(Comment.id.in_(ids))
    found = set(db.session.scalars(query))
    if found != ids:
        raise UserInputError("comment_ids", _("Only published comments of this consultation can be assigned."))
    n = _move(theme, ThemeAssignment.comment_id, query)
    record(actor, "feedback.theme_assign", theme, after={"comments": sorted(ids)})
    return n


def assign_offline_items(actor, theme: Theme, item_ids: Iterable[int]) -> int:
    ids = {int(i) for i in item_ids}
    if not ids:
        raise UserInputError("offline_item_ids", _("Select at least one opinion."))
    query = (select(OfflineOpinionItem.id).join(OfflineOpinion)
             .where(OfflineOpinion.consultation_id == theme.consultation_id, OfflineOpinionItem.id.in_(ids)))
    if set(db.session.scalars(query)) != ids:
        raise UserInputError("offline_item_ids", _("Only opinions recorded for this consultation can be assigned."))
    n = _move(theme, ThemeAssignment.offline_item_id, query)
    record(actor, "feedback.theme_assign", theme, after={"offline_items": sorted(ids)})
    return n


def assign_campaign(actor, theme: Theme, campaign: Campaign | None) -> int:
    """Assign every published comment of a campaign at once (however many there are)."""
    if campaign is None or campaign.consultation_id != theme.consultation_id:
        raise UserInputError("campaign_id", _("Choose a campaign of this consultation."))
    n = _move(theme, ThemeAssignment.comment_id,
              _published_comments(theme.consultation_id).where(Comment.campaign_id == campaign.id))
    record(actor, "feedback.theme_assign", theme, after={"campaign": campaign.id, "comments": n})
    return n


def unassign(actor, theme: Theme, comment_ids: Iterable[int] = (), offline_item_ids: Iterable[int] = ()) -> int:
    comment_ids, offline_item_ids = {int(i) for i in comment_ids}, {int(i) for i in offline_item_ids}
    if not comment_ids and not offline_item_ids:
        raise UserInputError(None, _("Select at least one item to remove from the theme."))
    removed = 0
    for column, ids in ((ThemeAssignment.comment_id, comment_ids),
                        (ThemeAssignment.offline_item_id, offline_item_ids)):
        if ids:
            removed += changed_rows(db.session.execute(delete(ThemeAssignment).where(
                ThemeAssignment.theme_id == theme.id, column.in_(ids))))
    db.session.flush()
    record(actor, "feedback.theme_unassign", theme,
           before={"comments": sorted(comment_ids), "offline_items": sorted(offline_item_ids)})
    return removed


def unassigned_count(consultation: Consultation) -> int:
    return db.session.scalar(
        select(func.count(Comment.id)).outerjoin(ThemeAssignment, ThemeAssignment.comment_id == Comment.id)
        .where(Comment.consultation_id == consultation.id, Comment.status == CommentStatus.published.value,
               ThemeAssignment.id.is_(None))) or 0


def comments_query(consultation: Consultation, *, section: str | None = None, campaign_id: int | None = None,
                   unassigned: bool = False, theme_id: int | None = None):
    """Published comments with the id of their theme (or None), for the staff list."""
    query = (select(Comment, ThemeAssignment.theme_id)
             .outerjoin(ThemeAssignment, ThemeAssignment.comment_id == Comment.id)
             .where(Comment.consultation_id == consultation.id, Comment.status == CommentStatus.published.value))
    if section == "general":
        query = query.where(Comment.section_id.is_(None))
    elif section:
        query = query.where(Comment.section_id == int(section))
    if campaign_id:
        query = query.where(Comment.campaign_id == campaign_id)
    if unassigned:
        query = query.where(ThemeAssignment.id.is_(None))
    if theme_id:
        query = query.where(ThemeAssignment.theme_id == theme_id)
    return query.order_by(Comment.id)


def offline_items_of(consultation: Consultation) -> list[tuple[OfflineOpinionItem, OfflineOpinion, int | None]]:
    rows = db.session.execute(
        select(OfflineOpinionItem, OfflineOpinion, ThemeAssignment.theme_id)
        .join(OfflineOpinion, OfflineOpinionItem.opinion_id == OfflineOpinion.id)
        .outerjoin(ThemeAssignment, ThemeAssignment.offline_item_id == OfflineOpinionItem.id)
        .where(OfflineOpinion.consultation_id == consultation.id)
        .order_by(OfflineOpinion.held_on, OfflineOpinionItem.id))
    return [(item, opinion, theme_id) for item, opinion, theme_id in rows]


def theme_comments(theme: Theme):
    return select(Comment).join(ThemeAssignment, ThemeAssignment.comment_id == Comment.id).where(
        ThemeAssignment.theme_id == theme.id).order_by(Comment.id)


def theme_offline_items(theme: Theme) -> list[OfflineOpinionItem]:
    return list(db.session.scalars(select(OfflineOpinionItem).join(
        ThemeAssignment, ThemeAssignment.offline_item_id == OfflineOpinionItem.id).where(
        ThemeAssignment.theme_id == theme.id).order_by(OfflineOpinionItem.id)))


def clean_ids(values: Iterable) -> list[int]:
    ids = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < number <= DB_INT_MAX:  # beyond a database integer: no such row
            ids.append(number)
    return ids

"""Rules of adoption feedback: themes and their dispositions, due dates in working days,
publication (frozen statistics, versions, notifications), deadline reminders and calendar warnings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, delete, func, insert, literal, select
from sqlalchemy.orm import aliased

from .. import clock
from ..accounts.models import Account
from ..audit.services import record, snapshot
from ..calendar.services import DueDate, WorkingCalendar
from ..catalogue.lifecycle import change_status
from ..catalogue.models import DecisionItem, public_decisions
from ..consultation.models import (
    Campaign,
    Comment,
    CommentStatus,
    Consultation,
    ConsultationSection,
    OfflineOpinion,
    OfflineOpinionItem,
)
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..notifications.services import notify
from .models import (
    CHANGES_SECTIONS,
    DISPOSITIONS,
    REASON_REQUIRED,
    AdoptionReport,
    CalendarWarning,
    DeadlineReminder,
    ReportEntry,
    ReportVersion,
    Theme,
    ThemeAssignment,
)

DISPOSITION_LABELS = {
    "adopted": _l("Adopted"),
    "partly": _l("Partly adopted"),
    "not_adopted": _l("Not adopted"),
    "already_covered": _l("Already provided for or not applicable"),
}
STATE_LABELS = {
    "on_time": _l("Published on time"),
    "late": _l("Published late"),
    "due": _l("Due"),
    "overdue": _l("Overdue"),
}
DECIDED_STATUSES = ("decided", "feedback_published")
THEME_FIELDS = ("title", "description", "marked_concentrated", "disposition", "reason")
TITLE_MAX = 200
TEXT_MAX = 4000


def due_working_days() -> int:
    return current_app.config["FEEDBACK_DUE_WORKING_DAYS"]


def min_items() -> int:
    return current_app.config["CONCENTRATED_THEME_MIN_ITEMS"]


# --- themes ----------------------------------------------------------------------------------------

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
    return db.session.scalars(select(Consultation).where(
        Consultation.decision_id == item.id, Consultation.published_at.is_not(None))
        .order_by(Consultation.opens_at, Consultation.id)).all()


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
    if consultation.status != "closed":
        raise RuleViolation(_("Comments can be grouped into themes once the consultation has closed."))


def create_theme(actor, consultation: Consultation, data: dict) -> Theme:
    _ensure_closed(consultation)
    title = _text(data, "title")
    if not title:
        raise UserInputError("title", _("Give the theme a title."))
    if len(title) > TITLE_MAX:
        raise UserInputError("title", _("The title is at most %(n)s characters.", n=TITLE_MAX))
    position = db.session.scalar(select(func.coalesce(func.max(Theme.position), 0))
                                 .where(Theme.consultation_id == consultation.id)) + 1
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
        sections = db.session.scalars(select(ConsultationSection).where(
            ConsultationSection.id.in_(section_ids),
            ConsultationSection.consultation_id == theme.consultation_id)).all()
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
    return result.rowcount or 0


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
            removed += db.session.execute(delete(ThemeAssignment).where(
                ThemeAssignment.theme_id == theme.id, column.in_(ids))).rowcount or 0
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
    return db.session.execute(
        select(OfflineOpinionItem, OfflineOpinion, ThemeAssignment.theme_id)
        .join(OfflineOpinion, OfflineOpinionItem.opinion_id == OfflineOpinion.id)
        .outerjoin(ThemeAssignment, ThemeAssignment.offline_item_id == OfflineOpinionItem.id)
        .where(OfflineOpinion.consultation_id == consultation.id)
        .order_by(OfflineOpinion.held_on, OfflineOpinionItem.id)).all()


def theme_comments(theme: Theme):
    return select(Comment).join(ThemeAssignment, ThemeAssignment.comment_id == Comment.id).where(
        ThemeAssignment.theme_id == theme.id).order_by(Comment.id)


def theme_offline_items(theme: Theme) -> list[OfflineOpinionItem]:
    return db.session.scalars(select(OfflineOpinionItem).join(
        ThemeAssignment, ThemeAssignment.offline_item_id == OfflineOpinionItem.id).where(
        ThemeAssignment.theme_id == theme.id).order_by(OfflineOpinionItem.id)).all()


# --- due dates and deadline states ---------------------------------------------------------------

@dataclass
class Deadline:
    """Where an issued item stands: ``state`` is on_time, late, due or overdue; ``days`` the working
    days left (due) or past the due date (overdue)."""

    item: DecisionItem
    report: AdoptionReport | None
    due: DueDate
    state: str
    days: int = 0
    missing_years: frozenset[int] = frozenset()  # years counted without a loaded calendar

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def provisional(self) -> bool:
        return self.due.provisional

    @property
    def is_published(self) -> bool:
        return self.state in ("on_time", "late")


def _calendar_years(issue_dates: Iterable[date], today: date, n: int) -> set[int]:
    years = {today.year}
    for issued in issue_dates:
        # The due date lies within a couple of years of the issue date (as add_working_days assumes).
        years.update(range(min(issued.year, today.year), max(issued.year + 2 + n // 200, today.year) + 1))
    return years


def deadlines(rows: Iterable[tuple[DecisionItem, AdoptionReport | None]], today: date | None = None
              ) -> list[Deadline]:
    """Deadline states of many items with one load of the working-day calendar."""
    rows = [(item, report) for item, report in rows if item.issue_date is not None]
    today = today or clock.today()
    n = due_working_days()
    calendar = WorkingCalendar.load(_calendar_years((i.issue_date for i, _r in rows), today, n))
    result = []
    for item, report in rows:
        if report is not None and report.is_published and report.due_on is not None:
            due = DueDate(report.due_on, report.due_provisional)
            state = "on_time" if report.on_time else "late"
            days = max(calendar.working_days_between(due.day, report.published_at.date()), 0)
        else:
            due = calendar.add_working_days(item.issue_date, n)
            if today <= due.day:
                state, days = "due", calendar.working_days_between(today, due.day)
            else:
                state, days = "overdue", calendar.working_days_between(due.day, today)
        first_counted = item.issue_date + timedelta(days=1)
        missing = frozenset(y for y in range(first_counted.year, due.day.year + 1)
                            if y not in calendar.loaded_years) if due.provisional else frozenset()
        result.append(Deadline(item, report, due, state, days, missing))
    return result


def deadline_of(item: DecisionItem, report: AdoptionReport | None = None) -> Deadline | None:
    if item.issue_date is None:
        return None
    if report is None:
        report = report_of(item)
    return deadlines([(item, report)])[0]


def decided_items(*, unit_id: int | None = None, public: bool = False):
    """select(DecisionItem, AdoptionReport | None) of issued items, latest issue first."""
    query = (select(DecisionItem, AdoptionReport)
             .outerjoin(AdoptionReport, AdoptionReport.decision_id == DecisionItem.id)
             .where(DecisionItem.status.in_(DECIDED_STATUSES), DecisionItem.issue_date.is_not(None)))
    if unit_id is not None:
        query = query.where(DecisionItem.unit_id == unit_id)
    if public:
        query = query.where(public_decisions())
    return query.order_by(DecisionItem.issue_date.desc(), DecisionItem.id.desc())


def pending_items(unit_id: int | None = None) -> list[tuple[DecisionItem, AdoptionReport | None]]:
    """Issued items whose report is not published yet."""
    query = decided_items(unit_id=unit_id).where(DecisionItem.status == "decided")
    return [tuple(row) for row in db.session.execute(query).all()]


# --- calendar warnings ---------------------------------------------------------------------------

def warn_missing_years(found: Iterable[Deadline]) -> list[int]:
    """Tell every admin, once per year, that due dates fall in a year whose working-day calendar
    is not loaded (so they are provisional). Returns the years newly warned about."""
    years: set[int] = set()
    for deadline in found:
        if deadline.provisional:
            years |= deadline.missing_years
    if not years:
        return []
    already = set(db.session.scalars(select(CalendarWarning.year).where(CalendarWarning.year.in_(years))))
    new = sorted(years - already)
    if not new:
        return []
    admins = db.session.scalars(select(Account).where(Account.role == "admin", Account.is_active_flag.is_(True))
                                .order_by(Account.id)).all()
    for year in new:
        db.session.add(CalendarWarning(year=year))
        for admin in admins:
            notify(admin, _("The working-day calendar of %(year)s is not loaded", year=year),
                   _("Adoption feedback is due in %(year)s, but the holidays and make-up working days of "
                     "%(year)s are not loaded: its due dates are computed by the weekend rule and shown "
                     "as provisional. Load the year in the working-day calendar.", year=year),
                   link="/admin/calendar", kind="feedback.calendar")
    db.session.flush()
    record(None, "feedback.calendar_warning", object_type="calendar_year", object_id=new[0],
           after={"years": new, "admins": len(admins)})
    return new


def warned_missing_years() -> list[int]:
    """Years admins were warned about that are still not loaded (for the admin start page)."""
    from ..calendar.models import CalendarYear

    return list(db.session.scalars(
        select(CalendarWarning.year).outerjoin(CalendarYear, CalendarYear.year == CalendarWarning.year)
        .where(CalendarYear.year.is_(None)).order_by(CalendarWarning.year)))


# --- deadline reminders ----------------------------------------------------------------------------

def send_reminders(today: date | None = None) -> int:
    """Remind a unit's staff FEEDBACK_REMINDER_WORKING_DAYS working days before a report is due.

    Run daily. A reminder is recorded when sent and never sent twice; when a run was missed, only
    the most urgent reminder still applicable is sent (and the earlier ones are recorded as passed).
    """
    today = today or clock.today()
    schedule = sorted({int(d) for d in current_app.config["FEEDBACK_REMINDER_WORKING_DAYS"]}, reverse=True)
    found = deadlines(pending_items(), today)
    warn_missing_years(found)
    sent_rows = set(db.session.execute(select(DeadlineReminder.decision_id, DeadlineReminder.days_before)
                                       .where(DeadlineReminder.decision_id.in_([d.item.id for d in found]))
                                       ).all()) if found else set()
    staff_by_unit: dict[int, list[Account]] = {}
    unit_ids = {d.item.unit_id for d in found}
    if unit_ids:
        for account in db.session.scalars(select(Account).where(
                Account.role == "staff", Account.unit_id.in_(unit_ids), Account.is_active_flag.is_(True))):
            staff_by_unit.setdefault(account.unit_id, []).append(account)
    sent = 0
    for deadline in found:
        if deadline.state != "due":
            continue
        applicable = [d for d in schedule if deadline.days <= d and (deadline.item.id, d) not in sent_rows]
        if not applicable:
            continue
        item = deadline.item
        for days_before in applicable:
            db.session.add(DeadlineReminder(decision_id=item.id, days_before=days_before, due_on=deadline.due.day))
        due_text = deadline.due.day.isoformat() + (" " + _("(provisional)") if deadline.provisional else "")
        for account in staff_by_unit.get(item.unit_id, []):
            notify(account, _("Adoption feedback due in %(n)s working days: %(title)s", n=deadline.days,
                              title=item.title),
                   _("The adoption feedback report of \"%(title)s\" (issued on %(issued)s) is due on %(due)s.",
                     title=item.title, issued=item.issue_date.isoformat(), due=due_text),
                   link=f"/staff/feedback/decisions/{item.id}", kind="feedback.reminder")
        sent += 1
    db.session.flush()
    return sent


# --- the report ---------------------------------------------------------------------------------

def report_of(item: DecisionItem) -> AdoptionReport | None:
    return db.session.scalar(select(AdoptionReport).where(AdoptionReport.decision_id == item.id))


def get_or_create_report(item: DecisionItem) -> AdoptionReport:
    report = report_of(item)
    if report is None:
        report = AdoptionReport(decision_id=item.id)
        db.session.add(report)
        db.session.flush()
    return report


def save_report(actor, item: DecisionItem, data: dict) -> AdoptionReport:
    """The summary text and whether individual comments are listed (used at the next publication)."""
    if item.status not in DECIDED_STATUSES:
        raise RuleViolation(_("The feedback report can be written once the decision is issued."))
    summary = _text(data, "summary")
    if len(summary) > 20000:
        raise UserInputError("summary", _("The summary is at most %(n)s characters.", n=20000))
    report = get_or_create_report(item)
    before = snapshot(report, ("summary", "show_comments"))
    report.summary, report.show_comments = summary, bool(data.get("show_comments"))
    db.session.flush()
    record(actor, "feedback.report_save", report, before=before, after=snapshot(report, ("summary", "show_comments")))
    return report


def check_publishable(rows: list[ThemeRow]) -> None:
    for row in rows:
        problem = row.problem
        if problem:
            raise RuleViolation(_("The report cannot be published: %(problem)s", problem=problem))


def statistics(item: DecisionItem, consultations: list[Consultation]) -> dict:
    """How comments were collected, computed once, at publication (grouped queries, no rows)."""
    ids = [c.id for c in consultations]
    by_status = dict(db.session.execute(select(Comment.status, func.count(Comment.id))
                                        .where(Comment.consultation_id.in_(ids)).group_by(Comment.status)).all()) \
        if ids else {}
    online_people = 0
    if ids:
        online_people = db.session.scalar(select(func.count(func.distinct(Comment.author_id)))
                                          .where(Comment.consultation_id.in_(ids))) or 0
    offline = db.session.scalars(select(OfflineOpinion).where(OfflineOpinion.consultation_id.in_(ids))
                                 .order_by(OfflineOpinion.held_on, OfflineOpinion.id)).all() if ids else []
    offline_by_section = dict(db.session.execute(
        select(OfflineOpinionItem.section_id, func.count(OfflineOpinionItem.id)).join(OfflineOpinion)
        .where(OfflineOpinion.consultation_id.in_(ids)).group_by(OfflineOpinionItem.section_id)).all()) \
        if ids else {}
    published_by_section = dict(db.session.execute(
        select(Comment.section_id, func.count(Comment.id)).where(
            Comment.consultation_id.in_(ids), Comment.status == CommentStatus.published.value)
        .group_by(Comment.section_id)).all()) if ids else {}
    sections = []
    for consultation in consultations:
        for section in consultation.sections:
            comments, opinions = published_by_section.get(section.id, 0), offline_by_section.get(section.id, 0)
            if comments or opinions:
                sections.append({"id": section.id, "label": section.label, "comments": comments,
                                 "offline": opinions})
    general = published_by_section.get(None, 0)
    channels: dict[str, dict] = {}
    for opinion in offline:
        entry = channels.setdefault(opinion.channel, {"channel": opinion.channel, "records": 0,
                                                      "participants": 0, "opinions": 0})
        entry["records"] += 1
        entry["participants"] += opinion.participants
        entry["opinions"] += len(opinion.items) or 1
    received = sum(by_status.values())
    offline_opinions = sum(c["opinions"] for c in channels.values())
    offline_people = sum(c["participants"] for c in channels.values())
    return {
        "periods": [{"consultation_id": c.id, "title": c.title, "opens_at": c.opens_at.isoformat(),
                     "closes_at": c.closes_at.isoformat()} for c in consultations],
        "website": {"received": received, "published": by_status.get(CommentStatus.published.value, 0),
                    "rejected": by_status.get(CommentStatus.rejected.value, 0),
                    "pending": by_status.get(CommentStatus.pending.value, 0), "participants": online_people},
        "channels": sorted(channels.values(), key=lambda c: c["channel"]),
        "offline_records": [{"channel": o.channel, "held_on": o.held_on.isoformat(),
                             "participants": o.participants, "summary": o.summary,
                             "opinions": len(o.items)} for o in offline],
        "totals": {"received": received + offline_opinions, "participants": online_people + offline_people,
                   "comments": received, "published": by_status.get(CommentStatus.published.value, 0),
                   "rejected": by_status.get(CommentStatus.rejected.value, 0),
                   "offline_opinions": offline_opinions},
        "sections": sections,
        "general_comments": general,
    }


def _freeze_themes(rows: list[ThemeRow]) -> list[dict]:
    return [{"id": r.theme.id, "title": r.theme.title, "description": r.theme.description,
             "concentrated": r.concentrated, "disposition": r.theme.disposition, "reason": r.theme.reason,
             "comment_count": r.comment_count, "offline_count": r.offline_count,
             "sections": [s.label for s in r.theme.sections]} for r in rows]


def disposition_counts(themes: list[dict]) -> dict[str, dict[str, int]]:
    """Per disposition: number of themes and of items (comments and offline opinions)."""
    counts = {d: {"themes": 0, "items": 0} for d in (*DISPOSITIONS, "none")}
    for theme in themes:
        key = theme["disposition"] or "none"
        counts[key]["themes"] += 1
        counts[key]["items"] += theme["comment_count"] + theme["offline_count"]
    return counts


def _freeze_entries(version: ReportVersion, consultation_ids: list[int]) -> None:
    """Copy the assigned published comments into the version, numbered, in one statement."""
    position = func.row_number().over(order_by=(Theme.consultation_id, Theme.position, Theme.id, Comment.id))
    rows = (select(literal(version.id, Integer), position, Comment.id, Theme.id, Theme.disposition, Theme.reason)
            .join(ThemeAssignment, ThemeAssignment.comment_id == Comment.id)
            .join(Theme, Theme.id == ThemeAssignment.theme_id)
            .where(Comment.consultation_id.in_(consultation_ids), Comment.status == CommentStatus.published.value))
    db.session.execute(insert(ReportEntry).from_select(
        ["version_id", "position", "comment_id", "theme_id", "disposition", "reason"], rows))


def publish_report(actor, item: DecisionItem, correction_reason: str = "") -> ReportVersion:
    """Publish the report (first version) or a correction (a new version with its public reason).

    Refused while a concentrated theme lacks a disposition, or a theme lacks a required reason. The
    first publication freezes the due date, marks the report on time or late and moves the item to
    ``feedback_published``; every commenter is told where to find the disposition of their comment.
    """
    report = get_or_create_report(item)
    correction_reason = (correction_reason or "").strip()
    first = not report.is_published
    if first:
        if item.status != "decided" or item.issue_date is None:
            raise RuleViolation(_("The report can be published once the decision is issued (with its issue date)."))
    elif not correction_reason:
        raise UserInputError("correction_reason", _("Give the public reason for the correction."))
    consultations = consultations_of(item)
    ids = [c.id for c in consultations]
    rows = theme_rows(ids)
    check_publishable(rows)
    now = clock.now()
    before = {"version": report.version, "published_at": report.published_at}
    number = report.version + 1
    themes = _freeze_themes(rows)
    version = ReportVersion(report_id=report.id, number=number, published_at=now,
                            published_by_id=getattr(actor, "id", None), correction_reason=correction_reason,
                            summary=report.summary, show_comments=report.show_comments,
                            statistics=statistics(item, consultations), themes=themes)
    db.session.add(version)
    db.session.flush()
    if report.show_comments and ids:
        _freeze_entries(version, ids)
    report.version = number
    deadline = None
    if first:
        deadline = deadline_of(item, report)
        report.published_at = now
        report.due_on, report.due_provisional = deadline.due.day, deadline.due.provisional
        change_status(item, "feedback_published", actor)
    db.session.flush()
    record(actor, "feedback.publish" if first else "feedback.correct", report, before=before,
           after={"version": number, "published_at": report.published_at, "due_on": report.due_on,
                  "on_time": report.on_time, "correction_reason": correction_reason,
                  "themes": [(t["title"], t["disposition"]) for t in themes]})
    if first:
        _notify_commenters(item, ids)
        warn_missing_years([deadline])
    return version


def _notify_commenters(item: DecisionItem, consultation_ids: list[int]) -> int:
    """Each commenter once, with a link to their own thread (comments, themes, dispositions)."""
    if not consultation_ids:
        return 0
    rows = db.session.execute(
        select(Comment.author_id, func.min(ThemeAssignment.theme_id))
        .outerjoin(ThemeAssignment, ThemeAssignment.comment_id == Comment.id)
        .where(Comment.consultation_id.in_(consultation_ids), Comment.status == CommentStatus.published.value,
               Comment.author_id.is_not(None))
        .group_by(Comment.author_id)).all()
    themes = dict(rows)
    accounts = db.session.scalars(select(Account).where(Account.id.in_(themes)).order_by(Account.id)).all()
    for account in accounts:
        # their own thread: each comment, its theme and disposition, the article as consulted and issued
        link = f"/decisions/{item.id}/changes/mine"
        notify(account, _("Adoption feedback published: %(title)s", title=item.title),
               _("The unit has published how the comments on \"%(title)s\" were handled. Follow the link to "
                 "see the disposition of your comment.", title=item.title),
               link=link, kind="feedback.published")
    return len(accounts)


def versions_of(report: AdoptionReport) -> list[ReportVersion]:
    return db.session.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id)
                              .order_by(ReportVersion.number.desc())).all()


def version_of(report: AdoptionReport, number: int | None = None) -> ReportVersion | None:
    return db.session.scalar(select(ReportVersion).where(
        ReportVersion.report_id == report.id, ReportVersion.number == (number or report.version)))


def entries_query(version: ReportVersion):
    return select(ReportEntry).where(ReportEntry.version_id == version.id).order_by(ReportEntry.position)


def not_adopted_concentrated(themes: list[dict]) -> list[dict]:
    return [t for t in themes if t["concentrated"] and t["disposition"] in ("not_adopted", "partly")]


# --- "my participation" -----------------------------------------------------------------------

@dataclass
class MyDisposition:
    comment: Comment
    decision_id: int
    theme: dict


def my_dispositions(account, limit: int = 20) -> list[MyDisposition]:
    """The account's comments whose theme has a disposition in a published report (as published)."""
    current = aliased(ReportVersion)
    rows = db.session.execute(
        select(Comment, ThemeAssignment.theme_id, AdoptionReport.decision_id, current.themes)
        .join(ThemeAssignment, ThemeAssignment.comment_id == Comment.id)
        .join(Consultation, Consultation.id == Comment.consultation_id)
        .join(AdoptionReport, AdoptionReport.decision_id == Consultation.decision_id)
        .join(current, and_(current.report_id == AdoptionReport.id, current.number == AdoptionReport.version))
        .where(Comment.author_id == account.id, AdoptionReport.published_at.is_not(None))
        .order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit)).all()
    result = []
    for comment, theme_id, decision_id, themes in rows:
        theme = next((t for t in themes or [] if t["id"] == theme_id), None)
        if theme is not None and theme.get("disposition"):
            result.append(MyDisposition(comment, decision_id, theme))
    return result


def clean_ids(values: Iterable) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return ids

"""The adoption feedback report: its text, publication (frozen statistics and themes, versions,
notifications to commenters), corrections, and each commenter's disposition."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Integer, and_, func, insert, literal, select
from sqlalchemy.orm import aliased

from .. import clock
from ..accounts.models import Account
from ..audit.services import record, snapshot
from ..catalogue.lifecycle import change_status
from ..catalogue.models import DecisionItem, DecisionStatus
from ..consultation.models import (
    Comment,
    CommentStatus,
    Consultation,
    OfflineOpinion,
    OfflineOpinionItem,
)
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..subscriptions import events, notices
from .deadlines import DECIDED_STATUSES, deadline_of, warn_missing_years
from .models import (
    DISPOSITIONS,
    AdoptionReport,
    Disposition,
    ReportEntry,
    ReportVersion,
    Theme,
    ThemeAssignment,
)
from .themes import ThemeRow, consultations_of, theme_rows

SUMMARY_MAX = 20000


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
    summary = (data.get("summary") or "").strip()
    if len(summary) > SUMMARY_MAX:
        raise UserInputError("summary", _("The summary is at most %(n)s characters.", n=SUMMARY_MAX))
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
                             "participants": o.participants, "summary": o.public_summary,
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
        if item.status != DecisionStatus.decided or item.issue_date is None:
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
    deadline = deadline_of(item, report) if first else None
    if deadline is not None:  # the first publication (of an issued item: checked above)
        report.published_at = now
        report.due_on, report.due_provisional = deadline.due.day, deadline.due.provisional
        change_status(item, DecisionStatus.feedback_published, actor)
    db.session.flush()
    record(actor, "feedback.publish" if first else "feedback.correct", report, before=before,
           after={"version": number, "published_at": report.published_at, "due_on": report.due_on,
                  "on_time": report.on_time, "correction_reason": correction_reason,
                  "themes": [(t["title"], t["disposition"]) for t in themes]})
    events.emit(events.EventKind.feedback_published if first else events.EventKind.feedback_corrected, report,
                summary=correction_reason)
    if deadline is not None:
        _notify_commenters(item, ids)
        warn_missing_years([deadline])
    return version


def _notify_commenters(item: DecisionItem, consultation_ids: list[int]) -> int:
    """Each author once, whether their comments were published or not (those not published are
    told the reason recorded at review), with a link to their own thread (comments, themes,
    dispositions)."""
    if not consultation_ids:
        return 0
    comments = db.session.scalars(
        select(Comment).where(Comment.consultation_id.in_(consultation_ids), Comment.author_id.is_not(None),
                              Comment.status.in_((CommentStatus.published.value, CommentStatus.rejected.value)))
        .order_by(Comment.author_id, Comment.id)).all()
    by_author: dict[int, list[Comment]] = {}
    for comment in comments:
        by_author.setdefault(comment.author_id, []).append(comment)  # type: ignore[arg-type]
    accounts = db.session.scalars(select(Account).where(Account.id.in_(by_author)).order_by(Account.id)).all()
    for account in accounts:
        notices.report_published(account, item, by_author[account.id])
    return len(accounts)


def versions_of(report: AdoptionReport) -> list[ReportVersion]:
    return list(db.session.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id)
                                   .order_by(ReportVersion.number.desc())))


def version_of(report: AdoptionReport, number: int | None = None) -> ReportVersion | None:
    return db.session.scalar(select(ReportVersion).where(
        ReportVersion.report_id == report.id, ReportVersion.number == (number or report.version)))


def entries_query(version: ReportVersion):
    return select(ReportEntry).where(ReportEntry.version_id == version.id).order_by(ReportEntry.position)


def not_adopted_concentrated(themes: list[dict]) -> list[dict]:
    return [t for t in themes if t["concentrated"] and t["disposition"] in (Disposition.not_adopted, Disposition.partly)]


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

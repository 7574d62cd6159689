"""Rules of consultations: opening a draft for comment, its sections and period, comments with
receipts, duplicate and campaign detection, moderation before publication, offline opinions and
the staff export. Functions take model objects and plain data, flush, and never commit."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError

from .. import clock, privacy, search
from ..audit.services import record, snapshot
from ..auth.access import scope_to_unit
from ..catalogue.lifecycle import change_status
from ..catalogue.models import DecisionItem, DecisionStatus
from ..database import changed_rows, savepoint
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..requestargs import DB_INT_MAX
from ..subscriptions import events, notices
from ..textutil import mask_name
from . import similarity
from .drafts import split_draft
from .models import (
    OFFLINE_CHANNELS,
    REJECTION_REASONS,
    RESPONDENT_TYPES,
    Campaign,
    Comment,
    CommentBand,
    CommentStatus,
    Consultation,
    ConsultationSection,
    ConsultationStatus,
    OfflineOpinion,
    OfflineOpinionItem,
    SectionKind,
)

PII_LABELS = {"mobile": _l("Mobile number"), "landline": _l("Landline number"), "id_number": _l("ID number"),
              "email": _l("Email address"), "address": _l("House number"), "manual": _l("Hidden by staff")}

CONSULTATION_FIELDS = ("title", "explanation", "interpretation", "contact_address", "contact_email",
                       "contact_phone", "opens_at", "closes_at", "short_period_reason")
# Decision items that can still be consulted on.
CONSULTABLE_STATUSES = (DecisionStatus.planned, DecisionStatus.drafting, DecisionStatus.consulting,
                        DecisionStatus.postponed)
CANDIDATE_LIMIT = 20


# --- consultations -------------------------------------------------------------------------------

def _clean(data: dict, name: str) -> str:
    return (data.get(name) or "").strip()


def check_period(opens_at: datetime | None, closes_at: datetime | None, reason: str) -> None:
    if opens_at is None:
        raise UserInputError("opens_at", _("Enter when the consultation opens."))
    if closes_at is None:
        raise UserInputError("closes_at", _("Enter when the consultation closes."))
    if closes_at <= opens_at:
        raise UserInputError("closes_at", _("The closing time must be after the opening time."))
    minimum = current_app.config["CONSULTATION_MIN_DAYS"]
    if closes_at - opens_at < timedelta(days=minimum) and not reason:
        raise UserInputError("short_period_reason", _(
            "The period is shorter than %(days)s days: give the reason, which is published with "
            "the consultation.", days=minimum))


def create_consultation(actor, decision: DecisionItem, data: dict) -> Consultation:
    """Create a draft consultation (not public) on ``decision``; ``data["draft"]`` is split into
    sections on its 第X章 / 第X条 headings."""
    if decision.status not in CONSULTABLE_STATUSES:
        raise UserInputError("decision_id", _("This decision item can no longer be consulted on."))
    values = _consultation_values(data)
    consultation = Consultation(decision_id=decision.id, unit_id=decision.unit_id, **values)
    db.session.add(consultation)
    db.session.flush()
    for position, section in enumerate(split_draft(data.get("draft") or "")):
        db.session.add(ConsultationSection(consultation_id=consultation.id, position=position, **section))
    db.session.flush()
    record(actor, "consultation.create", consultation, after=snapshot(consultation, ("decision_id", *CONSULTATION_FIELDS)))
    return consultation


def _consultation_values(data: dict) -> dict:
    title = _clean(data, "title")
    if not title:
        raise UserInputError("title", _("Enter a title."))
    values: dict[str, Any] = {name: _clean(data, name) for name in CONSULTATION_FIELDS
                              if name not in ("opens_at", "closes_at")}
    values["title"] = title
    values["opens_at"], values["closes_at"] = data.get("opens_at"), data.get("closes_at")
    check_period(values["opens_at"], values["closes_at"], values["short_period_reason"])
    return values


def update_consultation(actor, consultation: Consultation, data: dict) -> None:
    """Edit the texts; the period only while the consultation is a draft (then: extend)."""
    before = snapshot(consultation, CONSULTATION_FIELDS)
    if consultation.is_public:
        data = {**data, "opens_at": consultation.opens_at, "closes_at": consultation.closes_at,
                "short_period_reason": consultation.short_period_reason}
    values = _consultation_values(data)
    for name, value in values.items():
        setattr(consultation, name, value)
    db.session.flush()
    record(actor, "consultation.update", consultation, before=before, after=snapshot(consultation, CONSULTATION_FIELDS))


def publish(actor, consultation: Consultation) -> None:
    """Make the consultation public (it is open from ``opens_at``) and move the item to consulting."""
    if consultation.is_public:
        raise RuleViolation(_("This consultation is already published."))
    if not consultation.sections:
        raise RuleViolation(_("Add the draft's sections before publishing."))
    now = clock.now()
    if consultation.closes_at <= now:
        raise RuleViolation(_("The closing time has passed: change the period before publishing."))
    consultation.published_at = now
    decision = consultation.decision
    opens_now = consultation.opens_at <= now
    if decision.status != DecisionStatus.consulting:
        # Opening now, the consultation's own event tells the item's followers (one message, not two).
        change_status(decision, DecisionStatus.consulting, actor, _("Draft published for comments: %(title)s",
                                                        title=consultation.title), announce=not opens_now)
    db.session.flush()
    record(actor, "consultation.publish", consultation, before={"status": "draft"},
           after={"status": consultation.status, "published_at": now})
    if opens_now:  # an announced one opens later: `subscriptions closing-soon` emits it then
        events.emit(events.EventKind.consultation_opened, consultation, dedup_key=f"consultation.opened:{consultation.id}")


def extend(actor, consultation: Consultation, closes_at: datetime | None, reason: str) -> None:
    """Extend a running (or announced) period, with a public reason; never shorten it."""
    reason = (reason or "").strip()
    status = consultation.status
    if status == ConsultationStatus.draft.value:
        raise RuleViolation(_("A draft's period is changed by editing it, not extended."))
    if status == ConsultationStatus.closed.value:
        raise RuleViolation(_("This consultation has closed and can no longer be extended."))
    if closes_at is None or closes_at <= consultation.closes_at:
        raise UserInputError("closes_at", _("The new closing time must be later than the current one "
                                             "(%(current)s): a period is never shortened.",
                                             current=consultation.closes_at.strftime("%Y-%m-%d %H:%M")))
    if not reason:
        raise UserInputError("reason", _("Give the public reason for the extension."))
    before = {"closes_at": consultation.closes_at, "extension_reason": consultation.extension_reason}
    if consultation.original_closes_at is None:
        consultation.original_closes_at = consultation.closes_at
    consultation.closes_at = closes_at
    consultation.extension_reason = reason
    db.session.flush()
    record(actor, "consultation.extend", consultation, before=before,
           after={"closes_at": closes_at, "extension_reason": reason})


# --- sections (corrected by hand while the consultation is a draft) ------------------------------

def _ensure_editable(consultation: Consultation) -> None:
    if consultation.is_public:
        raise RuleViolation(_("The sections of a published draft can no longer be changed: comments refer to them."))


SECTION_FIELDS = ("kind", "number", "heading", "body", "position")


def _section_values(data: dict) -> dict:
    kind = data.get("kind") or "article"
    if kind not in SectionKind.values():
        raise UserInputError("kind", _("Choose a kind of section."))
    values = {"kind": kind, "number": _clean(data, "number"), "heading": _clean(data, "heading"),
              "body": _clean(data, "body")}
    if not values["number"] and not values["heading"] and not values["body"]:
        raise UserInputError("body", _("Enter the section's number, heading or text."))
    return values


def add_section(actor, consultation: Consultation, data: dict) -> ConsultationSection:
    _ensure_editable(consultation)
    position = (db.session.scalar(select(func.max(ConsultationSection.position))
                                  .where(ConsultationSection.consultation_id == consultation.id)) or 0) + 1
    section = ConsultationSection(consultation_id=consultation.id, position=position, **_section_values(data))
    db.session.add(section)
    db.session.flush()
    db.session.expire(consultation, ["sections"])
    record(actor, "consultation.section_add", section, unit_id=consultation.unit_id,
           after=snapshot(section, SECTION_FIELDS))
    return section


def update_section(actor, section: ConsultationSection, data: dict) -> None:
    _ensure_editable(section.consultation)
    before = snapshot(section, SECTION_FIELDS)
    for name, value in _section_values(data).items():
        setattr(section, name, value)
    db.session.flush()
    record(actor, "consultation.section_update", section, unit_id=section.consultation.unit_id,
           before=before, after=snapshot(section, SECTION_FIELDS))


def delete_section(actor, section: ConsultationSection) -> None:
    consultation = section.consultation
    _ensure_editable(consultation)
    record(actor, "consultation.section_delete", section, unit_id=consultation.unit_id,
           before=snapshot(section, SECTION_FIELDS))
    consultation.sections.remove(section)
    db.session.flush()


def move_section(actor, section: ConsultationSection, offset: int) -> None:
    """Swap the section with its neighbour (offset -1: up, +1: down)."""
    consultation = section.consultation
    _ensure_editable(consultation)
    ordered = list(consultation.sections)
    index = ordered.index(section)
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    db.session.expire(consultation, ["sections"])
    record(actor, "consultation.section_move", section, unit_id=consultation.unit_id,
           after={"order": [item.id for item in ordered]})


def replace_sections(actor, consultation: Consultation, draft: str) -> int:
    """Replace every section with those split from a pasted draft; returns how many."""
    _ensure_editable(consultation)
    parts = split_draft(draft)
    if not parts:
        raise UserInputError("draft", _("Paste the text of the draft."))
    before = [section.label for section in consultation.sections]
    consultation.sections.clear()
    db.session.flush()
    for position, part in enumerate(parts):
        consultation.sections.append(ConsultationSection(position=position, **part))
    db.session.flush()
    record(actor, "consultation.sections_replace", consultation, before={"sections": before},
           after={"sections": [s.label for s in consultation.sections]})
    return len(parts)


# --- comments ------------------------------------------------------------------------------------

def submit_comment(consultation: Consultation, author, data: dict) -> Comment:
    """A resident's comment, pending moderation, with its receipt number (回执编号).

    Refused (nothing saved) when the period is not open by server time, the text is empty or too
    long, consent is missing, or the same text was already sent by this account on this
    consultation. Near-identical texts of other accounts are grouped into a campaign."""
    if consultation.status != ConsultationStatus.open.value:
        if consultation.status == ConsultationStatus.closed.value:
            raise RuleViolation(_("This consultation closed on %(closed)s: comments are no longer accepted.",
                                  closed=consultation.closes_at.strftime("%Y-%m-%d %H:%M")))
        raise RuleViolation(_("This consultation is not open for comments yet."))
    text = (data.get("text") or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise UserInputError("text", _("Enter your comment."))
    maximum = current_app.config["COMMENT_MAX_LENGTH"]
    if len(text) > maximum:
        raise UserInputError("text", _("The comment has %(length)s characters; at most %(max)s are allowed.",
                                       length=len(text), max=maximum))
    section_id = data.get("section_id") or None
    if section_id is not None:
        section = db.session.get(ConsultationSection, section_id)
        if section is None or section.consultation_id != consultation.id:
            raise UserInputError("section_id", _("Choose a section of this draft."))
    respondent_type = data.get("respondent_type") or "citizen"
    if respondent_type not in RESPONDENT_TYPES:
        raise UserInputError("respondent_type", _("Choose who you are commenting as."))
    if not data.get("consent"):
        raise UserInputError("consent", _("Your consent to publication is required to submit a comment."))
    norm = similarity.normalise(text)
    digest = similarity.text_hash(text)
    duplicate = _("You have already sent this comment on this draft; it is not accepted twice.")
    if db.session.scalar(select(Comment.id).where(Comment.consultation_id == consultation.id,
                                                  Comment.author_id == author.id, Comment.text_hash == digest)):
        raise UserInputError("text", duplicate)
    anonymous = data.get("show_as") == "anonymous"
    now = clock.now()
    public_text, findings = privacy.scrub(text)  # 先审查、后公开: never published as typed
    comment = Comment(consultation_id=consultation.id, section_id=section_id, author_id=author.id,
                      public_name="匿名" if anonymous else mask_name(author.name), anonymous=anonymous,
                      respondent_type=respondent_type, text=text, text_hash=digest, consent_at=now,
                      public_text=public_text, pii_findings=findings, created_at=now)
    try:
        with savepoint():
            db.session.add(comment)
            db.session.flush()
    except IntegrityError:
        # The same text from a concurrent request of the same account won the race.
        raise UserInputError("text", duplicate) from None
    comment.tracking_number = f"ZJ-{now.year}-{comment.id:06d}"
    db.session.execute(update(Consultation).where(Consultation.id == consultation.id)
                       .values(pending_count=Consultation.pending_count + 1)
                       .execution_options(synchronize_session=False))
    _group_into_campaign(comment, norm or text, author.id)
    db.session.flush()
    db.session.expire(consultation, ["pending_count"])
    record(author, "comment.submit", comment, unit_id=consultation.unit_id,
           after={"tracking_number": comment.tracking_number, "section_id": section_id,
                  "campaign_id": comment.campaign_id, "pii_found": [f["kind"] for f in findings]})
    notices.comment_received(comment, author)
    return comment


def redact_comment(actor, comment: Comment, hide: str) -> int:
    """Hide by hand every occurrence of ``hide`` in what is published of the comment (staff may
    do so before or after publishing). The original is kept (staff and the author see it);
    returns how many spans were hidden."""
    if not (hide or "").strip():
        raise UserInputError("hide", _("Enter or select the text to hide."))
    added = privacy.manual(comment.text, hide)
    if not added:
        raise UserInputError("hide", _("This text does not occur in the comment as typed."))
    before = len(comment.pii_findings or [])
    findings = [*(comment.pii_findings or []), *(f.as_dict() for f in added)]
    comment.pii_findings = findings
    comment.public_text = privacy.redact(comment.text, findings)
    db.session.flush()
    # The (append-only) log keeps where the text was hidden and the result, never the hidden text.
    record(actor, "comment.redact", comment, unit_id=comment.consultation.unit_id,
           before={"findings": before},
           after={"findings": len(findings), "spans": [[f.start, f.end] for f in added],
                  "public_text": comment.public_text})
    return len(added)


def _group_into_campaign(comment: Comment, norm: str, author_id: int) -> None:
    """Join the comment to the campaign of a near-identical comment of another account, or start
    one with it; otherwise index its LSH bands so that later comments can find it.

    Members of a campaign are not indexed themselves (the first comment stands for the group), so
    a campaign of thousands does not make every later lookup read thousands of rows."""
    shingle_set = similarity.shingles(norm)
    buckets = similarity.band_buckets(shingle_set)
    matches = or_(*[and_(CommentBand.band == band, CommentBand.bucket == bucket) for band, bucket in buckets])
    hits = func.count().label("hits")
    candidate_ids = db.session.execute(
        select(CommentBand.comment_id, hits)
        .join(Comment, Comment.id == CommentBand.comment_id)
        .where(CommentBand.consultation_id == comment.consultation_id, matches,
               or_(Comment.author_id.is_(None), Comment.author_id != author_id))
        .group_by(CommentBand.comment_id).order_by(hits.desc(), CommentBand.comment_id)
        .limit(CANDIDATE_LIMIT)).scalars().all()
    threshold = float(current_app.config["CAMPAIGN_SIMILARITY"])
    best: Comment | None = None
    best_score = 0.0
    if candidate_ids:
        for candidate in db.session.scalars(select(Comment).where(Comment.id.in_(candidate_ids))):
            score = similarity.jaccard(shingle_set, similarity.shingles(similarity.normalise(candidate.text) or candidate.text))
            if score >= threshold and (best is None or score > best_score
                                       or (score == best_score and candidate.id < best.id)):
                best, best_score = candidate, score
    if best is None:
        db.session.add_all([CommentBand(comment_id=comment.id, band=band, bucket=bucket,
                                        consultation_id=comment.consultation_id) for band, bucket in buckets])
        return
    if best.campaign_id is None:
        campaign = Campaign(consultation_id=comment.consultation_id, sample_text=best.text, comment_count=2)
        db.session.add(campaign)
        db.session.flush()
        best.campaign_id = campaign.id
        record(None, "comment.campaign_start", campaign, unit_id=comment.consultation.unit_id,
               after={"comment_ids": [best.id, comment.id]})
    else:
        db.session.execute(update(Campaign).where(Campaign.id == best.campaign_id)
                           .values(comment_count=Campaign.comment_count + 1)
                           .execution_options(synchronize_session=False))
    comment.campaign_id = best.campaign_id


MODERATION_ACTIONS = ("publish", "reject")


def check_moderation(comment_ids: Iterable[int], action: str, reason: str | None, note: str) -> list[int]:
    """The checks of a moderation request, before anything is asked or changed; the ids kept."""
    ids = sorted({int(i) for i in comment_ids if 0 < int(i) <= DB_INT_MAX})  # beyond: no such comment
    if not ids:
        raise UserInputError(None, _("Select at least one comment."))
    if action not in MODERATION_ACTIONS:
        raise UserInputError("action", _("Choose publish or reject."))
    if action == "reject":
        if reason not in REJECTION_REASONS:
            raise UserInputError("reason", _("Choose the reason for not publishing."))
        if reason == "other" and not (note or "").strip():
            raise UserInputError("note", _("Explain the reason in the note when it is \"Other\"."))
    return ids


def moderate(actor, consultation: Consultation, comment_ids: Iterable[int], action: str,
             reason: str | None = None, note: str = "") -> int:
    """Publish or reject pending comments of ``consultation`` (先审查、后公开); returns how many
    changed. Each comment changes state with one conditional UPDATE, so that two moderators never
    count one comment twice; counters move with it."""
    ids = check_moderation(comment_ids, action, reason, note)
    note = (note or "").strip()
    now = clock.now()
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(ids),
                                                        Comment.consultation_id == consultation.id)).all()
    done: list[Comment] = []
    for comment in comments:
        values = {"status": CommentStatus.published.value if action == "publish" else CommentStatus.rejected.value,
                  "moderated_at": now, "moderated_by_id": actor.id}
        if action == "publish":
            values["published_at"] = now
        else:
            values.update(rejection_reason=reason, rejection_note=note)
        changed = changed_rows(db.session.execute(
            update(Comment).where(Comment.id == comment.id, Comment.status == CommentStatus.pending.value)
            .values(**values).execution_options(synchronize_session=False)))
        if changed:
            done.append(comment)
    if not done:
        return 0
    published = len(done) if action == "publish" else 0
    db.session.execute(update(Consultation).where(Consultation.id == consultation.id).values(
        pending_count=Consultation.pending_count - len(done),
        comment_count=Consultation.comment_count + published).execution_options(synchronize_session=False))
    if action == "publish":
        per_section = Counter(c.section_id for c in done if c.section_id is not None)
        for section_id, count in per_section.items():
            db.session.execute(update(ConsultationSection).where(ConsultationSection.id == section_id)
                               .values(comment_count=ConsultationSection.comment_count + count)
                               .execution_options(synchronize_session=False))
    for comment in done:
        db.session.expire(comment)
    db.session.expire(consultation)
    for section in consultation.sections:
        db.session.expire(section, ["comment_count"])
    from ..accounts.models import Account

    for comment in done:
        record(actor, f"comment.{action}", comment, unit_id=consultation.unit_id,
               before={"status": "pending"},
               after={"status": comment.status, "rejection_reason": comment.rejection_reason, "note": note})
        author = db.session.get(Account, comment.author_id) if comment.author_id is not None else None
        if author is not None and action == "reject":
            notices.comment_rejected(comment, author, reason or "", note)
        elif author is not None:
            notices.comment_published(comment, author)
    db.session.flush()
    return len(done)


def reopen_comment(actor, comment: Comment) -> None:
    """Put a rejected comment back in the moderation queue (it was rejected by mistake), until the
    feedback report of the decision is published; the audit entry keeps the reason it had."""
    if offline_final(comment.consultation):
        raise RuleViolation(_("The feedback report has been published: moderation decisions are final."))
    before = {"status": comment.status, "rejection_reason": comment.rejection_reason,
              "note": comment.rejection_note}
    changed = changed_rows(db.session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.status == CommentStatus.rejected.value)
        .values(status=CommentStatus.pending.value, rejection_reason=None, rejection_note="",
                moderated_at=None, moderated_by_id=None).execution_options(synchronize_session=False)))
    if not changed:
        raise RuleViolation(_("Only a rejected comment can be re-opened."))
    db.session.execute(update(Consultation).where(Consultation.id == comment.consultation_id)
                       .values(pending_count=Consultation.pending_count + 1)
                       .execution_options(synchronize_session=False))
    db.session.expire(comment)
    db.session.expire(comment.consultation, ["pending_count"])
    record(actor, "comment.reopen", comment, unit_id=comment.consultation.unit_id, before=before,
           after={"status": CommentStatus.pending.value})
    db.session.flush()


def pending_among(consultation: Consultation, comment_ids: Iterable[int]) -> int:
    """How many of ``comment_ids`` are comments of ``consultation`` awaiting moderation: the number a
    bulk action will change, shown before it is confirmed."""
    ids = sorted({int(i) for i in comment_ids if 0 < int(i) <= DB_INT_MAX})
    if not ids:
        return 0
    return db.session.scalar(select(func.count(Comment.id)).where(
        Comment.id.in_(ids), Comment.consultation_id == consultation.id,
        Comment.status == CommentStatus.pending.value)) or 0


# --- offline opinions ----------------------------------------------------------------------------

def _offline_values(consultation: Consultation, data: dict) -> tuple[dict, list[tuple[int | None, str]]]:
    """The checked fields of an offline record and its individual opinions as (section id, text):
    each line of ``items`` is one, assigned to a section when it starts with that section's number
    (第五条：...)."""
    channel = data.get("channel")
    if channel not in OFFLINE_CHANNELS:
        raise UserInputError("channel", _("Choose the channel."))
    held_on = data.get("held_on")
    if not isinstance(held_on, date):
        raise UserInputError("held_on", _("Enter the date."))
    if held_on > clock.today():
        raise UserInputError("held_on", _("The date cannot be in the future."))
    participants = data.get("participants")
    if participants is None or participants < 0:
        raise UserInputError("participants", _("Enter the number of participants (0 or more)."))
    summary = _clean(data, "summary")
    if not summary:
        raise UserInputError("summary", _("Enter a summary of the opinions."))
    numbers = {s.number: s for s in consultation.sections if s.number}
    public_summary, findings = privacy.scrub(summary)  # published in the feedback report
    items: list[tuple[int | None, str]] = []
    for line in (data.get("items") or "").splitlines():
        line = line.strip()
        if not line:
            continue
        section = None
        for number, candidate in numbers.items():
            if line.startswith(number) and len(line) > len(number) and line[len(number)] in "：: 　":
                section, line = candidate, line[len(number) + 1:].strip()
                break
        items.append((section.id if section else None, line))
    values = dict(channel=channel, held_on=held_on, participants=participants, summary=summary,
                  public_summary=public_summary, pii_findings=findings)
    return values, items


def offline_items_text(opinion: OfflineOpinion) -> str:
    """The individual opinions as the form shows them for editing (one a line, 第五条：...)."""
    labels = {s.id: s.number for s in opinion.consultation.sections if s.number}
    return "\n".join(f"{labels[i.section_id]}：{i.text}" if i.section_id in labels else i.text
                     for i in opinion.items)


def record_offline(actor, consultation: Consultation, data: dict) -> OfflineOpinion:
    """Record opinions from letters, symposia, hearings...; each line of ``items`` is one individual
    opinion, assigned to a section when it starts with that section's number (第五条：...)."""
    values, items = _offline_values(consultation, data)
    opinion = OfflineOpinion(consultation_id=consultation.id, created_by_id=actor.id, **values)
    for section_id, text in items:
        opinion.items.append(OfflineOpinionItem(section_id=section_id, text=text))
    db.session.add(opinion)
    db.session.flush()
    record(actor, "consultation.offline_record", opinion, unit_id=consultation.unit_id,
           after={"channel": values["channel"], "held_on": values["held_on"],
                  "participants": values["participants"], "items": len(opinion.items)})
    return opinion


def offline_final(consultation: Consultation) -> bool:
    """Offline opinions are counted in the feedback report: once it is published they are final."""
    from ..feedback.models import AdoptionReport

    return db.session.scalar(select(AdoptionReport.published_at).where(
        AdoptionReport.decision_id == consultation.decision_id)) is not None


def _offline_open(opinion: OfflineOpinion) -> None:
    if offline_final(opinion.consultation):
        raise RuleViolation(_("The feedback report has been published: its offline opinions can no longer "
                              "be changed."))


def _offline_snapshot(opinion: OfflineOpinion) -> dict:
    return {"channel": opinion.channel, "held_on": opinion.held_on, "participants": opinion.participants,
            "summary": opinion.summary, "items": [i.text for i in opinion.items]}


def update_offline(actor, opinion: OfflineOpinion, data: dict) -> None:
    """Correct an offline record until the feedback report is published. Individual opinions whose
    line is unchanged stay the same rows, so that their theme stays assigned; the others are
    replaced."""
    _offline_open(opinion)
    values, items = _offline_values(opinion.consultation, data)
    before = _offline_snapshot(opinion)
    for name, value in values.items():
        setattr(opinion, name, value)
    wanted = list(items)
    for item in list(opinion.items):
        key = (item.section_id, item.text)
        if key in wanted:
            wanted.remove(key)
        else:
            opinion.items.remove(item)  # delete-orphan; its theme assignment goes with it
    for section_id, text in wanted:
        opinion.items.append(OfflineOpinionItem(section_id=section_id, text=text))
    db.session.flush()
    record(actor, "consultation.offline_update", opinion, unit_id=opinion.consultation.unit_id,
           before=before, after=_offline_snapshot(opinion))


def delete_offline(actor, opinion: OfflineOpinion) -> None:
    """Delete an offline record (entered twice, or for the wrong consultation) until the feedback
    report is published; the audit entry keeps what it said."""
    _offline_open(opinion)
    before = _offline_snapshot(opinion)
    record(actor, "consultation.offline_delete", opinion, unit_id=opinion.consultation.unit_id, before=before)
    db.session.delete(opinion)
    db.session.flush()


# --- queries -------------------------------------------------------------------------------------

def public_query(show: str):
    """Published consultations: ``open``, ``upcoming`` or ``closed`` by server time."""
    now = clock.now()
    query = select(Consultation).where(Consultation.published_at.is_not(None))
    if show == ConsultationStatus.upcoming:
        return query.where(Consultation.opens_at > now).order_by(Consultation.opens_at, Consultation.id)
    if show == ConsultationStatus.closed:
        return query.where(Consultation.closes_at <= now).order_by(Consultation.closes_at.desc(), Consultation.id.desc())
    return query.where(Consultation.opens_at <= now, Consultation.closes_at > now).order_by(
        Consultation.closes_at, Consultation.id)


def consultation_matches(query: search.Query):
    """(object_id, score) of the consultations whose title, explanation or any section of the
    draft matches ``query`` (each section is matched as a whole, like any indexed object)."""
    own = search.matches("consultation", query)
    sections = search.matches("consultation_section", query)
    if own is None or sections is None:
        return None
    both = union_all(
        select(own.c.object_id, own.c.score),
        select(ConsultationSection.consultation_id.label("object_id"), sections.c.score)
        .join(sections, sections.c.object_id == ConsultationSection.id),
    ).subquery()
    return select(both.c.object_id, func.max(both.c.score).label("score")).group_by(both.c.object_id).subquery()



def search_public(show: str, q: str = "", unit_id: int | None = None):
    """``public_query`` narrowed to a unit and to the consultations whose title, explanation or
    draft text matches ``q`` (portal.search's rules), best matches first; ``show`` may be "all"."""
    if show in (ConsultationStatus.open, ConsultationStatus.upcoming, ConsultationStatus.closed):
        query = public_query(show)
    else:
        query = select(Consultation).where(Consultation.published_at.is_not(None)).order_by(
            Consultation.opens_at.desc(), Consultation.id.desc())
    if unit_id is not None:
        query = query.where(Consultation.unit_id == unit_id)
    hits = consultation_matches(search.parse(q)) if q.strip() else None
    if hits is not None:
        query = query.join(hits, hits.c.object_id == Consultation.id).order_by(None).order_by(
            hits.c.score.desc(), Consultation.opens_at.desc(), Consultation.id.desc())
    elif q.strip():
        query = query.where(False)  # nothing searchable typed (punctuation only): no result
    return query


def latest_published(limit: int):
    return (select(Consultation).where(Consultation.published_at.is_not(None))
            .order_by(Consultation.published_at.desc(), Consultation.id.desc()).limit(limit))


def published_comments_query(consultation: Consultation, section_id: int | None | str = "all"):
    query = select(Comment).where(Comment.consultation_id == consultation.id,
                                  Comment.status == CommentStatus.published.value)
    if section_id == "general" or section_id is None:
        query = query.where(Comment.section_id.is_(None))
    elif section_id != "all":
        query = query.where(Comment.section_id == section_id)
    return query.order_by(Comment.published_at.desc(), Comment.id.desc())


def moderation_query(consultation: Consultation, *, status: str | None = CommentStatus.pending,
                     section_id: int | str | None = None, campaign_id: int | None = None):
    query = select(Comment).where(Comment.consultation_id == consultation.id)
    if status in CommentStatus.values():
        query = query.where(Comment.status == status)
    if section_id == "general":
        query = query.where(Comment.section_id.is_(None))
    elif section_id:
        query = query.where(Comment.section_id == section_id)
    if campaign_id == -1:
        query = query.where(Comment.campaign_id.is_not(None))
    elif campaign_id:
        query = query.where(Comment.campaign_id == campaign_id)
    return query.order_by(Comment.id)


def campaigns_of(consultation: Consultation) -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).where(Campaign.consultation_id == consultation.id)
                                   .order_by(Campaign.comment_count.desc(), Campaign.id)))


def staff_query(account):
    query = scope_to_unit(select(Consultation), Consultation.unit_id, account)
    return query.order_by(Consultation.created_at.desc(), Consultation.id.desc())


def consultable_items(account) -> list[DecisionItem]:
    query = scope_to_unit(select(DecisionItem).where(DecisionItem.status.in_(CONSULTABLE_STATUSES)),
                          DecisionItem.unit_id, account)
    return list(db.session.scalars(query.order_by(DecisionItem.year.desc(), DecisionItem.code)))


def comments_of_account(account):
    return select(Comment).where(Comment.author_id == account.id).order_by(Comment.created_at.desc(),
                                                                           Comment.id.desc())


def titles_of(consultation_ids) -> dict[int, str]:
    if not consultation_ids:
        return {}
    return dict(db.session.execute(select(Consultation.id, Consultation.title)
                                   .where(Consultation.id.in_(consultation_ids))).all())


def offline_of(consultation: Consultation) -> list[OfflineOpinion]:
    return list(db.session.scalars(select(OfflineOpinion).where(OfflineOpinion.consultation_id == consultation.id)
                                   .order_by(OfflineOpinion.held_on.desc(), OfflineOpinion.id.desc())))

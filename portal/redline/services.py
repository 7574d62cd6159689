"""Rules of the redline: recording the issued text (pasted, uploaded as .docx, or given with the
decision), matching it with the consulted draft, staff corrections, the themes each change
answers, the flags staff see before the feedback report is published, and the views that pages and
the API read from the cached comparison."""
from __future__ import annotations

import io
import secrets
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from xml.etree import ElementTree

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ..audit.services import record
from ..catalogue.models import DecisionItem
from ..consultation.drafts import split_draft
from ..consultation.models import Comment, Consultation, ConsultationSection
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..feedback.models import AdoptionReport, Disposition, ReportVersion, Theme, ThemeAssignment
from . import diff
from .models import ArticleMatch, ChangeKind, ChangeTheme, FinalArticle, FinalText, TextSource

ISSUED_STATUSES = ("decided", "feedback_published")
ADOPTING = (Disposition.adopted.value, Disposition.partly.value)
# Kinds of change that need a reason: a theme they answer, or an explanation.
NEEDS_REASON = (ChangeKind.changed.value, ChangeKind.split_article.value, ChangeKind.merged.value,
                ChangeKind.added.value, ChangeKind.removed.value)
TEXT_MAX = 500_000
EXPLANATION_MAX = 1000
DOCX_MAX_BYTES = 10 * 1024 * 1024


# --- the issued text -------------------------------------------------------------------------------

def consulted_draft(item: DecisionItem) -> Consultation | None:
    """The draft the issued text is compared with: the item's latest public consultation that was
    split into sections."""
    return db.session.scalar(
        select(Consultation).where(Consultation.decision_id == item.id, Consultation.published_at.is_not(None),
                                   select(ConsultationSection.id).where(
                                       ConsultationSection.consultation_id == Consultation.id).exists())
        .order_by(Consultation.opens_at.desc(), Consultation.id.desc()).limit(1))


def final_text_of(item: DecisionItem | int) -> FinalText | None:
    item_id = item if isinstance(item, int) else item.id
    return db.session.scalar(select(FinalText).where(FinalText.decision_id == item_id))


def _docx_with_zipfile(content: bytes) -> list[str]:
    namespace = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        root = ElementTree.fromstring(archive.read("word/document.xml"))
    return ["".join(node.text or "" for node in paragraph.iter(f"{namespace}t"))
            for paragraph in root.iter(f"{namespace}p")]


def read_docx(content: bytes, field_name: str = "file") -> str:
    """The text of a Word (.docx) file, one paragraph a line (python-docx; the document XML read
    with zipfile where python-docx is not installed)."""
    if len(content) > DOCX_MAX_BYTES:
        raise UserInputError(field_name, _("The file is larger than %(size)s MB.", size=DOCX_MAX_BYTES // 1024 // 1024))
    try:
        try:
            import docx  # python-docx
        except ImportError:  # pragma: no cover - the dependency is declared
            lines = _docx_with_zipfile(content)
        else:
            lines = [paragraph.text for paragraph in docx.Document(io.BytesIO(content)).paragraphs]
    except Exception:  # a damaged or foreign file: python-docx raises several kinds of error
        raise UserInputError(field_name, _("This file could not be read as a Word (.docx) document.")) from None
    return "\n".join(lines).strip()


def _ensure_issued(item: DecisionItem) -> None:
    if item.status not in ISSUED_STATUSES:
        raise RuleViolation(_("The issued text can be compared once the decision is recorded."))


def save_final_text(actor, item: DecisionItem, text: str, source: str = TextSource.pasted.value,
                    field_name: str = "text") -> FinalText:
    """Record (or replace) the issued text: split into 章/条 with the draft's rules and matched with
    the consulted draft. Replacing keeps the themes linked to an article of the same number."""
    _ensure_issued(item)
    text = (text or "").strip()
    if not text:
        raise UserInputError(field_name, _("Paste the issued text or upload it as a Word (.docx) file."))
    if len(text) > TEXT_MAX:
        raise UserInputError(field_name, _("The text is at most %(n)s characters.", n=TEXT_MAX))
    sections = split_draft(text)
    if not any(s["kind"] == "article" for s in sections):
        raise UserInputError(field_name, _("No article (第X条) was found in the issued text; each article "
                                           "starts on its own line with its number."))
    consultation = consulted_draft(item)
    if consultation is None:
        raise RuleViolation(_("This decision has no consulted draft to compare the issued text with."))
    final = final_text_of(item)
    kept_links: list[tuple[str, int]] = []
    before = None
    if final is None:
        final = FinalText(decision_id=item.id, consultation_id=consultation.id, source=source, text=text,
                          explanations={})
        db.session.add(final)
    else:
        before = {"source": final.source, "articles": len(final.articles), "consultation_id": final.consultation_id}
        number_of = {a.id: a.number for a in final.articles}
        kept_links = [(number_of[link.final_article_id], link.theme_id) for link in db.session.scalars(
            select(ChangeTheme).where(ChangeTheme.final_text_id == final.id,
                                      ChangeTheme.final_article_id.is_not(None)))]
        db.session.execute(delete(ChangeTheme).where(ChangeTheme.final_text_id == final.id,
                                                     ChangeTheme.final_article_id.is_not(None)))
        db.session.execute(delete(ArticleMatch).where(ArticleMatch.final_text_id == final.id))
        final.articles.clear()
        db.session.flush()
        final.consultation_id, final.source, final.text = consultation.id, source, text
    db.session.flush()
    for position, section in enumerate(sections):
        final.articles.append(FinalArticle(position=position, **section))
    db.session.flush()
    by_number = {a.number: a.id for a in final.articles if a.number}
    for number, theme_id in set(kept_links):
        if number in by_number:
            db.session.add(ChangeTheme(final_text_id=final.id, final_article_id=by_number[number], theme_id=theme_id))
    rebuild(final)
    record(actor, "redline.final_text", final, before=before,
           after={"source": source, "articles": sum(1 for a in final.articles if a.kind == "article"),
                  "consultation_id": consultation.id, "counts": final.counts})
    return final


def save_final_upload(actor, item: DecisionItem, upload) -> FinalText:
    """The issued text uploaded as a Word (.docx) file (checked by content and size like every upload)."""
    from ..catalogue import uploads

    content, ext, _mime = uploads.check(upload, "file")
    if ext != "docx":
        raise UserInputError("file", _("Upload the issued text as a Word (.docx) file."))
    return save_final_text(actor, item, read_docx(content), TextSource.docx.value, field_name="file")


def save_from_decision(actor, item: DecisionItem, text: str, document=None) -> FinalText | None:
    """When a decision is recorded: compare its text (or its .docx file) with the consulted draft,
    if the text has articles and there is a draft. Anything else is left for the staff page."""
    from ..catalogue import uploads

    source = TextSource.decision.value
    if not split_draft_has_articles(text) and document is not None and document.stored_name \
            and (document.original_name or "").lower().endswith(".docx"):
        try:
            with open(uploads.path_of(document.stored_name), "rb") as fh:
                text, source = read_docx(fh.read()), TextSource.docx.value
        except (OSError, UserInputError):
            return None
    if not split_draft_has_articles(text) or consulted_draft(item) is None:
        return None
    return save_final_text(actor, item, text, source)


def split_draft_has_articles(text: str | None) -> bool:
    return any(s["kind"] == "article" for s in split_draft(text or ""))


# --- matching and the cached comparison -----------------------------------------------------------

def _units(final: FinalText) -> tuple[list[diff.Unit], list[diff.Unit]]:
    drafts = [diff.Unit(s.id, s.kind, s.number, s.heading, s.body, s.position) for s in db.session.scalars(
        select(ConsultationSection).where(ConsultationSection.consultation_id == final.consultation_id)
        .order_by(ConsultationSection.position))]
    finals = [diff.Unit(a.id, a.kind, a.number, a.heading, a.body, a.position) for a in final.articles]
    return drafts, finals


def rebuild(final: FinalText) -> dict:
    """Match again (keeping staff's corrections) and store the comparison: called whenever the
    text or a match changes, so that pages only read it."""
    manual: dict[int, list[int]] = {}
    for row in db.session.scalars(select(ArticleMatch).where(ArticleMatch.final_text_id == final.id,
                                                             ArticleMatch.manual.is_(True))):
        manual.setdefault(row.final_article_id, [])
        if row.section_id is not None:
            manual[row.final_article_id].append(row.section_id)
    drafts, finals = _units(final)
    result = diff.compare(drafts, finals, manual)
    db.session.execute(delete(ArticleMatch).where(ArticleMatch.final_text_id == final.id,
                                                  ArticleMatch.manual.is_(False)))
    for section_id, article_id in result["pairs"]:
        if article_id not in manual:
            db.session.add(ArticleMatch(final_text_id=final.id, final_article_id=article_id,
                                        section_id=section_id, manual=False))
    final.diff = {"rows": result["rows"], "counts": result["counts"]}
    final.counts = result["counts"]
    touch(final)
    db.session.flush()
    return final.diff


def touch(final: FinalText) -> None:
    """A new revision: pages rendered from the previous one are not used any more."""
    final.revision = secrets.token_hex(16)


# Parsed comparisons and rendered tables, by (what, final text id, revision, ...): a revision is
# random and changes with every change, so an entry is never stale, in any process.
_MEMO: OrderedDict[tuple, Any] = OrderedDict()
MEMO_SIZE = 64


def memo(key: tuple, build: Callable[[], Any]) -> Any:
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    value = _MEMO[key] = build()
    while len(_MEMO) > MEMO_SIZE:
        _MEMO.popitem(last=False)
    return value


def diff_of(final: FinalText) -> dict:
    """The stored comparison, parsed once per revision (the column is loaded only then)."""
    return memo(("diff", final.id, final.revision), lambda: final.diff or {"rows": [], "counts": {}})


def set_match(actor, final: FinalText, article_id: int, section_ids: Iterable[int]) -> None:
    """Staff's correction: the issued article ``article_id`` comes from these draft articles (none:
    it is new). Kept when matching runs again."""
    article = db.session.get(FinalArticle, article_id)
    if article is None or article.final_text_id != final.id:
        raise UserInputError("article_id", _("Choose an article of the issued text."))
    ids = sorted({int(i) for i in section_ids})
    if ids:
        found = set(db.session.scalars(select(ConsultationSection.id).where(
            ConsultationSection.id.in_(ids), ConsultationSection.consultation_id == final.consultation_id)))
        if found != set(ids):
            raise UserInputError("section_ids", _("Choose articles of the consulted draft."))
    before = sorted(s for s in db.session.scalars(select(ArticleMatch.section_id).where(
        ArticleMatch.final_article_id == article.id)) if s is not None)
    db.session.execute(delete(ArticleMatch).where(ArticleMatch.final_article_id == article.id))
    chosen: list[int | None] = list(ids) or [None]
    for section_id in chosen:
        db.session.add(ArticleMatch(final_text_id=final.id, final_article_id=article.id, section_id=section_id,
                                    manual=True))
    db.session.flush()
    rebuild(final)
    record(actor, "redline.match", final, before={"article": article.label, "sections": before},
           after={"article": article.label, "sections": ids})


def reset_matches(actor, final: FinalText) -> None:
    """Drop staff's corrections: every article matched automatically again."""
    result = db.session.execute(delete(ArticleMatch).where(ArticleMatch.final_text_id == final.id,
                                                           ArticleMatch.manual.is_(True)))
    count = getattr(result, "rowcount", 0) or 0
    rebuild(final)
    record(actor, "redline.match_reset", final, before={"manual_matches": count})


# --- themes, flags and explanations --------------------------------------------------------------

def rows_of(final: FinalText) -> list[dict]:
    return diff_of(final).get("rows", [])


def row_by_key(final: FinalText, key: str) -> dict | None:
    return next((row for row in rows_of(final) if row["key"] == key), None)


@dataclass
class ThemeInfo:
    id: int
    title: str
    disposition: str | None
    reason: str
    comment_count: int
    offline_count: int = 0


def live_themes(final: FinalText) -> dict[int, ThemeInfo]:
    """The draft's themes as they stand, with their counts (two queries)."""
    themes = db.session.scalars(select(Theme).where(Theme.consultation_id == final.consultation_id)
                                .order_by(Theme.position, Theme.id)).all()
    counts = {row.theme_id: row for row in db.session.execute(
        select(ThemeAssignment.theme_id, func.count(ThemeAssignment.comment_id).label("comments"),
               func.count(ThemeAssignment.offline_item_id).label("offline"))
        .where(ThemeAssignment.theme_id.in_([t.id for t in themes])).group_by(ThemeAssignment.theme_id))} \
        if themes else {}
    return {t.id: ThemeInfo(t.id, t.title, t.disposition, t.reason,
                            counts[t.id].comments if t.id in counts else 0,
                            counts[t.id].offline if t.id in counts else 0) for t in themes}


def published_version(item: DecisionItem | int) -> ReportVersion | None:
    item_id = item if isinstance(item, int) else item.id
    return db.session.scalar(select(ReportVersion).join(AdoptionReport, ReportVersion.report_id == AdoptionReport.id)
                             .where(AdoptionReport.decision_id == item_id, AdoptionReport.published_at.is_not(None),
                                    ReportVersion.number == AdoptionReport.version))


def published_themes(version: ReportVersion | None) -> dict[int, ThemeInfo]:
    """The themes as the current published report shows them (frozen at publication)."""
    if version is None:
        return {}
    return {t["id"]: ThemeInfo(t["id"], t["title"], t.get("disposition"), t.get("reason", ""),
                               t.get("comment_count", 0), t.get("offline_count", 0)) for t in version.themes or []}


def links_of(final: FinalText) -> list[ChangeTheme]:
    return list(db.session.scalars(select(ChangeTheme).where(ChangeTheme.final_text_id == final.id)
                                   .order_by(ChangeTheme.id)))


def themes_by_row(final: FinalText, links: list[ChangeTheme]) -> dict[str, list[int]]:
    """Row key → linked theme ids, whichever article of the row a link names."""
    row_of: dict[str, str] = {}
    for row in rows_of(final):
        for ref in row["final"]:
            row_of[f"f{ref['id']}"] = row["key"]
        if not row["final"]:
            for ref in row["draft"]:
                row_of[f"d{ref['id']}"] = row["key"]
    result: dict[str, list[int]] = {}
    for link in links:
        key = row_of.get(link.key)
        if key is not None and link.theme_id not in result.setdefault(key, []):
            result[key].append(link.theme_id)
    return result


def link_themes(actor, final: FinalText, key: str, theme_ids: Iterable[int]) -> None:
    """The themes (adopted or partly adopted, of the consulted draft) that a change answers."""
    row = row_by_key(final, key)
    if row is None or row["kind"] not in NEEDS_REASON:
        raise UserInputError("theme_ids", _("Only a changed, added or removed article can be tied to themes."))
    ids = sorted({int(i) for i in theme_ids})
    if ids:
        found = set(db.session.scalars(select(Theme.id).where(
            Theme.id.in_(ids), Theme.consultation_id == final.consultation_id, Theme.disposition.in_(ADOPTING))))
        if found != set(ids):
            raise UserInputError("theme_ids", _("Choose themes of this draft that were adopted or partly adopted."))
    final_ids = [ref["id"] for ref in row["final"]]
    draft_ids = [ref["id"] for ref in row["draft"]]
    before = themes_by_row(final, links_of(final)).get(key, [])
    if final_ids:
        db.session.execute(delete(ChangeTheme).where(ChangeTheme.final_article_id.in_(final_ids)))
    else:
        db.session.execute(delete(ChangeTheme).where(ChangeTheme.final_text_id == final.id,
                                                     ChangeTheme.section_id.in_(draft_ids)))
    for theme_id in ids:
        db.session.add(ChangeTheme(final_text_id=final.id, theme_id=theme_id,
                                   final_article_id=final_ids[0] if final_ids else None,
                                   section_id=None if final_ids else draft_ids[0]))
    touch(final)
    db.session.flush()
    record(actor, "redline.themes", final, before={"change": key, "themes": before},
           after={"change": key, "themes": ids})


def explain(actor, final: FinalText, key: str, text: str) -> None:
    """A public explanation of a flag: a theme adopted without a changed article ("theme-<id>"),
    or a change that answers no theme (its row key)."""
    text = (text or "").strip()
    if len(text) > EXPLANATION_MAX:
        raise UserInputError("explanation", _("The explanation is at most %(n)s characters.", n=EXPLANATION_MAX))
    valid = key.startswith("theme-") and key[6:].isdigit() and db.session.scalar(
        select(Theme.id).where(Theme.id == int(key[6:]), Theme.consultation_id == final.consultation_id))
    valid = valid or row_by_key(final, key) is not None
    if not valid:
        raise UserInputError("explanation", _("There is no such theme or change to explain."))
    explanations = dict(final.explanations or {})
    before = explanations.get(key, "")
    if text:
        explanations[key] = text
    else:
        explanations.pop(key, None)
    final.explanations = explanations
    touch(final)
    db.session.flush()
    record(actor, "redline.explain", final, before={"key": key, "text": before}, after={"key": key, "text": text})


@dataclass
class Flag:
    """A mismatch staff should resolve or explain before the feedback report is published."""

    key: str
    kind: str          # "theme": adopted without a changed article; "change": changed without a theme
    label: str
    explanation: str

    @property
    def explained(self) -> bool:
        return bool(self.explanation)


def flags_of(final: FinalText, themes: dict[int, ThemeInfo], by_row: dict[str, list[int]]) -> list[Flag]:
    explanations = final.explanations or {}
    linked = {theme_id for ids in by_row.values() for theme_id in ids}
    found = [Flag(f"theme-{t.id}", "theme", t.title, explanations.get(f"theme-{t.id}", ""))
             for t in themes.values() if t.disposition in ADOPTING and t.id not in linked]
    for row in rows_of(final):
        if row["kind"] in NEEDS_REASON and not by_row.get(row["key"]):
            found.append(Flag(row["key"], "change", row_label(row), explanations.get(row["key"], "")))
    return found


def row_label(row: dict) -> str:
    draft = "、".join(ref["number"] or ref["heading"] for ref in row["draft"])
    final = "、".join(ref["number"] or ref["heading"] for ref in row["final"])
    if draft and final and draft != final:
        return f"{draft} → {final}"
    return final or draft or _("Preamble")


# --- what pages read -----------------------------------------------------------------------------

@dataclass
class Redline:
    item: DecisionItem
    final: FinalText
    rows: list[dict]
    counts: dict[str, int]
    themes: dict[int, ThemeInfo]
    loaded_by_row: dict[str, list[int]] | None = None
    flags: list[Flag] = field(default_factory=list)
    report_published: bool = False
    version_number: int | None = None  # of the published report whose themes are shown

    @property
    def by_row(self) -> dict[str, list[int]]:
        """Row key → ids of the themes tied to it (loaded when first asked: a page rendered from
        memory does not need them)."""
        if self.loaded_by_row is None:
            self.loaded_by_row = themes_by_row(self.final, links_of(self.final))
        return self.loaded_by_row

    @property
    def explanations(self) -> dict[str, str]:
        return self.final.explanations or {}

    def themes_of(self, row: dict) -> list[ThemeInfo]:
        return [self.themes[i] for i in self.by_row.get(row["key"], []) if i in self.themes]

    @property
    def theme_explanations(self) -> list[tuple[ThemeInfo, str]]:
        return [(self.themes[int(key[6:])], text) for key, text in self.explanations.items()
                if key.startswith("theme-") and key[6:].isdigit() and int(key[6:]) in self.themes]


def redline(item: DecisionItem, final: FinalText, *, public: bool) -> Redline:
    """The comparison with its themes: for the public, the themes as the published report shows
    them (none before it is published); for staff, the themes as they stand, and the flags."""
    diff_data = diff_of(final)
    if public:
        version = published_version(item)
        themes = {i: t for i, t in published_themes(version).items() if t.disposition in ADOPTING}
        return Redline(item, final, diff_data["rows"], diff_data["counts"], themes,
                       report_published=version is not None, version_number=version.id if version else None)
    by_row = themes_by_row(final, links_of(final))
    themes = live_themes(final)
    return Redline(item, final, diff_data["rows"], diff_data["counts"], themes, by_row,
                   flags_of(final, themes, by_row), report_published=published_version(item) is not None)


def adopting_choices(final: FinalText) -> list[tuple[int, str]]:
    return [(t.id, t.title) for t in db.session.scalars(
        select(Theme).where(Theme.consultation_id == final.consultation_id, Theme.disposition.in_(ADOPTING))
        .order_by(Theme.position, Theme.id))]


# --- a commenter's own thread --------------------------------------------------------------------

@dataclass
class ThreadEntry:
    comment: Comment
    section: ConsultationSection | None
    theme: ThemeInfo | None
    row: dict | None  # the redline row of the commented article


def thread(account, item: DecisionItem) -> list[ThreadEntry]:
    """The account's comments on the item's drafts, with their theme and disposition as published
    and the commented article as consulted and as issued."""
    rows = db.session.execute(
        select(Comment, ThemeAssignment.theme_id)
        .join(Consultation, Consultation.id == Comment.consultation_id)
        .outerjoin(ThemeAssignment, ThemeAssignment.comment_id == Comment.id)
        .where(Consultation.decision_id == item.id, Comment.author_id == account.id)
        .order_by(Comment.created_at, Comment.id)).all()
    if not rows:
        return []
    themes = published_themes(published_version(item))
    final = final_text_of(item)
    row_of_section: dict[int, dict] = {}
    if final is not None:
        for row in rows_of(final):
            for ref in row["draft"]:
                row_of_section[ref["id"]] = row
    section_ids = {c.section_id for c, _t in rows if c.section_id}
    sections = {s.id: s for s in db.session.scalars(
        select(ConsultationSection).where(ConsultationSection.id.in_(section_ids)))} if section_ids else {}
    return [ThreadEntry(comment, sections.get(comment.section_id) if comment.section_id else None,
                        themes.get(theme_id) if theme_id else None,
                        row_of_section.get(comment.section_id) if comment.section_id else None)
            for comment, theme_id in rows]


def my_items(account, limit: int = 20) -> list[tuple[DecisionItem, int, bool]]:
    """Issued items whose drafts the account commented on: (item, number of comments, whether the
    issued text is compared), latest first."""
    counts = db.session.execute(
        select(Consultation.decision_id, func.count(Comment.id))
        .join(Comment, Comment.consultation_id == Consultation.id)
        .join(DecisionItem, DecisionItem.id == Consultation.decision_id)
        .where(Comment.author_id == account.id, DecisionItem.status.in_(ISSUED_STATUSES))
        .group_by(Consultation.decision_id)).all()
    if not counts:
        return []
    by_id = dict(counts)
    items = db.session.scalars(select(DecisionItem).where(DecisionItem.id.in_(by_id))
                               .order_by(DecisionItem.issue_date.desc(), DecisionItem.id.desc()).limit(limit)).all()
    compared = set(db.session.scalars(select(FinalText.decision_id).where(FinalText.decision_id.in_(by_id))))
    return [(item, by_id[item.id], item.id in compared) for item in items]

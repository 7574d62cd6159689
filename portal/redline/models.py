"""The issued text of a decision (正式文本) split into 章/条 like its draft, the matches between
issued articles and the consulted draft's articles, the themes each change answers, and the cached
comparison (redline) that public pages render without recomputing.

A match is a pair (draft article, issued article). One draft article with two issued articles is a
split, two draft articles with one issued article a merge; a draft article without a pair was
removed, an issued article without a pair was added.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from .. import clock
from ..enums import LabeledEnum
from ..extensions import Model


class ChangeKind(LabeledEnum):
    """How an article changed between the consulted draft and the issued text."""

    unchanged = "unchanged", _l("Unchanged")
    renumbered = "renumbered", _l("Renumbered")  # same text under another number (第五条→第六条)
    changed = "changed", _l("Changed")
    split_article = "split", _l("Split")  # (not "split": a str method) one draft article became several issued articles
    merged = "merged", _l("Merged")       # several draft articles became one issued article
    added = "added", _l("Added")
    removed = "removed", _l("Removed")


class TextSource(LabeledEnum):
    pasted = "pasted", _l("Pasted")
    docx = "docx", _l("Word file (.docx)")
    decision = "decision", _l("Recorded with the decision")  # the text given when recording the decision


class FinalText(Model):
    """The issued text of a decision item, compared with the draft of one of its consultations."""

    __tablename__ = "redline_final_text"
    __table_args__ = (
        UniqueConstraint("decision_id", name="uq_redline_final_text_decision"),
        CheckConstraint("source IN ('pasted', 'docx', 'decision')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_item.id", ondelete="CASCADE"))
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(10), default=TextSource.pasted.value)
    text: Mapped[str] = mapped_column(Text)
    # The comparison as computed (rows, their kinds and character diffs), rebuilt whenever the text
    # or a match changes, and loaded only when a page's cached copy is older than ``revision``;
    # its summary counts; explanations of flagged themes and changes keyed "theme-<id>" / row key.
    diff: Mapped[dict | None] = deferred(mapped_column(JSON))
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    explanations: Mapped[dict] = mapped_column(JSON, default=dict)
    # A new random value on every change of the comparison, its themes or explanations: the key of
    # the rendered pages kept in memory (portal/redline/render.py).
    revision: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    decision = relationship("DecisionItem", lazy="joined")
    consultation = relationship("Consultation")
    articles = relationship("FinalArticle", back_populates="final_text", order_by="FinalArticle.position",
                            cascade="all, delete-orphan")

    @property
    def unit_id(self) -> int:
        return self.decision.unit_id


class FinalArticle(Model):
    """A section of the issued text (章/条/preamble), split with the draft's rules."""

    __tablename__ = "redline_final_article"
    __table_args__ = (
        CheckConstraint("kind IN ('chapter', 'article', 'text')", name="kind_known"),
        Index("ix_redline_final_article_order", "final_text_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    final_text_id: Mapped[int] = mapped_column(ForeignKey("redline_final_text.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(10), default="article")
    number: Mapped[str] = mapped_column(String(30), default="")
    heading: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")

    final_text = relationship("FinalText", back_populates="articles")

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.number, self.heading) if part) or self.body[:20]


class ArticleMatch(Model):
    """A draft article and the issued article it became (``manual`` when staff set it). A manual row
    without a draft article records that staff marked the issued article as added."""

    __tablename__ = "redline_match"
    __table_args__ = (
        UniqueConstraint("final_article_id", "section_id", name="uq_redline_match_pair"),
        Index("ix_redline_match_text", "final_text_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    final_text_id: Mapped[int] = mapped_column(ForeignKey("redline_final_text.id", ondelete="CASCADE"))
    final_article_id: Mapped[int] = mapped_column(ForeignKey("redline_final_article.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_section.id", ondelete="CASCADE"))
    manual: Mapped[bool] = mapped_column(default=False)


class ChangeTheme(Model):
    """A theme (adopted or partly adopted) that a change answers. A change is keyed by its first
    issued article, or by its draft article when it was removed."""

    __tablename__ = "redline_change_theme"
    __table_args__ = (
        CheckConstraint("(final_article_id IS NULL) <> (section_id IS NULL)", name="one_side"),
        UniqueConstraint("final_article_id", "theme_id", name="uq_redline_change_theme_final"),
        UniqueConstraint("section_id", "final_text_id", "theme_id", name="uq_redline_change_theme_section"),
        Index("ix_redline_change_theme_text", "final_text_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    final_text_id: Mapped[int] = mapped_column(ForeignKey("redline_final_text.id", ondelete="CASCADE"))
    final_article_id: Mapped[int | None] = mapped_column(ForeignKey("redline_final_article.id",
                                                                    ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_section.id", ondelete="CASCADE"))
    theme_id: Mapped[int] = mapped_column(ForeignKey("feedback_theme.id", ondelete="CASCADE"), index=True)

    @property
    def key(self) -> str:
        return f"f{self.final_article_id}" if self.final_article_id else f"d{self.section_id}"

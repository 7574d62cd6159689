"""Consultations on draft decisions (征求意见), their sections, comments, campaigns and offline
opinions. Statistics that public pages show are kept as counters, never counted per view."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock, privacy, search
from ..enums import LabeledEnum
from ..extensions import Model


class ConsultationStatus(LabeledEnum):
    draft = "draft", _l("Draft (not public)")           # 未发布
    upcoming = "upcoming", _l("Not yet open")           # 已发布，尚未开始
    open = "open", _l("Open for comments")              # 征求意见中
    closed = "closed", _l("Closed")                     # 已结束


class CommentStatus(LabeledEnum):
    pending = "pending", _l("Awaiting review")          # 待审核
    published = "published", _l("Published")            # 已公开
    rejected = "rejected", _l("Not published")          # 未通过审核


class RespondentType(LabeledEnum):
    citizen = "citizen", _l("Citizen")
    enterprise = "enterprise", _l("Enterprise")
    organisation = "organisation", _l("Social organisation")
    expert = "expert", _l("Expert")
    other = "other", _l("Other")


class RejectionReason(LabeledEnum):
    off_topic = "off_topic", _l("Not related to the subject")
    personal_attack = "personal_attack", _l("Personal attack")
    privacy = "privacy", _l("Contains personal information")
    advertising = "advertising", _l("Advertising")
    duplicate = "duplicate", _l("Duplicate submission")
    other = "other", _l("Other")


class OfflineChannel(LabeledEnum):
    letter = "letter", _l("Letter")
    email = "email", _l("Email")
    phone = "phone", _l("Phone")
    symposium = "symposium", _l("Symposium")
    hearing = "hearing", _l("Hearing")
    field_visit = "field_visit", _l("Field visit")
    poll = "poll", _l("Opinion poll")


class SectionKind(LabeledEnum):
    chapter = "chapter", _l("Chapter")
    article = "article", _l("Article")
    text = "text", _l("Text")


RESPONDENT_TYPES = RespondentType.values()
REJECTION_REASONS = RejectionReason.values()
OFFLINE_CHANNELS = OfflineChannel.values()


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _scrubbed(source: str):
    """Column defaults of a published text and its findings, computed from the original column
    ``source`` at insert, so that no way of creating a row publishes personal data as typed."""
    def public(context) -> str:
        return privacy.scrub(context.get_current_parameters().get(source) or "")[0]

    def findings(context) -> list[dict]:
        return privacy.scrub(context.get_current_parameters().get(source) or "")[1]
    return public, findings


_comment_public, _comment_findings = _scrubbed("text")
_summary_public, _summary_findings = _scrubbed("summary")


class Consultation(Model):
    """A consultation (征求意见) on the draft of a decision item."""

    __tablename__ = "consultation"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="period_order"),
        CheckConstraint("comment_count >= 0 AND pending_count >= 0", name="counts_positive"),
        Index("ix_consultation_published_period", "published_at", "closes_at", "opens_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_item.id"), index=True)
    # The unit of the decision item, kept here for access checks and the staff pages' queries.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(Text, default="")       # 起草说明
    interpretation: Mapped[str] = mapped_column(Text, default="")    # 草案解读
    contact_address: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    short_period_reason: Mapped[str] = mapped_column(Text, default="")  # public
    extension_reason: Mapped[str] = mapped_column(Text, default="")     # public
    original_closes_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    comment_count: Mapped[int] = mapped_column(default=0)   # published comments
    pending_count: Mapped[int] = mapped_column(default=0)   # comments awaiting moderation
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    decision = relationship("DecisionItem", lazy="joined")
    unit = relationship("Unit", lazy="joined")
    sections = relationship("ConsultationSection", back_populates="consultation",
                            order_by="ConsultationSection.position", cascade="all, delete-orphan")

    def status_at(self, moment: datetime) -> str:
        if self.published_at is None:
            return ConsultationStatus.draft.value
        if moment < self.opens_at:
            return ConsultationStatus.upcoming.value
        if moment < self.closes_at:
            return ConsultationStatus.open.value
        return ConsultationStatus.closed.value

    @property
    def status(self) -> str:
        return self.status_at(clock.now())

    @property
    def is_open(self) -> bool:
        return self.status == ConsultationStatus.open.value

    @property
    def is_public(self) -> bool:
        return self.published_at is not None

    @property
    def period_days(self) -> int:
        return (self.closes_at - self.opens_at).days

    @property
    def days_left(self) -> int:
        """Whole days left before closing, counting a started day (0 when not open)."""
        if not self.is_open:
            return 0
        remaining = self.closes_at - clock.now()
        return remaining.days + (1 if remaining.seconds else 0)


class ConsultationSection(Model):
    """A section of the draft (章/条): number (第五条), heading and body, in order."""

    __tablename__ = "consultation_section"
    __table_args__ = (
        CheckConstraint("kind IN ('chapter', 'article', 'text')", name="kind_known"),
        CheckConstraint("comment_count >= 0", name="count_positive"),
        Index("ix_consultation_section_order", "consultation_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(10), default="article")
    number: Mapped[str] = mapped_column(String(30), default="")
    heading: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    comment_count: Mapped[int] = mapped_column(default=0)  # published comments on this section

    consultation = relationship("Consultation", back_populates="sections")

    @property
    def owner_unit_id(self) -> int:
        return self.consultation.unit_id

    @property
    def anchor(self) -> str:
        return f"s{self.id}"

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.number, self.heading) if part) or self.body[:20]


class Campaign(Model):
    """A group of identical or near-identical comments from different accounts (疑似集中/批量意见).
    Every member still counts; the group only helps staff read them together."""

    __tablename__ = "consultation_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"),
                                                 index=True)
    sample_text: Mapped[str] = mapped_column(Text)
    comment_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Comment(Model):
    """A resident's comment (意见) on a draft or one of its sections, moderated before publication."""

    __tablename__ = "consultation_comment"
    __table_args__ = (
        # The same (normalised) text once per account and consultation.
        UniqueConstraint("consultation_id", "author_id", "text_hash", name="uq_consultation_comment_text"),
        CheckConstraint(_in("status", tuple(s.value for s in CommentStatus)), name="status_known"),
        CheckConstraint(_in("respondent_type", RESPONDENT_TYPES), name="respondent_known"),
        CheckConstraint("rejection_reason IS NULL OR " + _in("rejection_reason", REJECTION_REASONS),
                        name="reason_known"),
        CheckConstraint("status <> 'rejected' OR rejection_reason IS NOT NULL", name="rejected_has_reason"),
        Index("ix_consultation_comment_public", "consultation_id", "status", "section_id", "published_at"),
        # The latest published comments across all sections, without sorting 200,000 rows.
        Index("ix_consultation_comment_latest", "consultation_id", "status", "published_at", "id"),
        Index("ix_consultation_comment_campaign", "campaign_id"),
        Index("ix_consultation_comment_author", "author_id", "created_at"),
        # The staff export reads a consultation's comments in id order, batch after batch.
        Index("ix_consultation_comment_export", "consultation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_section.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # What is published as the author: a masked name (张**) or 匿名, fixed at submission.
    public_name: Mapped[str] = mapped_column(String(20))
    anonymous: Mapped[bool] = mapped_column(default=False)
    respondent_type: Mapped[str] = mapped_column(String(20), default="citizen")
    text: Mapped[str] = mapped_column(Text)  # as typed: shown to staff and the author only
    # What is published everywhere (pages, report, API, public exports): ``text`` with the personal
    # data found at submission (``pii_findings``: kind, start, end) and any span staff hid by hand
    # (kind "manual") replaced, see ``portal.privacy``.
    public_text: Mapped[str] = mapped_column(Text, default=_comment_public, server_default="")
    pii_findings: Mapped[list] = mapped_column(JSON, default=_comment_findings, server_default=sql_text("'[]'"))
    text_hash: Mapped[str] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(24), unique=True)  # 回执编号
    consent_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default=CommentStatus.pending.value)
    rejection_reason: Mapped[str | None] = mapped_column(String(20))
    rejection_note: Mapped[str] = mapped_column(Text, default="")
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_campaign.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    consultation = relationship("Consultation")
    section = relationship("ConsultationSection")
    campaign = relationship("Campaign")

    @property
    def unit_id(self) -> int:
        return self.consultation.unit_id

    @property
    def findings(self) -> list[privacy.Finding]:
        return [privacy.Finding.from_dict(f) for f in self.pii_findings or []]

    def highlighted(self) -> list[tuple[str, str | None]]:
        """The original text in parts: (text, None) as typed, (text, kind) for a finding."""
        parts: list[tuple[str, str | None]] = []
        position = 0
        for f in privacy.merge(self.findings, len(self.text)):
            parts.append((self.text[position:f.start], None))
            parts.append((self.text[f.start:f.end], f.kind))
            position = f.end
        parts.append((self.text[position:], None))
        return [p for p in parts if p[0]]


class CommentBand(Model):
    """Locality-sensitive hashing of comment texts: one row per (comment, band) holding the hash of
    that band of the text's MinHash signature. Near-identical texts share a bucket in some band, so
    candidates are found by an indexed lookup instead of comparing with every comment."""

    __tablename__ = "consultation_comment_band"
    __table_args__ = (
        Index("ix_consultation_comment_band_bucket", "consultation_id", "band", "bucket"),
    )

    comment_id: Mapped[int] = mapped_column(ForeignKey("consultation_comment.id", ondelete="CASCADE"),
                                            primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    bucket: Mapped[int] = mapped_column(BigInteger)


class OfflineOpinion(Model):
    """Opinions gathered through another channel (其他渠道意见): letters, symposia, hearings..."""

    __tablename__ = "consultation_offline_opinion"
    __table_args__ = (
        CheckConstraint(_in("channel", OFFLINE_CHANNELS), name="channel_known"),
        CheckConstraint("participants >= 0", name="participants_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"),
                                                 index=True)
    channel: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date]
    participants: Mapped[int] = mapped_column(default=0)
    summary: Mapped[str] = mapped_column(Text)
    # The summary as published in the feedback report, personal data hidden (see Comment.public_text).
    public_summary: Mapped[str] = mapped_column(Text, default=_summary_public, server_default="")
    pii_findings: Mapped[list] = mapped_column(JSON, default=_summary_findings, server_default=sql_text("'[]'"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    consultation = relationship("Consultation")
    items = relationship("OfflineOpinionItem", back_populates="opinion", order_by="OfflineOpinionItem.id",
                         cascade="all, delete-orphan", lazy="selectin")

    @property
    def unit_id(self) -> int:
        return self.consultation.unit_id


class OfflineOpinionItem(Model):
    """One individual opinion of an offline record, optionally about one section."""

    __tablename__ = "consultation_offline_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("consultation_offline_opinion.id", ondelete="CASCADE"),
                                            index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_section.id"))
    text: Mapped[str] = mapped_column(Text)

    opinion = relationship("OfflineOpinion", back_populates="items")
    section = relationship("ConsultationSection")


search.register(Consultation, "consultation", {"title": 10, "explanation": 2, "interpretation": 1})
search.register(ConsultationSection, "consultation_section", {"number": 3, "heading": 3, "body": 1})

"""An export job and the chunks of the file it wrote."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..enums import LabeledEnum
from ..extensions import Model


class ExportStatus(LabeledEnum):
    queued = "queued", _l("Waiting to start")        # 等待处理
    running = "running", _l("Being generated")       # 正在生成
    done = "done", _l("Ready to download")           # 可以下载
    failed = "failed", _l("Failed")                  # 生成失败
    expired = "expired", _l("Expired")               # 已过期


class ExportJob(Model):
    """A file requested by staff and written by the ``exports run`` job.

    ``kind`` names the writer (``portal.exports.services.register``), ``params`` its input;
    ``subject_type``/``subject_id`` the object it is about (to list a consultation's exports).
    ``unit_id`` decides who may see and download it: staff of that unit and admins (None: admins
    only). The file lives in ``ExportChunk`` rows until ``expires_at``."""

    __tablename__ = "export_job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')", name="status_known"),
        CheckConstraint("rows_done >= 0 AND rows_total >= 0", name="rows_positive"),
        Index("ix_export_job_status", "status", "id"),
        Index("ix_export_job_subject", "subject_type", "subject_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    format: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    subject_type: Mapped[str] = mapped_column(String(40), default="")
    subject_id: Mapped[int | None]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default=ExportStatus.queued.value)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    size_bytes: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(100), default="")  # host:pid that claimed it
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    @property
    def owner_unit_id(self) -> int | None:
        return self.unit_id

    @property
    def status_label(self) -> str:
        return ExportStatus.label_of(self.status)

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.done or self.status == ExportStatus.expired:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def unfinished(self) -> bool:
        return self.status in (ExportStatus.queued, ExportStatus.running)

    def is_expired_at(self, moment: datetime) -> bool:
        """Expired from ``expires_at`` on (the exact moment included), purged or not yet."""
        if self.status == ExportStatus.expired:
            return True
        return self.status == ExportStatus.done and self.expires_at is not None and moment >= self.expires_at

    def can_download(self, moment: datetime) -> bool:
        return self.status == ExportStatus.done and not self.is_expired_at(moment)

    def display_status(self, moment: datetime) -> str:
        """What the job page says: a ready file past its time is shown expired before the purge."""
        return ExportStatus.expired.value if self.is_expired_at(moment) else self.status


class ExportChunk(Model):
    """One piece (up to ``services.CHUNK_BYTES``) of a finished export's file, in order of ``seq``."""

    __tablename__ = "export_chunk"

    job_id: Mapped[int] = mapped_column(ForeignKey("export_job.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from portal.consultation.models import Comment
from portal.extensions import db

NOW = datetime(2026, 4, 10, 9, 30)


@pytest.fixture
def clock_now():
    return NOW


def add_comments(consultation, author, n: int, text=None, batch: int = 5000, offset: int = 0) -> None:
    """``n`` comments on ``consultation`` by bulk insert (the factories' pace is too slow for
    200,000), in batches so that the setup itself stays small in memory; numbered from ``offset``."""
    sections = [s.id for s in consultation.sections]
    opened = consultation.opens_at

    def row(k: int) -> dict:
        body = text(k) if text else f"建议延长晚间投放时间，增设分类指导员（意见编号 {k}）"
        created = opened + timedelta(seconds=k)
        return {"consultation_id": consultation.id, "section_id": sections[k % len(sections)] if k % 7 else None,
                "author_id": author.id, "public_name": "张**", "anonymous": False, "respondent_type": "citizen",
                "text": body, "public_text": body, "pii_findings": [],
                "text_hash": hashlib.sha256(f"{consultation.id}-{k}".encode()).hexdigest(),
                "tracking_number": f"ZJ-{consultation.id:03d}-{k:07d}", "consent_at": created,
                "status": "published" if k % 10 else "pending", "rejection_reason": None, "rejection_note": "",
                "published_at": created if k % 10 else None, "created_at": created}

    for start in range(offset, offset + n, batch):
        db.session.execute(insert(Comment.__table__),
                           [row(k) for k in range(start, min(offset + n, start + batch))])
    db.session.commit()


@pytest.fixture
def setup(app, f):
    unit = f.unit()
    consultation = f.consultation(f.decision(unit, status="drafting"), status="open")
    staff = f.staff(unit)
    other_staff = f.staff(f.unit())
    admin = f.admin()
    resident = f.resident()
    db.session.commit()
    return {"unit": unit, "consultation": consultation, "staff": staff, "other_staff": other_staff,
            "admin": admin, "resident": resident}

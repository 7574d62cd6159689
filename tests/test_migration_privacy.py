"""Migration privacy01 backfills: existing comments and offline summaries get their published
text through portal.privacy, and offline summaries frozen in published reports are redacted."""
from __future__ import annotations

import json
from datetime import datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from tests import factories as f

from .conftest import BASE_CONFIG
from .test_migrations import empty_database_url  # noqa: F401 (fixture)


def test_upgrade_redacts_existing_comments_offline_summaries_and_frozen_reports(empty_database_url, tmp_path):  # noqa: F811
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database_url,
                      "CLOCK_NOW": datetime(2026, 4, 1, 10, 0)}, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        from portal.consultation.models import Comment, OfflineOpinion
        from portal.feedback.models import AdoptionReport, ReportVersion

        unit = f.unit()
        resident = f.resident()
        consultation = f.consultation(f.decision(unit, status="consulting"), status="open")
        db.session.add(Comment(consultation_id=consultation.id, author_id=resident.id, public_name="张**",
                               text="电话139 1234 5678，住长宁路88号1202室", text_hash="h",
                               consent_at=consultation.opens_at, status="published"))
        db.session.add(OfflineOpinion(consultation_id=consultation.id, channel="letter",
                                      held_on=consultation.opens_at.date(), participants=1,
                                      summary="来信a@example.com"))
        report = AdoptionReport(decision_id=consultation.decision_id)
        db.session.add(report)
        db.session.flush()
        db.session.add(ReportVersion(report_id=report.id, number=1, themes=[], statistics={
            "offline_records": [{"channel": "letter", "summary": "来信a@example.com", "participants": 1}]}))
        db.session.commit()

        downgrade(revision="lead01")  # as before this change: no published text yet
        upgrade()
        with db.engine.connect() as conn:
            public, findings = conn.execute(text("SELECT public_text, pii_findings FROM consultation_comment")).one()
            summary = conn.execute(text("SELECT public_summary FROM consultation_offline_opinion")).scalar_one()
            statistics = conn.execute(text("SELECT statistics FROM feedback_report_version")).scalar_one()
        assert public == "电话139****5678，住长宁路[已隐去]"
        assert "mobile" in str(findings) and "address" in str(findings)
        assert summary == "来信[已隐去]"
        if isinstance(statistics, str):
            statistics = json.loads(statistics)
        assert statistics["offline_records"][0]["summary"] == "来信[已隐去]"
        db.session.remove()
        db.engine.dispose()

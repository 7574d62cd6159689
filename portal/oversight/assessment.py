"""The published yearly assessment (年度考核结果): the district office publishes each year's results
(per unit, each target met or missed, with links to the evidence) once the year is over.

Until it is published the assessment is a draft: computed live, shown to admins only. Publishing
freezes the figures as a snapshot (``Assessment.figures``); the public page, the API and the feed
show the snapshot, which never changes when the data later does. Publishing again (after a
correction) makes a new version; the earlier versions stay readable.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import clock
from ..audit.services import record
from ..catalogue.models import DecisionItem, public_decisions
from ..errors import RuleViolation
from ..extensions import db
from . import services as svc
from .models import Assessment


def _consultation_evidence(row, minimum: int) -> dict[str, Any]:
    return {"title": row.title, "path": f"/consultations/{row.id}", "days": row.period_days,
            "compliant": row.period_days >= minimum or bool((row.short_period_reason or "").strip())}


def _activity_evidence(activity) -> dict[str, Any]:
    """An online activity counts by its published summary: the link goes to it."""
    if activity.is_online:
        return {"title": activity.title, "path": f"/open-days/{activity.id}#summary"}
    return {"title": activity.title, "path": f"/open-days/{activity.id}"}


def snapshot(year: int, now: datetime | None = None) -> dict[str, Any]:
    """Every unit's targets of ``year`` as they stand at ``now``, with the evidence: plain data
    (JSON), the form in which a publication is frozen and the API serves it."""
    now = now or clock.now()
    overview = svc.compliance(year, objects=True, now=now)
    meetings = {m.id: m for m in overview.meetings}
    reported = [d.item.id for u in overview.units for d in u.feedback.deadlines if d.is_published]
    public_ids = set(db.session.scalars(select(DecisionItem.id).where(DecisionItem.id.in_(reported),
                                                                      public_decisions()))) if reported else set()
    activities = {a.id: a for a in overview.activities}
    units = []
    for u in overview.units:
        unit = u.unit
        c, fb, m, o = u.consultations, u.feedback, u.meetings, u.open_days
        catalogue_evidence = ([{"title": _("Catalogue %(year)s", year=year), "path": f"/catalogue/{year}/{unit.slug}"}]
                              if u.catalogue.published_on else [])
        targets = {
            "catalogue": {"figures": {"deadline": u.catalogue.deadline.isoformat(),
                                      "published_on": u.catalogue.published_on.isoformat()
                                      if u.catalogue.published_on else None,
                                      "items": u.catalogue.item_count},
                          "evidence": catalogue_evidence},
            "consultations": {"figures": {"total": c.total, "compliant": c.compliant,
                                          "short_with_reason": c.short_with_reason,
                                          "short_without_reason": c.short_without_reason,
                                          "min_days": c.min_days, "comments": c.comments},
                              "evidence": [_consultation_evidence(row, c.min_days) for row in overview.consultations
                                           if row.unit_id == unit.id]},
            "feedback": {"figures": {"issued": fb.issued, "on_time": fb.on_time, "late": fb.late,
                                     "overdue": fb.overdue, "due": fb.due},
                         "evidence": [{"title": d.item.title, "path": f"/feedback/{d.item.id}", "state": str(d.state)}
                                      for d in fb.deadlines if d.is_published and d.item.id in public_ids]},
            "meetings": {"figures": {"target": m.target, "counted": m.counted, "held": m.held},
                         "evidence": [{"title": meetings[i].title, "path": f"/meetings/{i}"} for i in m.counted_ids]},
            "open_days": {"figures": {"target_days": o.target_days, "target_weeks": o.target_weeks,
                                      "open_days": o.open_days, "open_weeks": o.open_weeks,
                                      "online": o.online, "awaiting_summary": o.awaiting_summary},
                          "evidence": [_activity_evidence(activities[i]) for i in o.counted_ids]},
        }
        for target, value in targets.items():
            value["state"] = str(u.state_of(target))
        units.append({"slug": unit.slug, "name": unit.name, "short_name": unit.short_name,
                      "met": u.met_count, "missed": u.not_met_count, "targets": targets})
    return {"year": year, "as_of": now.isoformat(timespec="seconds"), "targets": list(svc.TARGETS),
            "units": units}


def published(year: int, version: int | None = None) -> Assessment | None:
    """The year's latest published version, or the one asked for."""
    query = select(Assessment).where(Assessment.year == year)
    if version is not None:
        return db.session.scalar(query.where(Assessment.version == version))
    return db.session.scalar(query.order_by(Assessment.version.desc()).limit(1))


def versions(year: int) -> list[Assessment]:
    return list(db.session.scalars(select(Assessment).where(Assessment.year == year)
                                   .order_by(Assessment.version.desc())))


def published_years() -> list[int]:
    return list(db.session.scalars(select(Assessment.year).distinct().order_by(Assessment.year.desc())))


def latest_versions(limit: int = 50) -> list[Assessment]:
    return list(db.session.scalars(select(Assessment).order_by(Assessment.published_at.desc(),
                                                               Assessment.id.desc()).limit(limit)))


def publish(actor, year: int, note: str = "") -> Assessment:
    """Freeze ``year``'s figures as a new published version (the first, or a re-publication).
    Refused while the year is not over: its results are not final."""
    now = clock.now()
    if now.date().year <= year:
        raise RuleViolation(_("The assessment of %(year)s can be published once the year is over.", year=year))
    version = (db.session.scalar(select(func.max(Assessment.version)).where(Assessment.year == year)) or 0) + 1
    assessment = Assessment(year=year, version=version, published_at=now, published_by_id=getattr(actor, "id", None),
                            note=(note or "").strip(), figures=snapshot(year, now))
    db.session.add(assessment)
    db.session.flush()
    record(actor, "oversight.publish_assessment", assessment, summary=f"{year} v{version}",
           after={"year": year, "version": version,
                  "missed": sum(u["missed"] for u in assessment.figures["units"])})
    return assessment

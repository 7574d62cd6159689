"""A small seeded portal for the robustness tests: every public page and API operation has
something to show, including the optional parts (lottery results, a published meeting record, a
published feedback report with themes, comments on sections, open days with registrations)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from portal import clock
from portal.catalogue import services as catalogue_services
from portal.catalogue.lifecycle import change_status
from portal.consultation import services as consultation_services
from portal.consultation.models import Comment
from portal.extensions import db
from portal.feedback import report as reports
from portal.feedback import themes
from portal.meetings import record as meeting_record
from portal.meetings import selection as meeting_selection
from portal.textutil import mask_name

from .. import factories as f


@dataclass
class World:
    units: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    consultations: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    feedback_item: object = None

    def ids(self) -> dict[str, list[int]]:
        return {"decisions": [d.id for d in self.decisions],
                "consultations": [c.id for c in self.consultations],
                "sections": [s.id for c in self.consultations for s in c.sections],
                "meetings": [m.id for m in self.meetings], "activities": [a.id for a in self.activities],
                "feedback": [self.feedback_item.id]}


def _set_now(app, when: datetime) -> None:
    app.config["CLOCK_NOW"] = when


def _pending_comment(consultation, author, text, section=None) -> Comment:
    digest = hashlib.sha256(f"{consultation.id}:{author.id}:{text}".encode()).hexdigest()
    comment = Comment(consultation_id=consultation.id, section_id=section.id if section else None,
                      author_id=author.id, public_name=mask_name(author.name), text=text, text_hash=digest,
                      consent_at=clock.now(), status="pending")
    db.session.add(comment)
    consultation.pending_count += 1  # as submit_comment does
    db.session.flush()
    return comment


def seed_world(app, now: datetime) -> World:
    """Seed the portal and leave the clock at ``now`` (the consultations are relative to it)."""
    w = World()
    _set_now(app, datetime(2026, 3, 5, 10, 0))  # meetings' sign-up is open
    w.units = [f.unit(slug="qingsong-fgw", name="青松区发展和改革委员会 <b>"), f.unit(kind="town")]
    unit = w.units[0]
    staff = f.staff(unit)
    w.topics = [f.topic(slug="chengshi-gengxin", name="城市更新"), f.topic()]
    residents = [f.resident(name=name) for name in ("张三丰", "李四", "王五", "<script>alert(1)</script>")]

    planned = f.decision(unit, status="planned", planned_quarter=None)
    planned.topics = list(w.topics)
    consulting = f.decision(unit, status="consulting")
    postponed = f.decision(w.units[1])
    change_status(postponed, "postponed", None, "等待上级政策")
    issued = f.decision(unit, status="deliberating")
    catalogue_services.add_document(None, issued, {"kind": "draft", "body": "草案全文"})
    catalogue_services.record_decision(None, issued, catalogue_services.DecisionResult(
        "办法", "青府发〔2026〕1号", date(2026, 1, 5), "全文", "依法不予公开征求意见的事项。"))
    feedback_item = f.decision(unit, status="deliberating", kind="other")
    w.decisions = [planned, consulting, postponed, issued, feedback_item]

    lottery = f.meeting(unit, seats={"citizen": 1, "enterprise": 1}, decisions=[consulting])
    review = f.meeting(unit, seats={"citizen": 2}, selection_method="review", live_url=None)
    for resident in residents[:3]:
        f.meeting_application(lottery, resident)
    f.meeting_application(lottery, f.resident(), category="enterprise", organisation="青松科技")
    reviewed = [f.meeting_application(review, resident) for resident in residents[:2]]
    _set_now(app, datetime(2026, 3, 11, 9, 0))  # sign-up closed
    meeting_selection.run_lottery(staff, lottery, "03 08 14 21 27 30 + 11", "福彩官网")
    for application in reviewed:
        meeting_selection.decide(staff, application, "selected", "利害关系人")
    meeting_selection.publish_selection(staff, review)
    _set_now(app, datetime(2026, 3, 16, 9, 0))  # after the meeting
    meeting_record.record_representative(staff, reviewed[0], {
        "attended": True, "opinion": "建议增加停车位。", "response": "已研究。", "adoption": "not_adopted",
        "adoption_reason": "场地不足。"})
    meeting_record.record_representative(staff, reviewed[1], {"attended": False})
    meeting_record.update_outcome(staff, review, "会议审议通过。")
    meeting_record.publish_record(staff, review)
    upcoming = f.meeting(w.units[1], starts_at=datetime(2026, 5, 20, 9, 0),
                         signup_opens_at=datetime(2026, 4, 1, 9, 0), signup_closes_at=datetime(2026, 5, 1, 17, 0),
                         withdrawal_cutoff=datetime(2026, 5, 15, 17, 0))
    w.meetings = [lottery, review, upcoming]

    _set_now(app, now)
    open_one = f.consultation(consulting, status="open", short_period_reason=None, extension_reason=None)
    closed = f.consultation(feedback_item, status="closed")
    upcoming_one = f.consultation(f.decision(w.units[1], status="consulting"), status="upcoming")
    w.consultations = [open_one, closed, upcoming_one]
    for consultation in (open_one, closed):
        sections = [s for s in consultation.sections if s.number]
        made = [_pending_comment(consultation, residents[0], "建议延长投放时间。<b>加粗</b>", sections[0]),
                _pending_comment(consultation, residents[1], "投放点应设置洗手池。", sections[1]),
                _pending_comment(consultation, residents[3], "总体意见：\u202e反向文字"),
                _pending_comment(consultation, residents[2], "广告内容")]
        consultation_services.moderate(staff, consultation, [c.id for c in made[:3]], "publish")
        consultation_services.moderate(staff, consultation, [made[3].id], "reject", "off_topic")

    first = themes.create_theme(staff, closed, {"title": "延长投放时间", "marked_concentrated": True})
    second = themes.create_theme(staff, closed, {"title": "设置洗手池"})
    published = db.session.scalars(select(Comment).where(Comment.consultation_id == closed.id,
                                                         Comment.status == "published").order_by(Comment.id)).all()
    themes.assign_comments(staff, first, [published[0].id, published[2].id])
    themes.assign_comments(staff, second, [published[1].id])
    themes.set_disposition(staff, first, {"disposition": "not_adopted", "reason": "上位法已有规定。"})
    themes.set_disposition(staff, second, {"disposition": "adopted"})
    feedback_item.decision_title, feedback_item.decision_number = "通知", "青府发〔2026〕2号"
    feedback_item.issue_date = date(2026, 3, 25)
    change_status(feedback_item, "decided", staff)
    reports.publish_report(staff, feedback_item)
    w.feedback_item = feedback_item

    w.activities = [
        f.open_activity(unit, kind="open_month"),
        f.open_activity(w.units[1], id_check_required=True, theme=None, description=None, accessibility=None,
                        slots=[(datetime(2026, 8, 12, 14, 0), datetime(2026, 8, 12, 16, 0), 1),
                               (datetime(2026, 8, 13, 14, 0), datetime(2026, 8, 13, 16, 0), 5)]),
    ]
    db.session.commit()
    _set_now(app, now)
    return w

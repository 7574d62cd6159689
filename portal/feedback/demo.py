"""Demo adoption feedback, dated relative to today: one report published on time, one issued
decision still due, one overdue. Uses the demo's issued items with closed consultations when there
are any, and creates what is missing through the other features' services."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from .. import clock
from ..catalogue.lifecycle import change_status
from ..catalogue.models import DecisionItem
from ..catalogue.services import DecisionResult, record_decision
from ..consultation import services as consultation_svc
from ..consultation.models import Consultation
from ..extensions import db
from . import report as reports
from . import themes

DRAFT = """为促进本区民营经济高质量发展，结合本区实际，制定本措施。
第一条 优化营商环境，推行涉企事项“一网通办”。
第二条 加大融资支持，设立区级中小企业融资担保资金。
第三条 支持企业创新，对新认定的高新技术企业给予一次性奖励。
第四条 保障用地需求，盘活存量工业用地。"""

COMMENTS = [
    ("第二条", "建议融资担保资金向首次贷款的小微企业倾斜。"),
    ("第二条", "担保资金的申请条件应当公开，审批时限应当明确。"),
    ("第二条", "希望担保费率进一步降低，减轻小微企业负担。"),
    ("第三条", "高新技术企业奖励建议分期兑现，与企业在本区的经营年限挂钩。"),
    ("第四条", "存量工业用地盘活时应当听取周边居民意见。"),
    (None, "建议设立民营企业诉求快速响应机制。"),
]

THEMES = [
    ("融资担保资金向小微企业倾斜并公开申请条件", "第二条", "partly",
     "申请条件和审批时限已在第二条中明确并将向社会公开；担保费率由市级政策统一确定，本区无权调整。"),
    ("高新技术企业奖励分期兑现", "第三条", "not_adopted",
     "一次性奖励是市级政策的配套措施，分期兑现会降低政策的确定性，暂不采纳。"),
    ("存量工业用地盘活听取居民意见", "第四条", "adopted", ""),
    ("设立企业诉求快速响应机制", None, "already_covered", "本区已设立企业服务专线和“政企通”平台，诉求办理时限为5个工作日。"),
]


@contextmanager
def _clock_at(moment: datetime):
    frozen = current_app.config.get("CLOCK_NOW")
    current_app.config["CLOCK_NOW"] = moment
    try:
        yield
    finally:
        current_app.config["CLOCK_NOW"] = frozen


def _working_day_before(day):
    from ..calendar.services import is_working_day

    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _issued_item(context, unit, staff, title: str, issued_on, residents) -> tuple[DecisionItem, Consultation]:
    """A decision with a closed consultation (comments published) and its decision issued."""
    year = issued_on.year
    item = DecisionItem(unit_id=unit.id, year=year, code=f"{year}-F{unit.id:02d}", kind="other", title=title,
                        summary=title, status="drafting")
    db.session.add(item)
    db.session.flush()
    opens = datetime.combine(issued_on - timedelta(days=75), time(9, 0))
    closes = opens + timedelta(days=current_app.config["CONSULTATION_MIN_DAYS"], hours=8)
    with _clock_at(opens - timedelta(days=1)):
        consultation = consultation_svc.create_consultation(staff, item, {
            "title": f"关于《{title}（草案）》公开征求意见", "draft": DRAFT, "opens_at": opens, "closes_at": closes,
            "explanation": "起草说明：回应企业关切，稳定市场预期。", "contact_address": unit.address,
            "contact_email": unit.email, "contact_phone": unit.phone})
        consultation_svc.publish(staff, consultation)
    by_number = {s.number.replace("\u3000", ""): s for s in consultation.sections}
    with _clock_at(opens + timedelta(days=3)):
        ids = []
        for index, (number, text) in enumerate(COMMENTS):
            comment = consultation_svc.submit_comment(consultation, residents[index % len(residents)], {
                "text": text, "consent": True, "section_id": by_number[number].id if number else None,
                "respondent_type": "enterprise" if index % 2 else "citizen"})
            ids.append(comment.id)
        consultation_svc.moderate(staff, consultation, ids, "publish")
    with _clock_at(closes - timedelta(days=2)):
        consultation_svc.record_offline(staff, consultation, {
            "channel": "symposium", "held_on": (closes - timedelta(days=2)).date(), "participants": 12,
            "summary": "召开民营企业座谈会，区工商联和12家企业代表参加。",
            "items": "第二条：担保资金应覆盖个体工商户\n第三条：奖励申报材料应当简化"})
    with _clock_at(datetime.combine(issued_on, time(10, 0))):
        change_status(item, "deliberating", staff)
        record_decision(staff, item, DecisionResult(f"{title}的通知", f"青松府规〔{year}〕{unit.id}号", issued_on,
                                                    f"{title}全文。"))
    return item, consultation


def _themes(staff, consultation: Consultation, *, complete: bool) -> None:
    by_number = {s.number.replace("\u3000", ""): s for s in consultation.sections}
    comments = db.session.scalars(consultation_svc.published_comments_query(consultation)).all()
    offline = [row[0] for row in themes.offline_items_of(consultation)]
    for index, (title, number, disposition, reason) in enumerate(THEMES):
        theme = themes.create_theme(staff, consultation, {"title": title, "marked_concentrated": index == 0})
        section = by_number.get(number) if number else None
        mine = [c.id for c in comments if c.section_id == (section.id if section else None)]
        if mine:
            themes.assign_comments(staff, theme, mine)
        items = [o.id for o in offline if section is not None and o.section_id == section.id]
        if items:
            themes.assign_offline_items(staff, theme, items)
        if complete or index > 0:
            themes.set_disposition(staff, theme, {
                "disposition": disposition, "reason": reason,
                "section_ids": [section.id] if section and disposition in ("adopted", "partly") else []})


def seed(context: dict) -> None:
    units, staff, residents = context["units"], context["staff"], context["residents"]
    today = clock.today()
    # Items the other demos already issued, with a closed consultation: give their comments themes.
    for item in db.session.scalars(select(DecisionItem).where(DecisionItem.status == "decided")):
        for consultation in themes.consultations_of(item):
            if consultation.status == "closed" and not themes.theme_rows([consultation.id]):
                account = next((a for a in staff.values() if a.unit_id == item.unit_id), None)
                if account is not None and consultation.comment_count:
                    _themes(account, consultation, complete=True)

    on_time_issue = _working_day_before(today - timedelta(days=45))
    published, consultation = _issued_item(context, units["qingsong-fgw"], staff["qingsong-fgw"],
                                           "青松区促进民营经济高质量发展的若干措施", on_time_issue, residents)
    _themes(staff["qingsong-fgw"], consultation, complete=True)
    reports.save_report(staff["qingsong-fgw"], published, {
        "summary": "本措施草案于征求意见期间共收到网站意见和座谈会意见，经认真研究，采纳情况反馈如下。",
        "show_comments": True})
    with _clock_at(datetime.combine(on_time_issue + timedelta(days=7), time(15, 0))):
        reports.publish_report(staff["qingsong-fgw"], published)

    due_issue = _working_day_before(today - timedelta(days=2))
    due, consultation = _issued_item(context, units["qingsong-ghzy"], staff["qingsong-ghzy"],
                                     "青松区存量工业用地盘活利用实施办法", due_issue, residents)
    _themes(staff["qingsong-ghzy"], consultation, complete=False)

    overdue_issue = _working_day_before(today - timedelta(days=40))
    _issued_item(context, units["yingxi"], staff["yingxi"], "盈溪街道老旧小区停车管理办法", overdue_issue, residents)
    db.session.flush()

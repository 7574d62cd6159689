"""Demo consultations: one open (with comments, some pending, one campaign), one upcoming and one
closed, on the catalogue demo's decision items when it made them."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app

from .. import clock
from ..catalogue.models import DecisionItem
from ..extensions import db
from . import services as svc
from .models import Consultation

WASTE_DRAFT = """为了加强本区生活垃圾管理，提高生活垃圾减量化、资源化、无害化水平，根据《上海市生活垃圾管理条例》，结合本区实际，制定本办法。
第一章　总则
第一条　为了规范本区生活垃圾分类投放、收集、运输和处置活动，改善人居环境，制定本办法。
第二条　本办法适用于本区行政区域内生活垃圾的源头减量、分类投放、分类收集、分类运输、分类处置以及相关管理活动。
第三条　区绿化市容局是本区生活垃圾管理的主管部门，负责组织、协调、指导和监督本办法的实施。各街道办事处、镇人民政府负责辖区内生活垃圾分类的日常管理工作。
第二章　分类投放
第四条　本区生活垃圾分为可回收物、有害垃圾、湿垃圾和干垃圾四类。
第五条　居住区实行定时定点分类投放。投放时间原则上为每日7时至9时、18时至20时，居民委员会可以结合实际适当调整，并在投放点公示。
第六条　居住区应当在每个投放点设置四类收集容器，并配备洗手设施和照明设施。
第七条　单位应当在办公场所设置分类收集容器，明确专人负责分类管理。
第三章　收集与运输
第八条　收运单位应当按照分类标准实行分类收集、分类运输，不得将已分类的生活垃圾混合收运。
第九条　湿垃圾应当当日产生、当日清运。
第四章　监督管理
第十条　区绿化市容局应当建立生活垃圾分类实效评估制度，每季度公布各街镇的评估结果。
第十一条　违反本办法第五条规定，未按照规定时间和地点投放生活垃圾的，由城管执法部门责令改正；拒不改正的，依法予以处罚。
第五章　附则
第十二条　本办法自2026年7月1日起施行。"""

PARKING_DRAFT = """第一章　总则
第一条　为了缓解老旧小区停车难问题，规范共享停车管理，制定本办法。
第二条　本办法适用于本镇行政区域内机关、企事业单位停车场向周边居民错时开放。
第二章　错时开放
第三条　鼓励机关和企事业单位在夜间和节假日向周边居民开放内部停车场。
第四条　错时停车收费标准由镇人民政府会同有关部门确定，并向社会公布。
第五条　停车人应当遵守停车场管理规定，按时驶离。
第三章　附则
第六条　本办法自发布之日起施行。"""

ELDERLY_DRAFT = """第一条　为了推进社区嵌入式养老服务设施建设，制定本方案。
第二条　到2027年，每个街道至少建成一个综合为老服务中心。
第三条　社区助餐点应当为80周岁以上老年人提供送餐上门服务。
第四条　区民政局负责组织实施本方案。"""

COMMENTS = [
    ("第五条", "建议把晚上的投放时间延长到21时，很多上班族回家已经过了20时，按时投放有困难。"),
    ("第五条", "定时定点投放对老年人不太方便，建议每个小区保留一个全天开放的投放点。"),
    ("第六条", "投放点的洗手设施经常坏，建议明确由物业负责维护，并规定维修时限。"),
    ("第十一条", "处罚之前应当先劝导教育，建议增加“首次违规予以警告”的规定。"),
    (None, "总体支持出台本办法，建议同步加强宣传，在小区公告栏张贴分类指南。"),
    ("第九条", "湿垃圾当日清运很好，但夏天建议每天清运两次，减少异味。"),
]
CAMPAIGN = [
    "我们强烈反对在盈溪路小区北门设置垃圾中转站，中转站会产生异味和噪音，严重影响周边居民的正常生活，请重新选址。",
    "我们坚决反对在盈溪路小区北门设置垃圾中转站，中转站会产生异味和噪声，严重影响周边居民的正常生活，请重新选址！",
    "我们强烈反对在盈溪路小区北门设置垃圾中转站。中转站会产生异味和噪音，严重影响周边居民的正常生活和孩子休息，请重新选址。",
]


def _decision(context: dict, unit, title: str) -> DecisionItem:
    decisions = context.get("decisions") or []
    for item in (decisions.values() if isinstance(decisions, dict) else decisions):
        if item.unit_id == unit.id and item.status in svc.CONSULTABLE_STATUSES and not any(
                c.decision_id == item.id for c in context.get("consultations", [])):
            return item
    item = DecisionItem(unit_id=unit.id, year=clock.today().year, code=f"{clock.today().year}-Z{unit.id:02d}",
                        kind="major", title=title, summary=title, status="drafting")
    db.session.add(item)
    db.session.flush()
    return item


def _create(context, unit, staff, title, draft, opens, closes, **extra) -> Consultation:
    decision = _decision(context, unit, title[len("关于《"):title.index("（草案）")])
    consultation = svc.create_consultation(staff, decision, {
        "title": title, "draft": draft, "opens_at": opens, "closes_at": closes,
        "explanation": "一、起草背景\n本区自2019年起全面推行生活垃圾分类，居住区达标率已超过95%，但仍存在投放时间与居民作息不匹配等问题。\n"
                       "二、主要内容\n草案共五章十二条，重点完善了定时定点投放、收运衔接和实效评估制度。",
        "interpretation": "本草案明确了投放时间可由居委会结合实际调整，并首次规定了实效评估结果按季度公布。",
        "contact_address": unit.address, "contact_email": unit.email, "contact_phone": unit.phone, **extra})
    context.setdefault("consultations", []).append(consultation)
    return consultation


def seed(context: dict) -> None:
    today = clock.today()
    nine, five = time(9, 0), time(17, 0)
    units, staff, residents = context["units"], context["staff"], context["residents"]
    min_days = current_app.config["CONSULTATION_MIN_DAYS"]

    waste = _create(context, units["qingsong-sthj"], staff["qingsong-sthj"],
                    "关于《青松区生活垃圾分类管理实施办法（草案）》公开征求意见",
                    WASTE_DRAFT, datetime.combine(today - timedelta(days=10), nine),
                    datetime.combine(today + timedelta(days=min_days - 10), five))
    parking = _create(context, units["songze"], staff["songze"],
                      "关于《松泽镇共享停车管理办法（草案）》公开征求意见", PARKING_DRAFT,
                      datetime.combine(today + timedelta(days=7), nine),
                      datetime.combine(today + timedelta(days=7 + min_days), five))
    elderly = _create(context, units["qingsong-mz"], staff["qingsong-mz"],
                      "关于《青松区社区嵌入式养老服务设施建设方案（草案）》公开征求意见", ELDERLY_DRAFT,
                      datetime.combine(today - timedelta(days=60), nine),
                      datetime.combine(today - timedelta(days=40), five),
                      short_period_reason="方案须在年度民生实事项目启动前确定，征求意见期限缩短为20日。")
    # Published as of their opening day (the closed one too), with the portal clock frozen there.
    frozen = current_app.config.get("CLOCK_NOW")
    for consultation in (waste, parking, elderly):
        current_app.config["CLOCK_NOW"] = min(consultation.opens_at, clock.now())
        try:
            svc.publish(staff[_slug(units, consultation.unit_id)], consultation)
        finally:
            current_app.config["CLOCK_NOW"] = frozen
    by_number = {s.number.replace("\u3000", ""): s for s in waste.sections}
    moderator = staff["qingsong-sthj"]
    for index, (number, text) in enumerate(COMMENTS):
        comment = svc.submit_comment(waste, residents[index % len(residents)], {
            "text": text, "consent": True, "section_id": by_number[number].id if number else None,
            "respondent_type": "expert" if index == 3 else "citizen",
            "show_as": "anonymous" if index == 4 else "masked"})
        if index < 4:
            svc.moderate(moderator, waste, [comment.id], "publish")
    for offset, text in enumerate(CAMPAIGN):
        svc.submit_comment(waste, residents[(offset + 5) % len(residents)], {
            "text": text, "consent": True, "section_id": by_number["第六条"].id})
    svc.record_offline(moderator, waste, {
        "channel": "symposium", "held_on": today - timedelta(days=3), "participants": 18,
        "summary": "在盈溪街道社区活动中心召开居民座谈会，居民代表、物业和保洁人员参加。",
        "items": "第五条：建议晚间投放时间延长至21时\n第六条：投放点应增加遮雨棚"})


def _slug(units: dict, unit_id: int) -> str:
    return next(slug for slug, unit in units.items() if unit.id == unit_id)

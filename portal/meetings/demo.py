"""Demo meetings, dated relative to today: one open for sign-up (lottery committed), one drawn by a
verifiable public lottery (an extension, an exclusion and a late withdrawal on its record), one
with a published record. Applicants are the demo residents with fake, checksum-valid ID numbers."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from stdnum.cn import ric

from .. import clock
from ..audit.services import record
from ..catalogue.models import DecisionItem
from ..extensions import db
from . import lottery
from . import record as rec
from . import selection as sel
from .identity import check_id_number, id_hash
from .models import (
    CATEGORIES,
    Adoption,
    ApplicationStatus,
    Meeting,
    MeetingApplication,
    MeetingExtension,
    MeetingSeat,
    MeetingType,
    SeatCategory,
    SelectionMethod,
)
from .services import issue_number

# A Shanghai region code (310104, 徐汇区) valid for every birth year, and sequence numbers 9xx:
# checksum-valid numbers that the code makes up, nobody's real one.
REGION = "310104"


def fake_id_number(index: int) -> str:
    base = f"{REGION}{1960 + index % 36}{(index % 12) + 1:02d}{(index % 27) + 1:02d}9{index:02d}"
    return base + ric.calc_check_digit(base + "0")


def _at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(clock.today() + timedelta(days=day_offset), time(hour, minute))


def _decisions(context) -> list[DecisionItem]:
    found = context.get("decisions")
    if isinstance(found, dict):
        found = list(found.values())
    items = [d for d in (found or []) if isinstance(d, DecisionItem)]
    if items:
        return items
    unit = context["units"]["qingsong"]
    year = clock.today().year
    titles = [("关于青松区老旧小区加装电梯的实施意见", "城市更新、加装电梯、居民协商"),
              ("青松区生活垃圾分类收运体系优化方案", "垃圾分类、收运时间、清运点位"),
              ("青松区社区养老服务设施布局规划", "社区食堂、日间照料、养老服务")]
    items = []
    for n, (title, summary) in enumerate(titles, start=1):
        item = DecisionItem(unit_id=unit.id, year=year, code=f"{year}-M{n:02d}", kind="major", title=title,
                            summary=summary, legal_basis="《重大行政决策程序暂行条例》",
                            background="事关群众切身利益，拟邀请公众代表列席决策会议。")
        db.session.add(item)
        items.append(item)
    db.session.flush()
    return items


def _meeting(actor, item: DecisionItem, title: str, offsets: dict, method: str, seats: dict,
             meeting_type: str = MeetingType.executive) -> Meeting:
    """A meeting as ``create_meeting`` stores it, created before its sign-up opened (a lottery is
    committed then, naming a 双色球 draw two evenings after sign-up closes)."""
    meeting = Meeting(
        unit_id=item.unit_id, meeting_type=meeting_type, title=title,
        starts_at=_at(offsets["starts"], 9, 30), place="青松区政府第一会议室（政府路100号）",
        live_url=None,
        eligibility="年满十八周岁、在本区居住或工作的市民，与议题有利害关系的居民，以及在本区登记经营的企业代表。"
                    "同等条件下优先考虑直接利害关系人。",
        signup_opens_at=_at(offsets["opens"], 9), signup_closes_at=_at(offsets["closes"], 17),
        selection_method=method, withdrawal_cutoff=_at(offsets["cutoff"], 17),
    )
    meeting.decisions = [item]
    meeting.seats = [MeetingSeat(category=c, position=i, count=seats.get(c, 0)) for i, c in enumerate(CATEGORIES)]
    meeting.created_at = meeting.signup_opens_at - timedelta(days=2)
    if method == SelectionMethod.lottery:
        secret = lottery.new_secret()
        due = _at(offsets["closes"] + 2, 21, 30)
        meeting.lottery_secret = secret
        meeting.lottery_commitment = lottery.commitment_of(secret)
        meeting.committed_at = meeting.created_at
        meeting.public_source = f"中国福利彩票双色球 第{due.year}{due.timetuple().tm_yday:03d}期开奖号码（演示）"
        meeting.public_value_due = due
    db.session.add(meeting)
    db.session.flush()
    record(actor, "meeting.create", meeting, after={"title": title, "demo": True,
                                                    "lottery_commitment": meeting.lottery_commitment})
    return meeting


def _apply(meeting: Meeting, account, index: int, category: str, points: str,
           organisation: str = "") -> MeetingApplication:
    """An application as the sign-up service would store it (the demo's windows may be past)."""
    number = check_id_number(fake_id_number(index), meeting.starts_at.date())
    application = MeetingApplication(
        meeting_id=meeting.id, account_id=account.id, number=issue_number(meeting), name=account.name,
        mobile=f"1390000{index:04d}", id_last4=number[-4:], id_hash=id_hash(number), category=category,
        organisation=organisation, relation="居住在决策事项涉及的片区，日常生活直接受影响。", points=points,
        interests="本人及近亲属与本事项无经济利益关系。", consent_at=meeting.signup_opens_at + timedelta(hours=index + 1),
    )
    application.created_at = application.consent_at
    db.session.add(application)
    db.session.flush()
    return application


POINTS = ["建议加装电梯的费用分摊按楼层分档，并明确低保家庭的补贴标准。",
          "希望施工期间保障老人出行，设置临时通道。",
          "建议公开电梯维保单位的遴选结果，接受居民监督。",
          "建议垃圾清运避开早晚高峰，减少噪音扰民。",
          "希望增设社区食堂，兼顾老年人助餐需求。",
          "建议在方案中写明居民意见的反馈时限。",
          "建议设置企业参与社区服务的激励措施。",
          "希望在小区内设置更多休息座椅。"]


def seed(context) -> None:
    residents = context["residents"]
    items = _decisions(context)
    staff_by_unit = {a.unit_id: a for a in context["staff"].values()}

    def pick(n):
        return items[n % len(items)]

    # 1. Open for sign-up, public lottery, committed at publication.
    item = pick(0)
    actor = staff_by_unit.get(item.unit_id, context["admin"])
    open_meeting = _meeting(actor, item, f"区政府常务会议审议《{item.title}》",
                            {"opens": -3, "closes": 7, "cutoff": 12, "starts": 14}, SelectionMethod.lottery,
                            {"stakeholder": 2, "citizen": 2, "enterprise": 1})
    for i, resident in enumerate(residents[:2]):
        _apply(open_meeting, resident, i, SeatCategory.citizen, POINTS[i])

    # 2. Drawn by public lottery, meeting ahead: sign-up extended once (public reason), one
    # application excluded before the freeze, one withdrawn after it.
    item = pick(1)
    actor = staff_by_unit.get(item.unit_id, context["admin"])
    drawn = _meeting(actor, item, f"专题会议研究《{item.title}》",
                     {"opens": -20, "closes": -8, "cutoff": 3, "starts": 5}, SelectionMethod.lottery,
                     {"citizen": 2, "enterprise": 1}, meeting_type=MeetingType.special)
    extended = _at(-6, 17)
    drawn.extensions = [MeetingExtension(old_closes_at=drawn.signup_closes_at, new_closes_at=extended,
                                         reason="报名首周企业代表报名人数不足，延长报名两天。",
                                         created_at=drawn.signup_closes_at - timedelta(days=1))]
    drawn.signup_closes_at = extended
    applications = []
    for i, resident in enumerate(residents[:7]):
        category = SeatCategory.enterprise if i in (2, 5) else SeatCategory.citizen
        applications.append(_apply(drawn, resident, 10 + i, category, POINTS[i % len(POINTS)],
                                   organisation="青松绿源环境服务有限公司" if category == SeatCategory.enterprise else ""))
    applications[6].status = ApplicationStatus.ineligible
    applications[6].decision_reason = "报名人户籍及工作单位均不在本区，不符合报名条件。"
    applications[4].status = ApplicationStatus.withdrawn
    applications[4].withdrawn_from = ApplicationStatus.pending
    applications[4].withdrawn_at = extended + timedelta(hours=15)
    db.session.flush()
    sel.freeze_input(drawn)
    sel.run_lottery(actor, drawn, "03 08 14 21 27 30 + 11", "中国福利彩票官方网站开奖公告（演示数据）")

    # 3. Held, selected by staff review, record published.
    item = pick(2)
    actor = staff_by_unit.get(item.unit_id, context["admin"])
    held = _meeting(actor, item, f"区政府常务会议审议《{item.title}》",
                    {"opens": -45, "closes": -35, "cutoff": -28, "starts": -25}, SelectionMethod.review,
                    {"stakeholder": 1, "citizen": 2})
    applications = [_apply(held, resident, 20 + i, SeatCategory.stakeholder if i == 0 else SeatCategory.citizen,
                           POINTS[(i + 4) % len(POINTS)]) for i, resident in enumerate(residents[2:6])]
    decisions = [(ApplicationStatus.selected, "居住在规划设施的服务范围内，属直接利害关系人。"),
                 (ApplicationStatus.selected, "提出的助餐建议与议题密切相关。"),
                 (ApplicationStatus.selected, "长期参与社区志愿服务，了解老年人需求。"),
                 (ApplicationStatus.alternate, "名额已满，列为第一候补。")]
    for application, (decision, reason) in zip(applications, decisions, strict=True):
        sel.decide(actor, application, decision, reason)
    sel.publish_selection(actor, held)
    records = [
        (True, "建议社区食堂同时面向周边上班族开放，提高运营可持续性。",
         "已在布局规划中明确社区食堂对全体居民开放。", Adoption.adopted, ""),
        (True, "希望日间照料中心增加康复护理服务。",
         "将在试点中心先行引入康复护理，再视评估情况推广。", Adoption.partly, "受场地与专业人员限制，先在两个中心试点。"),
        (False, "", "", None, ""),
    ]
    for application, (attended, opinion, response, adoption, reason) in zip(applications, records, strict=False):
        rec.record_representative(actor, application, {"attended": attended, "opinion": opinion,
                                                        "response": response, "adoption": adoption,
                                                        "adoption_reason": reason})
    rec.update_outcome(actor, held, "会议原则通过布局规划，要求根据列席代表意见完善社区食堂运营方案后印发实施。")
    rec.publish_record(actor, held)
    context["meetings"] = [open_meeting, drawn, held]

"""Demo open activities: the August 政府开放月 of several units (current year), an upcoming open day
(relative to today) with a full slot and a waiting list, and a past open week with its summary."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from .. import clock
from ..extensions import db
from .models import ActivityKind, OpenRegistration, QuestionnaireAnswer, RegistrationStatus
from .services import (
    _new_code,
    add_slot,
    add_summary_item,
    create_activity,
    publish_summary,
    register,
)

ACCESSIBLE = "无障碍通道位于正门东侧，设无障碍卫生间；如需轮椅或陪同，请在报名时注明。"


def _activity(actor, unit, **data):
    base = dict(unit_id=unit.id, theme="", description="", accessibility=ACCESSIBLE,
                cancel_cutoff_hours=24, id_check_required=False)
    base.update(data)
    return create_activity(actor, base)


def _at(day, hour, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _registration(slot, account, n, status, **extra) -> OpenRegistration:
    """A registration of a past slot, written directly (its window is long closed)."""
    registration = OpenRegistration(slot_id=slot.id, activity_id=slot.activity_id, account_id=account.id,
                                    status=status, name=account.name, mobile=f"1391234{n:04d}",
                                    code=_new_code(), confirmed_at=slot.starts_at - timedelta(days=3), **extra)
    db.session.add(registration)
    if status in (RegistrationStatus.confirmed, RegistrationStatus.no_show):
        slot.confirmed_count += 1
    db.session.flush()
    return registration


def seed(context) -> None:
    units, staff, residents = context["units"], context["staff"], context["residents"]
    today = clock.today()
    year = today.year
    registration_window = dict(registration_opens_at=datetime(year, 7, 10, 9, 0),
                               registration_closes_at=datetime(year, 8, 4, 17, 0))

    # August open month of the current year, several units.
    august = [
        ("qingsong-sthj", "走进青松区生态环境监测站", "生态环境", ActivityKind.open_month, "青松区华青路66号监测站大厅",
         "参观空气质量自动监测站和水质实验室，工作人员现场讲解监测数据的采集与发布，并设答疑和问卷调查环节。",
         [(datetime(year, 8, 8, 9, 30), datetime(year, 8, 8, 11, 0), 30),
          (datetime(year, 8, 8, 14, 0), datetime(year, 8, 8, 15, 30), 30)], False),
        ("qingsong-fgw", "“一网通办”政务服务体验日", "营商环境", ActivityKind.open_month, "青松区行政服务中心2楼",
         "体验企业开办“一窗通”全流程，与窗口工作人员座谈，听取对优化营商环境的意见建议。",
         [(datetime(year, 8, 15, 9, 0), datetime(year, 8, 15, 11, 30), 40)], True),
        ("yingxi", "盈溪街道社区事务受理服务中心开放日", "民生保障", ActivityKind.open_month, "青松区盈溪路200号",
         "参观社区事务受理服务中心、社区食堂和长者照护之家，现场答疑。",
         [(datetime(year, 8, 20, 9, 30), datetime(year, 8, 20, 11, 0), 25)], False),
        ("songze", "松泽镇生活垃圾分类中转站开放日", "生态环境", ActivityKind.open_month, "青松区松泽镇沪青路88号中转站",
         "实地了解湿垃圾就地处置和可回收物分拣流程，参与垃圾分类知识问答。",
         [(datetime(year, 8, 27, 14, 0), datetime(year, 8, 27, 16, 0), 20)], False),
    ]
    for slug, title, theme, kind, place, description, slots, id_check in august:
        activity = _activity(staff[slug], units[slug], title=title, theme=theme, kind=kind, place=place,
                             description=description, id_check_required=id_check, **registration_window)
        for starts, ends, capacity in slots:
            add_slot(staff[slug], activity, {"starts_at": starts, "ends_at": ends, "capacity": capacity})

    # An upcoming open day (whatever today is): one small slot full, with a waiting list.
    day = today + timedelta(days=10)
    upcoming = _activity(staff["qingsong-ghzy"], units["qingsong-ghzy"],
                         title="城市更新规划展示馆政府开放日", theme="城市更新", kind=ActivityKind.open_day,
                         place="青松区城中东路27号规划展示馆",
                         description="讲解老城区城市更新规划方案，设座谈环节听取居民意见。",
                         registration_opens_at=_at(today - timedelta(days=5), 9),
                         registration_closes_at=_at(day - timedelta(days=1), 17), id_check_required=True)
    full = add_slot(staff["qingsong-ghzy"], upcoming,
                    {"starts_at": _at(day, 9, 30), "ends_at": _at(day, 11), "capacity": 3})
    add_slot(staff["qingsong-ghzy"], upcoming, {"starts_at": _at(day, 14), "ends_at": _at(day, 15, 30),
                                                 "capacity": 30})
    for n, resident in enumerate(residents[:5]):
        register(full, resident, {"name": resident.name, "mobile": f"1381234{n:04d}", "id_last4": f"{n}12X",
                                  "needs": "需要轮椅通道" if n == 1 else ""})

    # A past open week with attendance, questionnaires and a published summary.
    start = today - timedelta(days=40)
    past = _activity(staff["qingsong-mz"], units["qingsong-mz"], title="养老服务综合体政府开放周",
                     theme="民生保障", kind=ActivityKind.open_week, place="青松区公园路9号养老服务综合体",
                     description="一周内每天开放，参观日间照料中心和助餐点，设问卷调查。",
                     registration_opens_at=_at(start - timedelta(days=14), 9),
                     registration_closes_at=_at(start - timedelta(days=1), 17))
    past_slots = [add_slot(staff["qingsong-mz"], past, {"starts_at": _at(start + timedelta(days=i), 9, 30),
                                                        "ends_at": _at(start + timedelta(days=i), 11),
                                                        "capacity": 15}) for i in range(3)]
    answers = [(5, "希望增加周末的开放场次。"), (4, "助餐点的菜品价格可以公示得更清楚。"), (4, "")]
    for n, resident in enumerate(residents[:4]):
        slot = past_slots[n % len(past_slots)]
        attended = n < 3
        registration = _registration(slot, resident, n,
                                     RegistrationStatus.confirmed if attended else RegistrationStatus.no_show,
                                     checked_in_at=slot.starts_at + timedelta(minutes=5) if attended else None)
        if attended:
            rating, text = answers[n]
            db.session.add(QuestionnaireAnswer(registration_id=registration.id, activity_id=past.id,
                                               rating=rating, suggestions=text))
    for slot in past_slots:
        slot.no_shows_recorded_at = slot.ends_at
    db.session.flush()
    add_summary_item(staff["qingsong-mz"], past, {
        "question": "建议增加周末开放场次，方便上班族参加。",
        "response": "采纳。下次开放周将安排周六上午场次。"})
    add_summary_item(staff["qingsong-mz"], past, {
        "question": "助餐点菜品价格公示不够清楚。",
        "response": "已在各助餐点入口增设价格公示牌，并在“青松民政”公众号同步公布。"})
    publish_summary(staff["qingsong-mz"], past,
                    "本次开放周共安排3个场次，市民现场参观了日间照料中心和社区助餐点，"
                    "区民政局工作人员就养老服务补贴申请、助餐服务等问题进行了解答，并通过问卷收集意见建议。")

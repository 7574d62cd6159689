"""Demo content of oversight: a year that reads like a real one on the compliance dashboard, with
units that meet their targets, a unit at risk and targets missed, whatever today is.

- 区民政局 (qingsong-mz) held a meeting with public representatives (selected by review, record
  published), on top of its open week: every target met or on track.
- 区生态环境局 (qingsong-sthj) held two open days with visitors checked in (its August open-month
  activity gets its visitors too once it is over): open days met.
- 松泽镇 (songze) has no meeting held or scheduled: at risk from September, missed from mid-December
  (the unit at risk).
- 区发展改革委 (qingsong-fgw) held its August open day without a visitor checked in (it does not
  count), and published its catalogue late: a missed target.
- 盈溪街道 (yingxi) held an online open activity (a live stream, 在线直播) and published its summary:
  it counts as an open day, although nobody was checked in (an online activity has no door).
- 区规划资源局 (qingsong-ghzy) held an online open activity without publishing its summary: shown as
  held, summary not published, and not counted.
Dates are relative to today and kept inside the current year (the rows a date would push into
another year are scheduled later in this one instead).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from .. import clock
from ..audit.services import record
from ..extensions import db
from ..meetings.models import Meeting, MeetingSeat, MeetingType, SelectionMethod
from ..open_days.models import (
    ActivityKind,
    OpenActivity,
    OpenRegistration,
    OpenSlot,
    RegistrationStatus,
)
from ..open_days.services import _new_code, add_slot, create_activity, publish_summary

ACCESSIBLE = "无障碍通道位于正门东侧，设无障碍卫生间；如需轮椅或陪同，请在报名时注明。"


def _in_year(today: date, days_ago: int) -> tuple[date, bool]:
    """``days_ago`` days before today when that is still this year (held), else as many days after
    (scheduled), capped at 20 December."""
    day = today - timedelta(days=days_ago)
    if day.year == today.year:
        return day, True
    return min(today + timedelta(days=days_ago), date(today.year, 12, 20)), False


def _visitors(slot: OpenSlot, residents, count: int, start: int = 0) -> None:
    """Visitors checked in at the door of a past session."""
    for n, resident in enumerate(residents[start:start + count]):
        db.session.add(OpenRegistration(
            slot_id=slot.id, activity_id=slot.activity_id, account_id=resident.id,
            status=RegistrationStatus.confirmed.value, name=resident.name, mobile=f"1370000{n:04d}",
            code=_new_code(), confirmed_at=slot.starts_at - timedelta(days=3),
            checked_in_at=slot.starts_at + timedelta(minutes=10)))
        slot.confirmed_count += 1
    slot.no_shows_recorded_at = slot.ends_at
    db.session.flush()


def _held_meeting(actor, unit, day: date, held: bool, title: str, outcome: str) -> Meeting:
    starts = datetime.combine(day, time(9, 30))
    meeting = Meeting(
        unit_id=unit.id, meeting_type=MeetingType.bureau.value, title=title, starts_at=starts,
        place="青松区公园路 9 号 区民政局三楼会议室", live_url=None,
        eligibility="年满十八周岁、在本区居住的市民，以及养老服务机构和老年人家属代表。",
        signup_opens_at=starts - timedelta(days=24), signup_closes_at=starts - timedelta(days=12),
        selection_method=SelectionMethod.review.value, withdrawal_cutoff=starts - timedelta(days=3))
    meeting.seats = [MeetingSeat(category=c, position=i, count=n)
                     for i, (c, n) in enumerate((("stakeholder", 2), ("enterprise", 1), ("citizen", 2), ("other", 0)))]
    meeting.created_at = meeting.signup_opens_at - timedelta(days=2)
    if held:
        meeting.selected_at = starts - timedelta(days=10)
        meeting.outcome = outcome
        meeting.record_published_at = starts + timedelta(days=5)
    db.session.add(meeting)
    db.session.flush()
    record(actor, "meeting.create", meeting, after={"title": title, "demo": True})
    return meeting


def _open_day(actor, unit, day: date, title: str, place: str, description: str) -> OpenActivity:
    activity = create_activity(actor, dict(
        unit_id=unit.id, title=title, theme="生态环境", kind=ActivityKind.open_day, place=place,
        description=description, accessibility=ACCESSIBLE, cancel_cutoff_hours=24, id_check_required=False,
        registration_opens_at=datetime.combine(day - timedelta(days=20), time(9)),
        registration_closes_at=datetime.combine(day - timedelta(days=1), time(17))))
    add_slot(actor, activity, {"starts_at": datetime.combine(day, time(9, 30)),
                               "ends_at": datetime.combine(day, time(11, 30)), "capacity": 20})
    return activity


def _online(actor, unit, day: date, title: str, url: str, description: str, residents) -> OpenActivity:
    """An online open activity (a live stream) on ``day`` 14:00–15:30, with two registered
    viewers (never checked in: it has no door)."""
    activity = create_activity(actor, dict(
        unit_id=unit.id, title=title, theme="民生保障", kind=ActivityKind.online, place="", online_url=url,
        description=description, accessibility="直播提供实时字幕。", cancel_cutoff_hours=2,
        id_check_required=False, registration_opens_at=datetime.combine(day - timedelta(days=14), time(9)),
        registration_closes_at=datetime.combine(day, time(12))))
    slot = add_slot(actor, activity, {"starts_at": datetime.combine(day, time(14)),
                                      "ends_at": datetime.combine(day, time(15, 30)), "capacity": 200})
    for n, resident in enumerate(residents[:2]):
        db.session.add(OpenRegistration(
            slot_id=slot.id, activity_id=activity.id, account_id=resident.id,
            status=RegistrationStatus.confirmed.value, name=resident.name, mobile=f"1360000{n:04d}",
            code=_new_code(), confirmed_at=slot.starts_at - timedelta(days=2)))
        slot.confirmed_count += 1
    db.session.flush()
    return activity


def seed(context) -> None:
    units, staff, residents = context["units"], context["staff"], context["residents"]
    now = clock.now()
    today = now.date()

    day, held = _in_year(today, 45)
    _held_meeting(staff["qingsong-mz"], units["qingsong-mz"], day, held,
                  "区民政局局长办公会议审议《青松区社区长者食堂运营补贴办法》",
                  "会议听取了公众代表关于补贴标准和助餐点布局的意见，决定将补贴对象扩大到纯老家庭，"
                  "并在三个月内新增两处助餐点。")

    sthj = units["qingsong-sthj"]
    for days_ago, title in ((70, "青松区污水处理厂政府开放日"), (25, "青松区固体废物处置中心政府开放日")):
        day, held = _in_year(today, days_ago)
        activity = _open_day(staff["qingsong-sthj"], sthj, day, title, "青松区华青路 66 号 集合后统一乘车前往",
                             "参观处理工艺流程，了解排放在线监测数据的公开方式，现场答疑。")
        if held:
            _visitors(activity.slots[0], residents, 3)
    # Its August open-month activity, once over, had visitors too.
    for activity in db.session.scalars(select(OpenActivity).where(
            OpenActivity.unit_id == sthj.id, OpenActivity.kind == ActivityKind.open_month.value,
            OpenActivity.ends_at <= now)):
        for index, slot in enumerate(activity.slots):
            _visitors(slot, residents, 2, start=index * 2)

    # Online open activities (线上开放活动, 在线直播): one held with its summary published (counts), one
    # held without (does not count). Whether they are held depends on today, as for the rows above.
    day, held = _in_year(today, 20)
    live = _online(staff["yingxi"], units["yingxi"], day, "盈溪街道民心工程实事项目线上开放活动",
                   "https://live.qingsong.example.gov.cn/yingxi/minxin",
                   "通过在线直播介绍今年民心工程、实事项目的进展，街道负责同志在线解答网友提问。", residents)
    if held:
        publish_summary(staff["yingxi"], live,
                        "本次线上开放活动通过在线直播介绍了加装电梯、老旧小区改造等实事项目的进展，"
                        "街道负责同志在线解答了网友关于施工进度和停车安排的提问，相关意见已交办落实。")
    _online(staff["qingsong-ghzy"], units["qingsong-ghzy"], _in_year(today, 8)[0],
            "城市更新项目线上开放活动", "https://live.qingsong.example.gov.cn/ghzy/urban-renewal",
            "在线直播讲解城市更新项目规划方案，收集网友意见建议。", residents)

"""Demo messages, dated relative to today on the working-day calendar: replies on time and
published with ratings (one a FAQ), a simple question answered the same day, one overdue, one
transferred by the district office, one awaiting sign-off, and evaluations of issued policies."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, time

from flask import current_app
from sqlalchemy import select

from .. import clock
from ..calendar.services import WorkingCalendar
from ..catalogue.models import DecisionItem
from ..extensions import db
from . import evaluation, publication
from . import services as svc
from .models import BoardMessage


@contextmanager
def _clock_at(moment: datetime):
    frozen = current_app.config.get("CLOCK_NOW")
    current_app.config["CLOCK_NOW"] = moment
    try:
        yield
    finally:
        current_app.config["CLOCK_NOW"] = frozen


def _working_days_ago(calendar: WorkingCalendar, n: int, hour: int = 10):
    """The working day n working days before today, at ``hour``."""
    day = clock.today()
    found = 0
    while found < n:
        day = day.fromordinal(day.toordinal() - 1)
        if calendar.is_working_day(day):
            found += 1
    return datetime.combine(day, time(hour, 0))


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day.date(), time(hour, minute))


QUESTIONS = [
    # (kind, title, text, reply, rating, reason)
    ("question", "老旧小区加装电梯的补贴标准是多少？",
     "我家所在小区为1995年建成的六层住宅，居民正在商议加装电梯。请问区里的补贴标准是多少？需要哪些申请材料？",
     "您好！根据本实施意见第五条，既有多层住宅加装电梯每台补贴最高28万元，申请材料包括业主同意书、设计方案和施工合同，"
     "可向所在街道社区事务受理服务中心提交。感谢您的关注。", "satisfied", ""),
    ("suggestion", "建议公开补贴资金的发放进度",
     "建议在区政府网站定期公开各街镇补贴资金的审核和发放进度，方便居民了解办理情况。",
     "您好！感谢您的建议。我们将于每季度末在区政府网站公开各街镇补贴资金的审核和拨付情况。", "fairly",
     "希望公开的频率再高一些。"),
]


def seed(context: dict) -> None:
    residents, staff, admin, units = context["residents"], context["staff"], context["admin"], context["units"]
    policies = list(db.session.scalars(select(DecisionItem).where(DecisionItem.issue_date.is_not(None))
                                       .order_by(DecisionItem.issue_date.desc(), DecisionItem.id)))
    policies = [p for p in policies if svc.issued_policy(p.id) is not None]
    today = clock.today()
    calendar = WorkingCalendar.load({today.year - 1, today.year, today.year + 1})
    policy = policies[0] if policies else None
    unit_slug = next((slug for slug, unit in units.items() if policy and unit.id == policy.unit_id), "qingsong-fgw")
    drafter = staff[unit_slug]
    # A second member of the unit's staff signs off: the demo's staff accounts are one per unit,
    # so the district office (an admin) signs the demo replies off.
    signer = admin

    def message(resident, received: datetime, **data) -> BoardMessage:
        values = {"kind": "question", "consent": True, "may_publish": True}
        if policy is not None and "unit_id" not in data:
            values["decision_id"] = policy.id
        values.update(data)
        with _clock_at(received):
            return svc.submit(resident, values)

    def reply(item: BoardMessage, moment: datetime, text: str) -> None:
        with _clock_at(moment):
            svc.draft_reply(drafter if item.unit_id == drafter.unit_id else staff_of(item.unit_id), item, text)
            svc.sign_off(signer, item)

    def staff_of(unit_id: int):
        return next(a for a in staff.values() if a.unit_id == unit_id)

    # Answered on time, published, rated.
    for n, (kind, title, text, answer, rating, reason) in enumerate(QUESTIONS):
        received = _working_days_ago(calendar, 12 - 3 * n, 9 + n)
        item = message(residents[n], received, kind=kind, title=title, text=text)
        reply(item, _at(_working_days_ago(calendar, 12 - 3 * n - 3), 15), answer)
        with _clock_at(_at(_working_days_ago(calendar, 12 - 3 * n - 4), 10)):
            svc.rate(residents[n], item, rating, reason)
            publication.publish(drafter if item.unit_id == drafter.unit_id else staff_of(item.unit_id), item)
            if n == 0:
                publication.set_faq(drafter if item.unit_id == drafter.unit_id else staff_of(item.unit_id), item, True)
    # A simple question answered the same working day, published and rated.
    received = _working_days_ago(calendar, 5, 9)
    simple = message(residents[2], received, title="申请表可以网上下载吗？",
                     text="请问加装电梯的申请表是否可以在网上下载？")
    with _clock_at(_at(received, 9) .replace(minute=30)):
        svc.mark_simple(drafter, simple)
    reply(simple, _at(received, 14), "您好！申请表可在区政府网站“办事服务”栏目下载，也可到街道受理中心领取。")
    with _clock_at(_at(received, 16)):
        svc.rate(residents[2], simple, "satisfied")
        publication.publish(drafter, simple)
    # Overdue: received eight working days ago, still unanswered.
    message(residents[3], _working_days_ago(calendar, 8, 11), title="加装电梯后一楼住户的补偿如何协商？",
            text="加装电梯对一楼住户采光有影响，请问补偿有没有指导标准？")
    # Transferred by the district office to the civil affairs bureau, still due.
    general = message(residents[4], _working_days_ago(calendar, 2, 10), unit_id=units["qingsong-office"].id,
                      title="社区养老服务点的开放时间", text="请问社区养老服务点周末是否开放？老人需要提前预约吗？")
    with _clock_at(_at(_working_days_ago(calendar, 1), 9)):
        svc.transfer(admin, general, units["qingsong-mz"].id, "社区养老服务点由区民政局负责管理。")
    # Awaiting sign-off, due soon.
    pending = message(residents[5], _working_days_ago(calendar, 3, 15), kind="suggestion",
                      title="建议增加电梯维保资金的说明", text="建议在政策中说明加装电梯后的维保资金由谁承担。")
    with _clock_at(_at(_working_days_ago(calendar, 1), 16)):
        svc.draft_reply(drafter, pending, "您好！加装电梯后的维保费用由受益业主按约定分摊，具体可参照本意见第八条。")
    # Evaluations of the issued policies.
    for n, (score, suggestion) in enumerate([(5, "政策很实在，希望简化审批流程。"), (4, ""), (3, "补贴标准应当按楼层区分。")]):
        if policy is not None:
            with _clock_at(_working_days_ago(calendar, 4 - n, 11)):
                evaluation.evaluate(residents[n + 1], policy, score, suggestion)
    db.session.flush()

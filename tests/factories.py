"""Factories with good defaults; each flushes (never commits) so tests control the transaction.

Use inside an app context: ``unit = factories.unit()``, ``staff = factories.staff(unit)``.
"""
from __future__ import annotations

import itertools
import secrets
from datetime import datetime

from portal.accounts.models import Account
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.units.models import Unit

PASSWORD = "Correct-Horse-Battery-9"
_seq = itertools.count(1)


def unit(**kw) -> Unit:
    n = next(_seq)
    data = dict(name=f"测试区第{n}局", short_name=f"第{n}局", slug=f"unit-{n}", kind="bureau",
                address="测试路 1 号", phone="021-0000 0000", email=f"unit{n}@example.gov.cn")
    data.update(kw)
    obj = Unit(**data)
    db.session.add(obj)
    db.session.flush()
    return obj


def account(role: str = "resident", unit_obj: Unit | None = None, verified: bool = True, **kw) -> Account:
    """An account; residents have a verified email or mobile unless ``verified=False``."""
    n = next(_seq)
    data = dict(email=f"user{n}@example.com", name=f"测试用户{n}", role=role,
                unit_id=unit_obj.id if unit_obj is not None else None,
                password_hash=hash_password(kw.pop("password", PASSWORD)),
                session_token=secrets.token_hex(8),
                verified_at=datetime(2026, 1, 1) if verified else None)
    data.update(kw)
    obj = Account(**data)
    db.session.add(obj)
    db.session.flush()
    return obj


def resident(**kw) -> Account:
    return account("resident", **kw)


def staff(unit_obj: Unit | None = None, **kw) -> Account:
    return account("staff", unit_obj or unit(), **kw)


def admin(**kw) -> Account:
    return account("admin", **kw)


def decision(unit_obj: Unit | None = None, **kw):
    """A decision item (default: a major decision of 2026 in state ``planned``)."""
    from portal.catalogue.models import DecisionItem

    n = next(_seq)
    data = dict(unit_id=(unit_obj or unit()).id, year=2026, code=f"2026-{n:02d}", kind="major",
                title=f"关于推进城市更新的实施意见（第{n}号）", summary="推进老旧小区改造和城市更新。",
                legal_basis="《重大行政决策程序暂行条例》", background="城市更新是民生工程。",
                planned_quarter=3, status="planned")
    data.update(kw)
    obj = DecisionItem(**data)
    db.session.add(obj)
    db.session.flush()
    return obj


# --- meetings with public representatives ---------------------------------------------------------

def id_number(birth: str = "19900307", region: str = "110101", sequence: int = 123) -> str:
    """A fake mainland ID number with a valid GB 11643 check digit (nobody's real number)."""
    from stdnum.cn import ric

    base = f"{region}{birth}{sequence:03d}"
    return base + ric.calc_check_digit(base + "0")


def meeting(unit_obj: Unit | None = None, seats: dict | None = None, decisions=(), **kw):
    """A meeting of 15 March 2026: sign-up 1-10 March, withdrawal cut-off 13 March, 2 citizen seats."""
    from datetime import datetime

    from portal.meetings.models import CATEGORIES, Meeting, MeetingSeat

    n = next(_seq)
    data = dict(unit_id=(unit_obj or unit()).id, meeting_type="executive",
                title=f"区政府常务会议审议城市更新实施意见（第{n}次）",
                starts_at=datetime(2026, 3, 15, 9, 0), place="区政府第一会议室",
                eligibility="本区常住居民、在本区经营的企业代表，年满十八周岁。",
                signup_opens_at=datetime(2026, 3, 1, 9, 0), signup_closes_at=datetime(2026, 3, 10, 17, 0),
                selection_method="lottery", withdrawal_cutoff=datetime(2026, 3, 13, 17, 0))
    data.update(kw)
    obj = Meeting(**data)
    if obj.selection_method == "lottery" and "lottery_commitment" not in kw:
        # Committed at publication, as create_meeting does; the public value is known at 21:30.
        from datetime import timedelta

        from portal.meetings import lottery

        obj.lottery_secret = lottery.new_secret()
        obj.lottery_commitment = lottery.commitment_of(obj.lottery_secret)
        obj.committed_at = obj.signup_opens_at - timedelta(days=1)
        obj.public_source = obj.public_source or "中国福利彩票双色球 第2026027期开奖号码"
        obj.public_value_due = obj.public_value_due or obj.signup_closes_at + timedelta(hours=4, minutes=30)
    counts = {"citizen": 2} if seats is None else seats
    obj.seats = [MeetingSeat(category=c, position=i, count=counts.get(c, 0)) for i, c in enumerate(CATEGORIES)]
    obj.decisions = list(decisions)
    db.session.add(obj)
    db.session.flush()
    return obj


def meeting_application(meeting_obj, account_obj: Account | None = None, **kw):
    """An application, written directly (bypassing the sign-up window) with a unique ID hash."""
    from datetime import datetime

    from portal.meetings.identity import id_hash
    from portal.meetings.models import MeetingApplication
    from portal.meetings.services import issue_number

    account_obj = account_obj or resident()
    n = next(_seq)
    data = dict(meeting_id=meeting_obj.id, account_id=account_obj.id, number=issue_number(meeting_obj),
                name=account_obj.name, mobile="13800138000", category="citizen",
                relation="本人居住在改造范围内。", points="建议增加停车位。", interests="无",
                consent_at=datetime(2026, 3, 2, 10, 0), status="pending")
    data.update(kw)
    ident = id_number(sequence=n % 1000, birth="1980" + f"{(n % 12) + 1:02d}" + "15")
    data.setdefault("id_last4", ident[-4:])
    data.setdefault("id_hash", id_hash(ident))
    obj = MeetingApplication(**data)
    db.session.add(obj)
    db.session.flush()
    return obj


def open_activity(unit_obj: Unit | None = None, *, slots=None, **kw):
    """An open activity (default: an August 2026 open day, registration 1 July – 9 August, one slot
    of 20 seats on 10 August 09:30–11:00). ``slots``: a list of (starts_at, ends_at, capacity)."""
    from datetime import datetime

    from portal.open_days.services import add_slot, create_activity

    n = next(_seq)
    data = dict(unit_id=(unit_obj or unit()).id, title=f"政府开放日活动（第{n}场）", theme="民生保障",
                kind="open_day", description="参观、答疑和问卷调查。", place="青松区政府路 100 号",
                accessibility="设无障碍通道。", registration_opens_at=datetime(2026, 7, 1, 9, 0),
                registration_closes_at=datetime(2026, 8, 9, 17, 0), cancel_cutoff_hours=24,
                id_check_required=False)
    data.update(kw)
    activity = create_activity(None, data)
    for starts, ends, capacity in (slots if slots is not None else
                                   [(datetime(2026, 8, 10, 9, 30), datetime(2026, 8, 10, 11, 0), 20)]):
        add_slot(None, activity, {"starts_at": starts, "ends_at": ends, "capacity": capacity})
    return activity


def topic(**kw):
    """A topic of the managed list (营商环境, 城市更新, ...)."""
    from portal.catalogue.models import Topic

    n = next(_seq)
    data = dict(name=f"主题{n}", slug=f"topic-{n}", position=n)
    data.update(kw)
    obj = Topic(**data)
    db.session.add(obj)
    db.session.flush()
    return obj


def catalogue(unit_obj: Unit, year: int = 2026, published_at=None):
    """A unit's yearly catalogue (unpublished unless ``published_at`` is given)."""
    from portal.catalogue.models import YearlyCatalogue

    obj = YearlyCatalogue(unit_id=unit_obj.id, year=year, published_at=published_at)
    db.session.add(obj)
    db.session.flush()
    return obj


SAMPLE_DRAFT = """为了推进生活垃圾分类，根据有关法律法规，结合本区实际，制定本办法。
第一章 总则
第一条 为了加强本区生活垃圾管理，制定本办法。
第二条 本办法适用于本区行政区域内生活垃圾的分类投放、收集、运输和处置。
第三条 区绿化市容部门是本区生活垃圾管理的主管部门。
第二章 分类投放
第四条 生活垃圾分为可回收物、有害垃圾、湿垃圾和干垃圾。
第五条 单位和个人应当按照规定的时间和地点分类投放生活垃圾。
第六条 居住区应当设置生活垃圾分类收集容器。"""


def consultation(decision_obj=None, *, status: str = "open", draft: str = SAMPLE_DRAFT, **kw):
    """A consultation split from ``draft``; ``status``: draft, upcoming, open or closed (relative to
    the portal clock: freeze ``CLOCK_NOW`` first)."""
    from datetime import timedelta

    from portal import clock
    from portal.consultation.drafts import split_draft
    from portal.consultation.models import Consultation, ConsultationSection

    decision_obj = decision_obj or decision(status="drafting")
    now = clock.now()
    opens, closes = {"draft": (now + timedelta(days=1), now + timedelta(days=31)),
                     "upcoming": (now + timedelta(days=5), now + timedelta(days=40)),
                     "open": (now - timedelta(days=5), now + timedelta(days=25)),
                     "closed": (now - timedelta(days=40), now - timedelta(days=5))}[status]
    data = dict(decision_id=decision_obj.id, unit_id=decision_obj.unit_id,
                title=f"关于《{decision_obj.title}》（草案）公开征求意见", explanation="起草说明：为什么要制定本办法。",
                contact_address="青松区政府路 100 号", contact_email="zqyj@example.gov.cn",
                contact_phone="021-5970 0000", opens_at=opens, closes_at=closes,
                published_at=None if status == "draft" else opens - timedelta(days=1))
    data.update(kw)
    obj = Consultation(**data)
    db.session.add(obj)
    db.session.flush()
    for position, part in enumerate(split_draft(draft)):
        db.session.add(ConsultationSection(consultation_id=obj.id, position=position, **part))
    db.session.flush()
    db.session.expire(obj, ["sections"])
    return obj


def comment(consultation_obj, author: Account, text: str | None = None, *, section=None, status: str = "published",
            campaign=None):
    """A comment as moderation left it (published by default; ``rejected`` with a reason), without
    the submission rules: ``consultation.services.submit_comment`` is the way for those."""
    import hashlib

    from portal import clock
    from portal.consultation.models import Comment
    from portal.textutil import mask_name

    n = next(_seq)
    text = text or f"第{n}条意见：建议完善相关规定。"
    obj = Comment(consultation_id=consultation_obj.id, section_id=section.id if section else None,
                  author_id=author.id, public_name=mask_name(author.name), text=text,
                  text_hash=hashlib.sha256(f"{text}-{n}".encode()).hexdigest(), consent_at=clock.now(),
                  status=status, rejection_reason="off_topic" if status == "rejected" else None,
                  published_at=clock.now() if status == "published" else None,
                  campaign_id=campaign.id if campaign else None)
    db.session.add(obj)
    db.session.flush()
    return obj


def campaign(consultation_obj, members):
    """A campaign grouping ``members`` (comments of the consultation)."""
    from portal.consultation.models import Campaign

    obj = Campaign(consultation_id=consultation_obj.id, sample_text=members[0].text, comment_count=len(members))
    db.session.add(obj)
    db.session.flush()
    for member in members:
        member.campaign_id = obj.id
    db.session.flush()
    return obj


def issue(item, issued_on, actor=None, no_consultation_reason="依法不予公开征求意见的事项。"):
    """Record the decision of ``item`` (under deliberation) as issued on ``issued_on``, as the
    catalogue's staff page does; without a closed consultation, with ``no_consultation_reason``."""
    from portal.catalogue.lifecycle import change_status, participation
    from portal.catalogue.models import DecisionStatus

    item.decision_title, item.decision_number = f"{item.title}的通知", "青府发〔2026〕1号"
    item.issue_date = issued_on
    if not participation(item)[1]:
        item.no_consultation_reason = no_consultation_reason
    change_status(item, DecisionStatus.decided, actor)
    db.session.flush()
    return item
def sent_code(to_address: str) -> str:
    """The 6-digit verification code last mailed to ``to_address`` (the outbox keeps it)."""
    import re

    from sqlalchemy import select

    from portal.notifications.models import OutboxEmail

    body = db.session.scalar(select(OutboxEmail.body).where(OutboxEmail.to_address == to_address)
                             .order_by(OutboxEmail.id.desc()))
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", body or "")
    assert match, f"no code mailed to {to_address}"
    return match.group(1)

"""Participant notices: comment received, published / not published, questionnaire; SMS lengths."""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from sqlalchemy import select

from portal.consultation import services as consultation_svc
from portal.consultation.models import RejectionReason
from portal.extensions import db
from portal.notifications.models import InboxMessage, OutboxEmail
from portal.notifications.sms import MAX_LENGTH
from portal.subscriptions import notices

LONGEST_TITLE = "关于" + "推进城市更新和老旧小区综合改造" * 13  # 200 characters, the column's limit


def _comment(f, author, text="建议延长晚间投放时间。", **kw):
    unit = f.unit(name="青松区绿化和市容管理局", phone="021-5970 2222")
    consultation = f.consultation(f.decision(unit, status="consulting"), status="open", **kw)
    return consultation, consultation_svc.submit_comment(consultation, author, {"text": text, "consent": True})


def test_a_submitted_comment_is_confirmed_with_its_receipt(app, f):
    author = f.resident(name="王建刚")
    consultation, comment = _comment(f, author)
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == author.email))
    assert comment.tracking_number in mail.subject and comment.tracking_number in mail.body
    assert mail.body.startswith("王建刚您好：")
    assert "青松区绿化和市容管理局" in mail.body and "021-5970 2222" in mail.body
    assert f"https://portal.example.gov.cn/consultations/receipts/{comment.tracking_number}" in mail.body


def test_moderation_result_is_told_published_or_not_with_the_reason(app, f):
    staff_author, other = f.resident(name="李梅"), f.resident(name="赵强")
    consultation, published = _comment(f, staff_author)
    rejected = consultation_svc.submit_comment(consultation, other, {"text": "与主题无关的内容", "consent": True})
    staff = f.staff(consultation.unit)
    consultation_svc.moderate(staff, consultation, [published.id], "publish")
    consultation_svc.moderate(staff, consultation, [rejected.id], "reject", "other", "含有广告链接")
    told = {m.account_id: m for m in db.session.scalars(select(InboxMessage).where(
        InboxMessage.kind == "consultation", InboxMessage.subject.not_like("%已收到%")))}
    assert "已审核通过并公开" in told[staff_author.id].body
    body = told[other.id].body
    assert "未予公开" in body or "was not published" in body
    assert RejectionReason.other.label in body and "含有广告链接" in body


def test_a_mobile_only_resident_gets_a_text_within_70_characters(app, f):
    author = f.resident(email=None, mobile="13900001111", name="张晓")
    consultation, comment = _comment(f, author, title=LONGEST_TITLE)
    texts = db.session.info.get("pending_sms") or []
    assert [mobile for mobile, _t in texts] == ["13900001111"]
    assert comment.tracking_number in texts[0][1] and len(texts[0][1]) <= MAX_LENGTH


def test_every_sms_template_fits_70_characters_in_chinese(app):
    longest_reason = max((r.label for r in RejectionReason), key=len)
    with force_locale("zh_CN"):
        for name, template in notices.SMS_TEMPLATES.items():
            extra = {"received": {"number": "ZJ-2026-999999"}, "published": {"number": "ZJ-2026-999999"},
                     "rejected": {"number": "ZJ-2026-999999", "reason": longest_reason}}.get(name, {})
            text = notices.fit(template, LONGEST_TITLE, **extra)
            assert len(text) <= MAX_LENGTH, (name, len(text), text)
            assert "…" in text  # the title was shortened, nothing else
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text.replace(LONGEST_TITLE[:10], ""))
        from portal.subscriptions.delivery import _sms_text
        from portal.subscriptions.models import Event, EventKind

        for kind in EventKind:
            assert len(_sms_text(Event(kind=kind.value, title=LONGEST_TITLE))) <= MAX_LENGTH


def test_checked_in_visitors_are_invited_to_the_questionnaire_once_after_the_slot(app, f):
    from portal.open_days.jobs import invite_to_questionnaire
    from portal.open_days.services import check_in, register

    app.config["CLOCK_NOW"] = datetime(2026, 7, 2, 10, 0)
    activity = f.open_activity()
    slot = activity.slots[0]
    came, absent = f.resident(name="陈静"), f.resident()
    data = {"name": "访客", "mobile": "13800001111", "consent": True}
    registration = register(slot, came, data)
    register(slot, absent, data)
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 9, 35)
    check_in(slot, registration.code, f.staff(activity.unit))
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 10, 59)
    assert invite_to_questionnaire() == 0  # the slot has not ended
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 11, 0)
    assert invite_to_questionnaire() == 1
    assert invite_to_questionnaire() == 0  # once
    message = db.session.scalar(select(InboxMessage).where(InboxMessage.account_id == came.id,
                                                           InboxMessage.link.like("%/questionnaire")))
    assert message.body.startswith("陈静您好：")
    assert db.session.scalar(select(InboxMessage).where(InboxMessage.account_id == absent.id,
                                                        InboxMessage.link.like("%/questionnaire"))) is None

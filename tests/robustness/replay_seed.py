"""The data the attack replay (``tests/robustness/replay.py``) needs, written into a demo or test
portal's database: ``python -m tests.robustness.replay_seed > world.json``.

Run it on the portal's machine with the portal's settings (``PORTAL_DATABASE_URL`` ...), as
``bin/portal`` would. It refuses to write unless the portal runs in demo mode
(``PORTAL_DEMO_MODE=1``): it adds accounts with known passwords. Every run adds a fresh unit, its
staff, residents and content under a new random tag, so it can be run again on the same database.

What cannot be lived through over HTTP in one sitting is prepared here, with the portal's own
services and the portal clock moved back where the story needs it: a consultation that closed with
comments carrying personal data and a published feedback report (the 30-day period), and a lottery
meeting whose sign-up closed with applications and a frozen input list (as the ``meetings freeze``
job leaves it). Everything the issue's attacks do is then done by the replay over HTTP.
"""
from __future__ import annotations

import json
import secrets
import sys
from datetime import datetime, timedelta

from sqlalchemy import select

from portal import clock
from portal.catalogue.lifecycle import change_status
from portal.consultation import services as consultation_services
from portal.consultation.models import Comment
from portal.extensions import db
from portal.feedback import report as reports
from portal.feedback import themes
from portal.meetings import selection as meeting_selection
from portal.open_days import services as open_day_services

from .. import factories as f

# Personal data as residents type it (issue 12, point 1); all made up.
PII = {
    "mobile": "13812345678",
    "mobile_spaced": "139 1234 5678",
    "mobile_plus86": "+86-137-0000-1111",
    "id_number_x": "11010519491231002X",
    "id_number": "310229196503120025",
    "email": "zhang.replay@example.com",
    "landline": "021-62345678",
    "address": "长宁路88号1202室",
}

# Different opinions, so that the comments are not grouped as a campaign.
OPINIONS = ["建议延长垃圾投放时间。", "小区门口应增设非机动车停放点。", "加装电梯的补贴标准偏低。",
            "希望公布老旧小区改造的时间表。", "社区食堂价格应当公示。", "夜间施工噪音扰民，请加强管理。",
            "公交站台缺少遮雨棚。", "建议增加社区养老服务点。"]


def _at(app, when: datetime) -> None:
    app.config["CLOCK_NOW"] = when


def seed(app) -> dict:
    """Write the replay's world at the portal clock's current moment; returns its description
    (ids, logins and passwords). The caller commits."""
    frozen = app.config.get("CLOCK_NOW")
    now = clock.now().replace(second=0)
    tag = secrets.token_hex(3)
    password = f"Replay-{secrets.token_urlsafe(9)}-7q"

    def person(key: str, verified: bool = True):
        return f.resident(email=f"replay-{tag}-{key}@example.com", name=f"回放{key}", password=password,
                          verified=verified)

    unit = f.unit(name=f"回放测试局{tag}", short_name=f"回放{tag}", slug=f"replay-{tag}",
                  email=f"replay-{tag}@example.gov.cn")
    staff = f.staff(unit, email=f"replay-{tag}-staff@example.gov.cn", name="回放工作人员", password=password)
    admin = f.admin(email=f"replay-{tag}-admin@example.gov.cn", name="回放管理员", password=password)
    people = {key: person(key) for key in ("commenter", "logout", "password", "deactivated", "owner",
                                          "idcard", "withdraws", "reset")}
    people["unverified"] = person("unverified", verified=False)

    # An open consultation the replay comments on.
    consulting = f.decision(unit, status="consulting", year=now.year, code=f"{now.year}-R{tag}")
    open_one = f.consultation(consulting, status="open")

    # A consultation that closed with comments holding personal data, and its published report.
    reported = f.decision(unit, status="deliberating", kind="other", year=now.year, code=f"{now.year}-F{tag}")
    closed = f.consultation(reported, status="closed")
    _at(app, now - timedelta(days=20))
    sections = [s for s in closed.sections if s.number]
    made = []
    for n, (kind, value) in enumerate(PII.items()):
        author = people["commenter"] if n % 2 else people["withdraws"]
        made.append(consultation_services.submit_comment(closed, author, {
            "text": f"报告{tag}-{kind}：{OPINIONS[n]}请联系我{value}。", "section_id": sections[n % len(sections)].id,
            "consent": True}))
    _at(app, now)
    consultation_services.moderate(staff, closed, [c.id for c in made], "publish")
    theme = themes.create_theme(staff, closed, {"title": "联系方式"})
    published = db.session.scalars(select(Comment.id).where(Comment.consultation_id == closed.id,
                                                            Comment.status == "published")).all()
    themes.assign_comments(staff, theme, list(published))
    themes.set_disposition(staff, theme, {"disposition": "adopted"})
    reported.decision_title, reported.decision_number = "通知", f"青府发〔{now.year}〕{tag}号"
    reported.issue_date = (now - timedelta(days=2)).date()
    change_status(reported, "decided", staff)
    reports.get_or_create_report(reported).show_comments = True  # each comment in the report
    reports.publish_report(staff, reported)

    # A lottery meeting whose sign-up is open (committed at publication) ...
    signup = f.meeting(unit, seats={"citizen": 2, "enterprise": 1},
                       starts_at=now + timedelta(days=20), signup_opens_at=now - timedelta(days=2),
                       signup_closes_at=now + timedelta(days=7), withdrawal_cutoff=now + timedelta(days=15),
                       public_value_due=now + timedelta(days=7, hours=4, minutes=30),
                       public_source="中国福利彩票双色球 回放期开奖号码")
    # ... and one whose sign-up closed: applications, an exclusion before the close, the input frozen.
    drawn = f.meeting(unit, seats={"citizen": 2},
                      starts_at=now + timedelta(days=6), signup_opens_at=now - timedelta(days=12),
                      signup_closes_at=now - timedelta(days=3), withdrawal_cutoff=now + timedelta(days=4),
                      public_value_due=now - timedelta(days=3) + timedelta(hours=4, minutes=30),
                      public_source="中国福利彩票双色球 回放期开奖号码")
    applicants = [f.meeting_application(drawn, f.resident(name=f"申请人{i}", email=f"replay-{tag}-applicant{i}@example.com"), consent_at=now - timedelta(days=10))
                  for i in range(4)]
    leaving = f.meeting_application(drawn, people["withdraws"], consent_at=now - timedelta(days=10))
    _at(app, now - timedelta(days=5))
    meeting_selection.mark_ineligible(staff, applicants[0], "户籍与工作单位均不在本区")
    _at(app, now)
    meeting_selection.freeze_closed_inputs()

    # An open day the commenter is registered for (check-in code, .ics).
    activity = f.open_activity(unit, registration_opens_at=now - timedelta(days=1),
                               registration_closes_at=now + timedelta(days=10),
                               slots=[(now + timedelta(days=15), now + timedelta(days=15, hours=2), 20)])
    registration = open_day_services.register(activity.slots[0], people["commenter"], {
        "name": "回放访客", "mobile": "13900001234", "id_last4": "", "needs": ""})

    db.session.flush()
    if frozen is None:
        app.config.pop("CLOCK_NOW", None)
    else:
        _at(app, frozen)
    return {
        "tag": tag, "password": password, "base_url": app.config.get("PORTAL_BASE_URL") or "",
        "now": now.isoformat(),
        "accounts": {"staff": staff.email, "admin": admin.email,
                     **{key: account.email for key, account in people.items()}},
        "account_ids": {key: account.id for key, account in people.items()},
        "unit": {"id": unit.id, "slug": unit.slug},
        "decisions": {"consulting": consulting.id, "reported": reported.id},
        "consultations": {"open": open_one.id, "closed": closed.id},
        "sections": {"open": [s.id for s in open_one.sections]},
        "report_comments": {kind: f"报告{tag}-{kind}" for kind in PII},
        "meetings": {"signup": signup.id, "drawn": drawn.id},
        "applications": {"excluded": applicants[0].id, "excluded_number": applicants[0].application_number,
                         "open": applicants[1].id, "leaving_number": leaving.application_number},
        "activity": activity.id, "slot": activity.slots[0].id, "registration": registration.id,
    }


def main() -> int:
    from portal import create_app

    app = create_app()
    if not app.config.get("DEMO_MODE"):
        print("refused: the replay's data (accounts with known passwords) is only written into a portal "
              "in demo mode (PORTAL_DEMO_MODE=1)", file=sys.stderr)
        return 2
    with app.app_context():
        world = seed(app)
        db.session.commit()
    json.dump(world, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

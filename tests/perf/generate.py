"""Generate the large dataset of docs/product.md §6 for the benchmark.

At ``scale=1``: 20 units, 10,000 decision items, 500 consultations, 1,000,000 comments of which
200,000 on one consultation, 200 open activities with 20,000 registrations, 20,000 residents.
Small structures go through the ORM and the features' services (so the rules and derived
counters are the real ones); the big tables are bulk-inserted with SQLAlchemy Core in batches,
with their counters recomputed at the end exactly as the services keep them.

Not generated: the campaign-detection index (``consultation_comment_band``), which only submission
reads. Search tokens are bulk-inserted for decision items, consultations and their sections; the
other searched objects (activities, reports) go through the ORM and are indexed as they flush.
"""
from __future__ import annotations

import itertools
import random
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, update

from portal import clock
from portal.accounts.models import Account
from portal.auth.passwords import hash_password
from portal.calendar.services import sync_from_package
from portal.catalogue.models import DecisionItem, Topic, YearlyCatalogue, decision_topic
from portal.consultation import similarity
from portal.consultation.models import Comment, Consultation, ConsultationSection
from portal.extensions import db
from portal.open_days.models import OpenActivity, OpenRegistration, OpenSlot
from portal.search import _REGISTRY, SearchToken, token_rows
from portal.textutil import mask_name
from portal.units.models import Unit

BATCH = 5000
BENCH_PASSWORD = "Bench-password-2026"

TOPICS = ["营商环境", "城市更新", "民生保障", "生态环境", "教育", "养老服务", "交通出行", "公共安全",
          "文化旅游", "乡村振兴", "卫生健康", "住房保障"]
SUBJECTS = ["生活垃圾分类", "老旧小区改造", "养老服务设施", "停车管理", "河道综合治理", "营商环境优化",
            "社区嵌入式服务", "公共文化服务", "学前教育资源", "乡村振兴示范村", "城市更新单元",
            "水环境治理", "既有多层住宅加装电梯", "智慧交通", "农贸市场标准化", "低碳城区建设",
            "防汛防台", "中小企业纾困", "人才公寓", "历史风貌保护"]
FORMS = ["实施意见", "管理办法", "三年行动计划", "实施方案", "若干措施", "工作方案", "专项规划"]
OPINIONS = [
    "建议在第五条中明确居民参与的方式和时间安排，并在小区公告栏同步公示。",
    "希望增加对老年人和残疾人的照顾措施，例如设置无障碍通道和临时休息区。",
    "建议对实施后的效果进行第三方评估，并向社会公开评估结果。",
    "垃圾分类投放点的开放时间过短，建议早晚各延长一个小时，方便上班族。",
    "建议补贴标准按照家庭人口分档，避免一刀切。",
    "停车收费标准应当区分居民和外来车辆，居民夜间停车应给予优惠。",
    "施工期间应控制噪声，夜间十点后禁止高噪声作业，并公布投诉电话。",
    "建议明确责任部门和办理时限，避免多头管理、互相推诿。",
    "希望在社区设立意见箱，定期向居民反馈意见办理情况。",
    "建议将河道两侧绿化与慢行步道统筹建设，方便居民休闲。",
]
SECTION_TITLES = ["总则", "适用范围", "职责分工", "规划与建设", "管理与服务", "资金保障", "监督检查",
                  "法律责任", "附则", "施行日期"]
CN_NUMS = "一二三四五六七八九十"


@dataclass
class Sizes:
    units: int
    items: int
    consultations: int
    comments: int
    big_consultation: int
    activities: int
    registrations: int
    residents: int

    @classmethod
    def at(cls, scale: float) -> "Sizes":
        def n(full: int, minimum: int) -> int:
            return max(minimum, int(full * scale))

        return cls(units=20, items=n(10_000, 60), consultations=n(500, 6), comments=n(1_000_000, 2_000),
                   big_consultation=n(200_000, 400), activities=n(200, 4), registrations=n(20_000, 200),
                   residents=n(20_000, 200))


def _batched(rows, size=BATCH):
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _bulk(table, rows) -> int:
    count = 0
    for chunk in _batched(rows):
        db.session.execute(insert(table), chunk)
        count += len(chunk)
    return count


def generate(scale: float = 1.0, seed: int = 20261122, log=print, items_factor: float = 1.0) -> dict:
    """Fill the (empty) database of the current app; returns ids the benchmark needs."""
    rng = random.Random(seed)
    sizes = Sizes.at(scale)
    sizes.items = int(sizes.items * items_factor)  # more decisions only (oversight growth test)
    now = clock.now().replace(second=0)
    today = now.date()
    started = time.perf_counter()

    def step(message: str) -> None:
        log(f"[{time.perf_counter() - started:7.1f}s] {message}")

    sync_from_package()
    # -- units, topics, accounts ----------------------------------------------------------------
    units = [Unit(name="青松区人民政府", short_name="区政府", slug="qingsong", kind="district_government")]
    for i in range(1, sizes.units):
        kind = "town" if i >= sizes.units - 6 else "bureau"
        units.append(Unit(name=f"青松区第{i}{'街镇' if kind == 'town' else '委办局'}",
                          short_name=f"单位{i}", slug=f"unit-{i}", kind=kind))
    db.session.add_all(units)
    topics = [Topic(name=name, slug=f"topic-{i}", position=i) for i, name in enumerate(TOPICS)]
    db.session.add_all(topics)
    db.session.flush()
    password_hash = hash_password(BENCH_PASSWORD)
    staff = [Account(email=f"staff{u.id}@bench.example.gov.cn", name=f"{u.short_name}工作人员", role="staff",
                     unit_id=u.id, password_hash=password_hash, session_token=secrets.token_hex(8))
             for u in units]
    db.session.add_all(staff)
    db.session.flush()
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    _bulk(Account.__table__, ({"email": f"resident{i}@bench.example.com", "name": surnames[i % 20] + "某" + str(i),
                               "role": "resident", "password_hash": password_hash,
                               "session_token": secrets.token_hex(8), "is_active": True, "created_at": now}
                              for i in range(sizes.residents)))
    resident_ids = db.session.scalars(select(Account.id).where(Account.role == "resident")
                                      .order_by(Account.id)).all()
    resident_names = dict(db.session.execute(select(Account.id, Account.name).where(Account.role == "resident")).all())
    step(f"{len(units)} units, {len(topics)} topics, {len(resident_ids)} residents")

    # -- decision items, catalogues, search tokens ---------------------------------------------
    years = [today.year - 2, today.year - 1, today.year]
    statuses = ["planned", "drafting", "consulting", "deliberating", "decided", "feedback_published",
                "postponed", "withdrawn"]
    weights = [20, 15, 10, 10, 20, 20, 3, 2]
    item_rows = []
    per_unit_year = itertools.count(1)
    for i in range(sizes.items):
        unit = units[i % len(units)]
        year = years[i % len(years)]
        status = rng.choices(statuses, weights)[0]
        subject = rng.choice(SUBJECTS)
        title = f"关于{subject}的{rng.choice(FORMS)}（{year}年第{i // len(units) + 1}号）"
        item_rows.append({
            "unit_id": unit.id, "year": year, "code": f"{year}-{next(per_unit_year):05d}", "kind": "major",
            "title": title, "summary": f"围绕{subject}，明确目标任务、职责分工和保障措施，回应群众关切。",
            "legal_basis": "《重大行政决策程序暂行条例》", "background": f"{subject}是群众关心的民生实事，需要统筹推进。",
            "planned_quarter": rng.randint(1, 4), "hearing_planned": False, "risk_assessment": i % 3 == 0,
            "expert_review": i % 4 == 0, "legality_review": True, "status": status,
            "status_reason": "因上位政策调整，需重新研究。" if status in ("postponed", "withdrawn") else "",
            "issue_date": (today - timedelta(days=rng.randint(3, 300))) if status in ("decided", "feedback_published") else None,
            "decision_title": title if status in ("decided", "feedback_published") else None,
            "decision_number": f"青府发〔{year}〕{i}号" if status in ("decided", "feedback_published") else None,
            "created_at": now, "updated_at": now,
        })
    _bulk(DecisionItem.__table__, item_rows)
    items = db.session.execute(select(DecisionItem.id, DecisionItem.title, DecisionItem.summary,
                                      DecisionItem.background, DecisionItem.status)
                               .order_by(DecisionItem.id)).all()
    _bulk(decision_topic, ({"decision_id": row.id, "topic_id": topics[row.id % len(topics)].id} for row in items))
    registration = next(r for r in _REGISTRY.values() if r.model is DecisionItem)
    _bulk(SearchToken.__table__, (token for row in items for token in token_rows(registration, row)))
    _bulk(YearlyCatalogue.__table__, ({"unit_id": u.id, "year": y,
                                       "published_at": datetime(y, 3, 20 if u.id % 5 else 28, 10, 0) if y < today.year or today >= date(y, 3, 31) else None,
                                       "created_at": now} for u in units for y in years))
    step(f"{len(items)} decision items with topics and search tokens, {len(units) * len(years)} catalogues")

    # -- consultations and sections -------------------------------------------------------------
    decided = [row for row in items if row.status in ("decided",)]
    candidates = [row for row in items if row.status in ("consulting", "deliberating", "decided", "feedback_published")]
    big_item = decided[0]
    chosen = [big_item] + [row for row in candidates if row.id != big_item.id][: sizes.consultations - 1]
    unit_of = dict(db.session.execute(select(DecisionItem.id, DecisionItem.unit_id)).all())
    consultation_rows = []
    for row in chosen:
        if row.status == "consulting":
            opens, closes = now - timedelta(days=10), now + timedelta(days=25)
        else:
            opens, closes = now - timedelta(days=120), now - timedelta(days=85)
        consultation_rows.append({
            "decision_id": row.id, "unit_id": unit_of[row.id], "title": f"《{row.title}（征求意见稿）》公开征求意见",
            "explanation": "为广泛听取社会各界意见，现将草案全文公布，征求意见截止前均可提出。",
            "interpretation": "", "contact_address": "青松区政府路 100 号", "contact_email": "zqyj@bench.example.gov.cn",
            "contact_phone": "021-5970 0000", "opens_at": opens, "closes_at": closes, "short_period_reason": "",
            "extension_reason": "", "published_at": opens - timedelta(days=1), "comment_count": 0,
            "pending_count": 0, "created_at": now, "updated_at": now})
    _bulk(Consultation.__table__, consultation_rows)
    consultations = db.session.execute(select(Consultation.id, Consultation.decision_id)
                                       .order_by(Consultation.id)).all()
    big = consultations[0]
    _bulk(ConsultationSection.__table__, ({
        "consultation_id": c.id, "position": p, "kind": "article", "number": f"第{CN_NUMS[p]}条",
        "heading": SECTION_TITLES[p], "comment_count": 0,
        "body": f"本条规定{SECTION_TITLES[p]}的有关事项。各有关部门应当按照职责分工，做好相关工作，并向社会公开办理结果。" * 3,
    } for c in consultations for p in range(10)))
    sections: dict[int, list[int]] = {}
    for cid, sid in db.session.execute(select(ConsultationSection.consultation_id, ConsultationSection.id)
                                       .order_by(ConsultationSection.id)):
        sections.setdefault(cid, []).append(sid)
    step(f"{len(consultations)} consultations with {sum(map(len, sections.values()))} sections")

    # -- comments ---------------------------------------------------------------------------------
    others = consultations[1:]
    tracking = itertools.count(1)

    def comment_rows():
        for n in range(sizes.comments):
            consultation = big if n < sizes.big_consultation else others[n % len(others)]
            author = resident_ids[n % len(resident_ids)]
            text = f"{OPINIONS[n % len(OPINIONS)]}（意见编号 {n}）"
            roll = n % 100
            status = "published" if roll < 90 else ("pending" if roll < 97 else "rejected")
            created = now - timedelta(minutes=n % 50000)
            section_list = sections[consultation.id]
            yield {
                "consultation_id": consultation.id,
                "section_id": None if n % 7 == 0 else section_list[n % len(section_list)],
                "author_id": author, "public_name": "匿名" if n % 11 == 0 else mask_name(resident_names[author]),
                "anonymous": n % 11 == 0, "respondent_type": "citizen", "text": text,
                "public_text": text, "pii_findings": [],  # no personal data in these texts
                "text_hash": similarity.text_hash(text), "tracking_number": f"ZJ-{today.year}-{next(tracking):07d}",
                "consent_at": created, "status": status,
                "rejection_reason": "off_topic" if status == "rejected" else None, "rejection_note": "",
                "moderated_at": created if status != "pending" else None,
                "published_at": created if status == "published" else None, "created_at": created,
            }

    written = _bulk(Comment.__table__, comment_rows())
    step(f"{written} comments ({sizes.big_consultation} on consultation {big.id})")
    # The counters the services keep, from one grouped pass over the comments.
    counts: dict[tuple[int, str], int] = {}
    section_counts: dict[int, int] = {}
    for consultation_id, section_id, status, n in db.session.execute(
            select(Comment.consultation_id, Comment.section_id, Comment.status, func.count())
            .group_by(Comment.consultation_id, Comment.section_id, Comment.status)):
        counts[(consultation_id, status)] = counts.get((consultation_id, status), 0) + n
        if status == "published" and section_id is not None:
            section_counts[section_id] = section_counts.get(section_id, 0) + n
    db.session.execute(update(Consultation), [
        {"id": c.id, "comment_count": counts.get((c.id, "published"), 0),
         "pending_count": counts.get((c.id, "pending"), 0)} for c in consultations])
    db.session.execute(update(ConsultationSection), [
        {"id": section_id, "comment_count": n} for section_id, n in section_counts.items()])
    step("comment counters recomputed")

    # -- open activities and registrations --------------------------------------------------------
    per_activity = max(1, sizes.registrations // sizes.activities)
    activities = []
    for i in range(sizes.activities):
        start = datetime.combine(today + timedelta(days=(i % 60) - 20), datetime.min.time()) + timedelta(hours=9)
        activity = OpenActivity(unit_id=units[i % len(units)].id, title=f"政府开放日：走进{SUBJECTS[i % len(SUBJECTS)]}现场",
                                theme=SUBJECTS[i % len(SUBJECTS)], kind=["open_day", "open_week", "open_month"][i % 3],
                                description="参观现场、听取介绍、座谈交流、填写问卷。", place="青松区政府路 100 号",
                                registration_opens_at=start - timedelta(days=30),
                                registration_closes_at=start - timedelta(days=1), cancel_cutoff_hours=24,
                                starts_at=start, ends_at=start + timedelta(hours=3))
        activity.slots = [OpenSlot(starts_at=start, ends_at=start + timedelta(hours=3),
                                   capacity=per_activity - (5 if i % 4 == 0 else 0))]
        activities.append(activity)
    db.session.add_all(activities)
    db.session.flush()
    codes = itertools.count(1)

    def registration_rows():
        for i, activity in enumerate(activities):
            slot = activity.slots[0]
            for k in range(per_activity):
                confirmed = k < slot.capacity
                yield {"slot_id": slot.id, "activity_id": activity.id,
                       "account_id": resident_ids[(i * per_activity + k) % len(resident_ids)],
                       "status": "confirmed" if confirmed else "waiting", "name": "参观者", "mobile": "13900000000",
                       "id_last4": "", "needs": "", "queue_no": None if confirmed else k - slot.capacity + 1,
                       "code": f"BENCH{next(codes):07d}", "created_at": now,
                       "confirmed_at": now if confirmed else None, "cancelled_late": False,
                       "cancelled_by_staff": False}

    registrations = _bulk(OpenRegistration.__table__, registration_rows())
    for activity in activities:
        slot = activity.slots[0]
        slot.confirmed_count = min(per_activity, slot.capacity)
        slot.waiting_count = max(0, per_activity - slot.capacity)
        slot.next_queue_no = slot.waiting_count
    db.session.flush()
    step(f"{len(activities)} activities, {registrations} registrations")

    # -- search tokens of the bulk-inserted consultations and sections (the site-wide search) ---------
    for model, columns in ((Consultation, (Consultation.id, Consultation.title, Consultation.explanation,
                                           Consultation.interpretation)),
                           (ConsultationSection, (ConsultationSection.id, ConsultationSection.number,
                                                  ConsultationSection.heading, ConsultationSection.body))):
        registration = next(r for r in _REGISTRY.values() if r.model is model)
        rows = db.session.execute(select(*columns).order_by(columns[0])).all()
        _bulk(SearchToken.__table__, (token for row in rows for token in token_rows(registration, row)))
    step("search tokens of consultations and their sections")

    # -- the adoption report of the big consultation (through the feedback services) ------------------
    report_id = _publish_big_report(big, staff, units, unit_of, rng, step)
    generate_board(int(100_000 * scale) or 200, units, [row.id for row in decided], resident_ids, rng, now, step)
    db.session.commit()
    step("committed")
    return {"big_consultation": big.id, "big_decision": big.decision_id, "report_decision": big.decision_id,
            "decision": items[len(items) // 2].id, "unit_slug": units[3].slug, "year": today.year,
            "report": report_id, "activity": activities[0].id,
            # Samples for the mixed-URL run (many pages, not one hot URL).
            "decision_ids": [row.id for row in rng.sample(items, min(500, len(items)))],
            "consultation_ids": [c.id for c in consultations[:200]],
            "feedback_decision_ids": [row.id for row in items if row.status == "feedback_published"][:200],
            "activity_ids": [a.id for a in activities[:100]],
            "unit_slugs": [u.slug for u in units]}


BOARD_SUBJECTS = ["加装电梯补贴", "停车收费标准", "垃圾分类投放时间", "养老服务补贴", "学区划分", "河道整治进度",
                  "老旧小区改造", "公交线路调整", "营商环境政策", "人才公寓申请"]


def generate_board(count: int, units, decision_ids, resident_ids, rng, now, step) -> int:
    """``count`` board messages (issue 16), 10 % answered and published with their search tokens;
    the others awaiting a reply. Bulk-inserted like the comments."""
    from portal.board.models import BoardMessage

    registration = next(r for r in _REGISTRY.values() if r.model is BoardMessage)
    start = now - timedelta(days=360)
    rows, tokens = [], []
    for i in range(count):
        subject = BOARD_SUBJECTS[(i // 10 + i) % len(BOARD_SUBJECTS)]
        received = start + timedelta(minutes=i * 5)
        published = i % 10 == 0
        due = (received + timedelta(days=7)).date()
        row = {"tracking_number": f"LY-B-{i:07d}", "kind": ("question", "suggestion", "evaluation")[i % 3],
               "title": f"关于{subject}的咨询{i}", "text": f"请问{subject}的具体规定是什么？编号{i}。",
               "text_hash": secrets.token_hex(32), "author_id": resident_ids[i % len(resident_ids)],
               "unit_id": units[i % len(units)].id, "decision_id": decision_ids[i % len(decision_ids)] if decision_ids and i % 2 else None,
               "may_publish": True, "consent_at": received, "received_at": received, "created_at": received,
               "counted_from": received.date(), "working_days": 5, "due_on": due, "first_due_on": due,
               "due_provisional": False, "simple": False, "round": 1, "status": "answered" if published else "open",
               "rating_reason": "", "rated_round": 1 if published else 0, "followup_text": "", "faq": False,
               "pii_findings": [], "public_title": "", "public_text": "", "public_reply": "",
               "answered_at": None, "first_answered_at": None, "first_on_time": None, "reply_working_days": None,
               "rating": None, "published_at": None}
        if published:
            answered = received + timedelta(days=rng.randint(0, 6))
            row.update(answered_at=answered, first_answered_at=answered, first_on_time=answered.date() <= due,
                       reply_working_days=rng.randint(0, 6), rating=("satisfied", "fairly", "dissatisfied")[i % 3],
                       published_at=answered + timedelta(hours=2), public_title=row["title"], public_text=row["text"],
                       public_reply=f"您好！关于{subject}，请参见相关政策文件第三条。")
        rows.append(row)
    _bulk(BoardMessage.__table__, rows)
    for message in db.session.execute(select(BoardMessage.id, BoardMessage.public_title, BoardMessage.public_text,
                                             BoardMessage.public_reply, BoardMessage.public_followup)
                                      .where(BoardMessage.published_at.is_not(None))):
        tokens.extend(token_rows(registration, message))
    _bulk(SearchToken.__table__, tokens)
    step(f"{count} board messages, {count // 10} published with search tokens")
    return count


def _publish_big_report(big, staff, units, unit_of, rng, step) -> int | None:
    from portal.feedback import report as reports
    from portal.feedback.models import Theme, ThemeAssignment

    item = db.session.get(DecisionItem, big.decision_id)
    actor = next(a for a in staff if a.unit_id == item.unit_id)
    themes = []
    dispositions = [("adopted", ""), ("partly", "部分意见与上位法规定不一致，已吸收其合理部分。"),
                    ("not_adopted", "该建议涉及的事项不属于本办法调整范围，将转交相关部门研究。"),
                    ("already_covered", "现行规定已有相应安排。")]
    for i, (disposition, reason) in enumerate(dispositions * 2):
        theme = Theme(consultation_id=big.id, title=f"关于{SECTION_TITLES[i]}的意见", position=i,
                      disposition=disposition, reason=reason)
        themes.append(theme)
    db.session.add_all(themes)
    db.session.flush()
    comment_ids = db.session.scalars(select(Comment.id).where(Comment.consultation_id == big.id,
                                                              Comment.status == "published")
                                     .order_by(Comment.id).limit(20_000)).all()
    _bulk(ThemeAssignment.__table__, ({"theme_id": themes[n % len(themes)].id, "comment_id": cid}
                                      for n, cid in enumerate(comment_ids)))
    reports.publish_report(actor, item)
    report = reports.report_of(item)
    step(f"adoption report of decision {item.id} published ({len(comment_ids)} comments in {len(themes)} themes)")
    return report.id if report else None

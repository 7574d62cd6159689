"""Demo of the district office's checks (issue 15): a decision issued without a public
consultation, with its public reason; next year's catalogues with the district office, one
returned with comments and one awaiting review. Runs after the other feature demos."""
from __future__ import annotations

from datetime import date, datetime

from ..extensions import db
from . import review, services
from .demo import _at, _walk
from .models import DecisionItem

NO_CONSULTATION_REASON = (
    "本方案以2025年已向社会公开征求意见的《盈溪街道街区环境品质提升导则》为基础，实施内容和标准未作实质性调整；"
    "街道已通过居民区“三会”制度和社区规划师听取居民意见，经街道党工委会议研究，不再另行公开征求意见。")

RETURN_COMMENT = (
    "一、《青松区社区长者食堂建设运营管理办法》已列入2026年目录且仍在办理中，请核实是否重复列入；\n"
    "二、请按照目录编制要求补充各事项的承办科室、计划完成时间以及听证、风险评估等程序安排；\n"
    "三、请修改完善后于12月10日前重新报送。")

# (unit slug, code, title, summary, quarter)
NEXT_YEAR = [
    ("qingsong-mz", "2027-01", "青松区社区长者食堂建设运营管理办法", "明确长者食堂的运营补贴和服务质量评价要求。", 2),
    ("qingsong-mz", "2027-02", "青松区养老服务补贴实施办法（修订）", "调整养老服务补贴对象范围和补贴标准。", 3),
    ("qingsong", "2027-01", "青松区“15分钟社区生活圈”建设行动方案", "统筹社区公共服务设施布局，补齐教育、医疗、养老短板。", 2),
]


def seed(context) -> None:
    units, staff, admin = context["units"], context["staff"], context["admin"]
    topics = context.get("topics", {})
    street = db.session.scalar(db.select(DecisionItem).where(
        DecisionItem.unit_id == units["yingxi"].id, DecisionItem.year == 2026, DecisionItem.code == "2026-01"))
    if street is not None and street.status == "planned":
        _walk(street, staff["yingxi"], [(datetime(2026, 4, 15, 9, 0), "drafting", ""),
                                        (datetime(2026, 9, 10, 9, 0), "deliberating", "")])
        with _at(datetime(2026, 10, 20, 15, 0)):
            services.record_decision(staff["yingxi"], street, services.DecisionResult(
                "盈溪街道美丽街区建设三年行动方案（2026—2028年）", "盈办发〔2026〕12号", date(2026, 10, 20),
                "经街道党工委会议研究同意，现予印发，请认真组织实施。", NO_CONSULTATION_REASON))
        context.setdefault("decisions", {})["street"] = street

    for slug, code, title, summary, quarter in NEXT_YEAR:
        with _at(datetime(2026, 11, 10, 10, 0)):
            services.create_item(staff[slug], units[slug], 2027, {
                "code": code, "kind": "major", "title": title, "summary": summary, "planned_quarter": quarter,
                "legal_basis": "《重大行政决策程序暂行条例》《上海市重大行政决策程序规定》",
                "topic_ids": [topics["养老服务"]] if slug == "qingsong-mz" and "养老服务" in topics else [],
                "legality_review": True})
    elderly = services.catalogue_of(units["qingsong-mz"].id, 2027, create=True)
    with _at(datetime(2026, 11, 16, 9, 30)):
        review.submit(staff["qingsong-mz"], elderly)
    with _at(datetime(2026, 11, 20, 14, 0)):
        review.return_for_revision(admin, elderly, RETURN_COMMENT)
    town = services.catalogue_of(units["qingsong"].id, 2027, create=True)
    with _at(datetime(2026, 11, 25, 16, 0)):
        review.submit(staff["qingsong"], town)
    db.session.flush()

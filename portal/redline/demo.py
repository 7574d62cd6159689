"""Demo redline: the issued text of the demo's decision whose adoption feedback is published
(青松区促进民营经济高质量发展的若干措施), with renumbered, changed, added and removed articles, the
changes tied to the adopted themes and the two changes no theme asked for explained."""
from __future__ import annotations

from sqlalchemy import select

from ..catalogue.models import DecisionItem
from ..extensions import db
from ..feedback.models import Theme
from . import services as svc

TITLE = "青松区促进民营经济高质量发展的若干措施"

ISSUED = """为促进本区民营经济高质量发展，结合本区实际，制定本措施。
第一条 加大融资支持，设立区级中小企业融资担保资金，优先支持首次贷款的小微企业；担保资金的申请条件和审批时限向社会公开。
第二条 支持企业创新，对新认定的高新技术企业给予一次性奖励。
第三条 保障用地需求，盘活存量工业用地。盘活方案应当听取周边居民意见。
第四条 本措施自发布之日起施行，有效期五年。"""

# theme title → the issued article (number) whose change answers it
LINKS = {"融资担保资金向小微企业倾斜并公开申请条件": "第一条", "存量工业用地盘活听取居民意见": "第三条"}
EXPLAIN_REMOVED = "原第一条“优化营商环境”的内容已纳入《青松区优化营商环境行动方案》统一规定，本措施不再重复。"
EXPLAIN_ADDED = "根据区政府常务会议审议意见，增加施行日期和有效期。"


def seed(context: dict) -> None:
    item = db.session.scalar(select(DecisionItem).where(DecisionItem.title == TITLE))
    if item is None or svc.consulted_draft(item) is None:
        return
    staff = next((a for a in context["staff"].values() if a.unit_id == item.unit_id), None)
    final = svc.save_final_text(staff, item, ISSUED)
    themes = {t.title: t for t in db.session.scalars(select(Theme).where(Theme.consultation_id == final.consultation_id))}
    for row in svc.rows_of(final):
        numbers = [ref["number"] for ref in row["final"]]
        chosen = [themes[title].id for title, number in LINKS.items() if number in numbers and title in themes
                  and row["kind"] in svc.NEEDS_REASON]
        if chosen:
            svc.link_themes(staff, final, row["key"], chosen)
        elif row["kind"] == "removed":
            svc.explain(staff, final, row["key"], EXPLAIN_REMOVED)
        elif row["kind"] == "added":
            svc.explain(staff, final, row["key"], EXPLAIN_ADDED)
    db.session.flush()

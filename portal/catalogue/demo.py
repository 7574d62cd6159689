"""Demo catalogues: 2025 and 2026 catalogues of several units, items in every lifecycle state (an
issued decision with its documents, a withdrawn and a postponed item with public reasons, an item
added after publication), written through the services at the dates they would have happened."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta

from flask import current_app

from ..extensions import db
from . import review, services
from .lifecycle import change_status
from .models import DecisionItem

TOPICS = [("营商环境", "business-environment"), ("城市更新", "urban-renewal"), ("民生保障", "livelihood"),
          ("生态环境", "environment"), ("教育", "education"), ("养老服务", "elderly-care"),
          ("交通出行", "transport"), ("公共安全", "public-safety"), ("文化旅游", "culture-tourism"),
          ("乡村振兴", "rural-revitalisation")]

LEGAL_BASIS = "《重大行政决策程序暂行条例》《上海市重大行政决策程序规定》"

# (unit slug, year, code, title, topics, quarter, flags, summary, background)
ITEMS = [
    ("qingsong", 2025, "2025-01", "青松区城市更新三年行动计划（2025—2027年）", ["城市更新", "民生保障"], 2,
     "hre", "明确老旧小区改造、历史风貌保护和产业园区转型的目标任务、实施路径和保障措施。",
     "本区部分老旧小区建成年代早，房屋设施老化，居民改善居住条件的愿望迫切。按照市委、市政府关于加快推进城市更新的部署，"
     "需统筹规划、土地、资金等政策，形成可持续的城市更新模式。"),
    ("qingsong", 2025, "2025-02", "青松区优化营商环境若干措施", ["营商环境"], 1, "el",
     "围绕企业开办、工程建设项目审批、政务服务“一网通办”等提出二十条措施。",
     "为落实优化营商环境条例，进一步降低制度性交易成本，增强市场主体获得感。"),
    ("qingsong", 2025, "2025-03", "青松区停车管理办法", ["交通出行", "城市更新"], 4, "hrel",
     "规范公共停车场、道路停车泊位和住宅小区停车管理，推进错峰共享停车。",
     "随着机动车保有量快速增长，老城区停车难问题突出，居民反映强烈，需要统筹停车资源供给与管理。"),
    ("qingsong-sthj", 2025, "2025-01", "青松区生活垃圾分类实施方案", ["生态环境", "民生保障"], 2, "rel",
     "完善垃圾分类投放、收集、运输、处置全过程体系，推进湿垃圾就地资源化利用。",
     "本区垃圾分类实效仍有提升空间，部分小区定时定点投放执行不到位，需要进一步完善收运体系和激励机制。"),
    ("qingsong-sthj", 2025, "2025-02", "青松区河道治理与水环境提升规划", ["生态环境"], 4, "re",
     "以淀浦河、油墩港等骨干河道为重点，推进河湖水系连通和岸线生态修复。",
     "水环境质量是群众关注的热点，部分中小河道水质不稳定，需系统治理。"),
    ("qingsong-mz", 2025, "2025-01", "青松区社区养老服务设施布局专项规划", ["养老服务", "民生保障"], 3, "hel",
     "按照“15分钟养老服务圈”要求，布局社区综合为老服务中心、长者照护之家和社区食堂。",
     "本区60岁以上户籍老年人口占比已超过三成，社区嵌入式养老服务需求快速增长。"),
    ("qingsong", 2026, "2026-01", "青松区加快发展新质生产力支持产业园区转型升级的若干政策", ["营商环境"], 2, "el",
     "支持低效产业用地盘活、园区数字化改造和科技型中小企业集聚发展。",
     "本区部分产业园区能级不高、亩均效益偏低，需要通过政策引导推动转型升级。"),
    ("qingsong", 2026, "2026-02", "青松区老旧小区加装电梯工作实施意见", ["城市更新", "养老服务"], 3, "hrl",
     "简化加装电梯审批流程，明确资金补贴标准，建立居民协商和矛盾调处机制。",
     "老旧多层住宅老年居民上下楼困难，加装电梯意愿强烈，但协商难、审批繁、资金筹措难等问题仍然存在。"),
    ("qingsong", 2026, "2026-03", "青松区公共交通线网优化调整方案", ["交通出行"], 4, "hl",
     "优化公交线路与轨道交通接驳，增设社区巴士和定制公交线路。",
     "新城建设和轨道交通延伸后，居民出行需求变化明显，部分公交线路重复、末端覆盖不足。"),
    ("qingsong-sthj", 2026, "2026-01", "青松区生活垃圾分类收运体系优化方案", ["生态环境"], 2, "rl",
     "优化湿垃圾、可回收物收运频次和清运点位，推进收运车辆全程定位监管。",
     "在2025年垃圾分类实施方案基础上，针对收运环节暴露的问题进一步完善。"),
    ("qingsong-mz", 2026, "2026-01", "青松区社区长者食堂建设运营管理办法", ["养老服务"], 2, "el",
     "明确长者食堂的选址标准、运营补贴、食品安全和服务质量评价要求。",
     "社区长者助餐服务是老年人最关心的民生实事之一，需要建立可持续的运营机制。"),
    ("yingxi", 2026, "2026-01", "盈溪街道美丽街区建设三年行动方案", ["城市更新", "文化旅游"], 4, "l",
     "推进街巷环境整治、口袋公园建设和历史文化风貌展示。",
     "盈溪街道是本区历史城区所在地，街区环境品质有待提升。"),
    ("songze", 2026, "2026-01", "松泽镇乡村振兴示范村建设实施方案", ["乡村振兴"], 3, "rl",
     "建设三个乡村振兴示范村，推进农村人居环境整治和特色产业发展。",
     "按照乡村振兴战略部署，需要以示范村建设带动全镇农村面貌整体提升。"),
]

FLAG_CODES = {"h": "hearing_planned", "r": "risk_assessment", "e": "expert_review", "l": "legality_review"}


@contextmanager
def _at(when: datetime):
    """Run services as if at ``when`` (the portal clock), so the demo's dates tell a story."""
    previous = current_app.config.get("CLOCK_NOW")
    current_app.config["CLOCK_NOW"] = when
    try:
        yield
    finally:
        current_app.config["CLOCK_NOW"] = previous


def _data(code, title, topics, quarter, flags, summary, background, topic_ids) -> dict:
    data = {"code": code, "kind": "major", "title": title, "summary": summary, "legal_basis": LEGAL_BASIS,
            "background": background, "planned_quarter": quarter,
            "topic_ids": [topic_ids[name] for name in topics]}
    data.update({field: letter in flags for letter, field in FLAG_CODES.items()})
    return data


def _walk(item: DecisionItem, actor, steps: list[tuple[datetime, str, str]]) -> None:
    for when, status, reason in steps:
        with _at(when):
            change_status(item, status, actor, reason)


def _consult(item: DecisionItem, actor, opens: datetime, days: int, draft: str) -> None:
    """A real public consultation on the item's draft, published at ``opens``: publishing it moves
    the item to 征求意见中 (an item never is without a consultation behind it)."""
    from ..consultation import services as consultation_services

    with _at(opens):
        consultation = consultation_services.create_consultation(actor, item, {
            "title": f"关于《{item.title}（征求意见稿）》公开征求意见", "draft": draft,
            "opens_at": opens, "closes_at": opens + timedelta(days=days, hours=8),
            "explanation": item.background, "contact_address": item.unit.address or "",
            "contact_email": item.unit.email or "", "contact_phone": item.unit.phone or ""})
        consultation_services.publish(actor, consultation)


def seed(context) -> None:
    units, staff = context["units"], context["staff"]
    admin = context["admin"]
    with _at(datetime(2025, 1, 6, 9, 0)):
        topic_ids = {}
        for position, (name, slug) in enumerate(TOPICS, start=1):
            topic_ids[name] = services.save_topic(admin, None, {"name": name, "slug": slug,
                                                                 "position": position * 10}).id
    items: dict[tuple[str, int, str], DecisionItem] = {}
    for slug, year, code, title, topics, quarter, flags, summary, background in ITEMS:
        with _at(datetime(year, 2, 20, 10, 0)):
            items[(slug, year, code)] = services.create_item(
                staff[slug], units[slug], year,
                _data(code, title, topics, quarter, flags, summary, background, topic_ids))
    # Publication: the 2025 catalogues on time but one (区民政局 late), the 2026 ones all on time.
    for (slug, year), when in {("qingsong", 2025): datetime(2025, 3, 25, 16, 0),
                               ("qingsong-sthj", 2025): datetime(2025, 3, 28, 11, 0),
                               ("qingsong-mz", 2025): datetime(2025, 4, 8, 15, 30),
                               ("qingsong", 2026): datetime(2026, 3, 20, 16, 0),
                               ("qingsong-sthj", 2026): datetime(2026, 3, 26, 10, 0),
                               ("qingsong-mz", 2026): datetime(2026, 3, 27, 9, 30),
                               ("yingxi", 2026): datetime(2026, 3, 30, 14, 0),
                               ("songze", 2026): datetime(2026, 3, 31, 17, 0)}.items():
        catalogue = services.catalogue_of(units[slug].id, year, create=True)
        with _at(when - timedelta(days=6)):
            review.submit(staff[slug], catalogue)
        with _at(when - timedelta(days=2)):
            review.approve(admin, catalogue)
        with _at(when):
            services.publish_catalogue(staff[slug], catalogue)

    # An item added to the published 2025 catalogue, with its public reason.
    with _at(datetime(2025, 7, 15, 10, 0)):
        added = services.create_item(staff["qingsong"], units["qingsong"], 2025, {
            **_data("2025-04", "青松区防汛防台应急预案修订", ["公共安全"], 4, "el",
                    "修订防汛防台应急响应分级标准、部门职责和低洼地区人员转移安置方案。",
                    "近年来极端天气多发，原预案的响应标准和转移安置安排需要调整。", topic_ids),
            "change_reason": "根据汛期极端天气应对中发现的问题，经区政府同意，增补列入年度目录。"})

    issued = items[("qingsong", 2025, "2025-01")]
    sthj = staff["qingsong-sthj"]
    q = staff["qingsong"]
    _walk(issued, q, [(datetime(2025, 4, 10, 9, 0), "drafting", "")])
    _consult(issued, q, datetime(2025, 6, 3, 9, 0), 31,
             "第一章 总则\n第一条 为推进本区城市更新，改善人居环境，制定本计划。\n"
             "第二章 目标任务\n第二条 到2027年，完成老旧小区综合改造100万平方米，新增口袋公园30个。")
    _walk(issued, q, [(datetime(2025, 7, 8, 9, 0), "deliberating", "")])
    for when, kind, title, body in [
        (datetime(2025, 6, 3, 9, 0), "draft", "青松区城市更新三年行动计划（2025—2027年）（征求意见稿）",
         "第一章 总则\n第一条 为推进本区城市更新，改善人居环境，提升城市功能品质，制定本计划。\n"
         "第二章 目标任务\n第二条 到2027年，完成老旧小区综合改造100万平方米，新增口袋公园30个。"),
        (datetime(2025, 6, 3, 9, 0), "explanation", "关于《青松区城市更新三年行动计划》的起草说明",
         "一、起草背景\n二、起草过程：起草组开展实地调研12次，召开座谈会5场。\n三、主要内容"),
        (datetime(2025, 6, 20, 9, 0), "risk_assessment", "社会稳定风险评估报告",
         "经评估，本计划实施的社会稳定风险等级为低风险，主要风险点为征收补偿和施工扰民，已提出相应防范化解措施。"),
        (datetime(2025, 7, 1, 9, 0), "expert_opinion", "专家论证意见",
         "专家组认为，计划目标明确、措施可行，建议进一步细化资金保障和居民参与机制。"),
        (datetime(2025, 7, 5, 9, 0), "legality_review", "合法性审查意见",
         "经审查，本计划制定主体适格、程序合法，内容与上位法不相抵触。"),
    ]:
        with _at(when):
            services.add_document(q, issued, {"kind": kind, "title": title, "body": body})
    with _at(datetime(2025, 8, 12, 15, 0)):
        services.record_decision(q, issued, services.DecisionResult(
            "青松区城市更新三年行动计划（2025—2027年）", "青府发〔2025〕9号", date(2025, 8, 12),
            "区政府第68次常务会议审议通过，现予印发，请认真组织实施。"))

    sorting = items[("qingsong-sthj", 2025, "2025-01")]
    _walk(sorting, sthj, [(datetime(2025, 4, 2, 9, 0), "drafting", "")])
    _consult(sorting, sthj, datetime(2025, 5, 6, 9, 0), 31,
             "第一条 为完善本区生活垃圾分类投放、收集、运输、处置全过程体系，制定本方案。\n"
             "第二条 居住区实行定时定点投放，设置误时投放点。\n第三条 湿垃圾日产日清，可回收物预约上门回收。")
    with _at(datetime(2025, 5, 6, 9, 0)):
        services.add_document(sthj, sorting, {"kind": "draft", "title": "青松区生活垃圾分类实施方案（征求意见稿）",
                                              "body": "一、总体要求\n二、分类投放：居住区实行定时定点投放，设置误时投放点。\n"
                                                      "三、分类收运：湿垃圾日产日清，可回收物预约上门回收。"})
        services.add_document(sthj, sorting, {"kind": "interpretation", "title": "一图读懂垃圾分类实施方案",
                                              "body": "方案明确了四类垃圾的投放时间、收运频次和居民、物业、街镇的责任分工。"})

    parking = items[("qingsong", 2025, "2025-03")]
    _walk(parking, q, [(datetime(2025, 5, 12, 9, 0), "drafting", ""),
                       (datetime(2025, 10, 20, 9, 0), "postponed",
                        "停车收费标准需与全市停车价格调整政策衔接，待市级政策出台后继续推进，预计2026年第二季度完成。")])
    river = items[("qingsong-sthj", 2025, "2025-02")]
    _walk(river, sthj, [(datetime(2025, 9, 1, 9, 0), "withdrawn",
                         "该事项已纳入市级“一河一策”统一规划，由市水务部门牵头组织实施，本区不再单独作出决策，调出年度目录。")])
    care = items[("qingsong-mz", 2025, "2025-01")]
    _walk(care, staff["qingsong-mz"], [(datetime(2025, 5, 1, 9, 0), "drafting", "")])

    elevators = items[("qingsong", 2026, "2026-02")]
    _walk(elevators, q, [(datetime(2026, 4, 8, 9, 0), "drafting", "")])
    _consult(elevators, q, datetime(2026, 9, 1, 9, 0), 31,
             "第一条 为简化既有多层住宅加装电梯审批流程，制定本意见。\n"
             "第二条 加装电梯应当经本幢房屋专有部分占建筑物总面积三分之二以上的业主参与表决。\n"
             "第三条 区财政对加装电梯给予每台最高28万元补贴。")
    with _at(datetime(2026, 9, 1, 9, 0)):
        services.add_document(q, elevators, {"kind": "explanation", "title": "关于加装电梯工作实施意见的起草说明",
                                             "body": "本意见在总结2019年以来加装电梯试点经验的基础上起草，重点解决“协商难、审批繁、资金筹措难”。"})
    transit = items[("qingsong", 2026, "2026-03")]
    _walk(transit, q, [(datetime(2026, 5, 6, 9, 0), "drafting", ""),
                       (datetime(2026, 8, 3, 9, 0), "deliberating", "")])
    canteens = items[("qingsong-mz", 2026, "2026-01")]
    _walk(canteens, staff["qingsong-mz"], [(datetime(2026, 4, 20, 9, 0), "drafting", "")])
    collection = items[("qingsong-sthj", 2026, "2026-01")]
    _walk(collection, sthj, [(datetime(2026, 4, 1, 9, 0), "drafting", "")])
    db.session.flush()
    # For later features: the items worth consulting on, meeting about or reporting feedback for.
    context["decisions"] = {"elevators": elevators, "transit": transit, "collection": collection,
                            "urban_renewal": issued, "waste_sorting": sorting, "parking": parking,
                            "river": river, "canteens": canteens, "flood_plan": added}
    context["topics"] = topic_ids

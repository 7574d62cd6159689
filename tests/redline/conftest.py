"""Fixtures of the redline tests: an issued decision whose closed consultation had published
comments grouped into themes (one adopted, one partly adopted, one not adopted)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from flask_babel import force_locale

from portal.extensions import db
from portal.feedback import models as fm
from tests.factories import comment, issue

NOW = datetime(2026, 10, 9, 10, 0)

DRAFT = """为了推进生活垃圾分类，结合本区实际，制定本办法。
第一条 为了加强本区生活垃圾管理，制定本办法。
第二条 本办法适用于本区行政区域内生活垃圾的分类投放、收集、运输和处置。
第三条 区绿化市容部门是本区生活垃圾管理的主管部门。
第四条 生活垃圾分为可回收物、有害垃圾、湿垃圾和干垃圾。
第五条 单位和个人应当按照规定的时间和地点分类投放生活垃圾。禁止随意倾倒、抛撒或者堆放生活垃圾。
第六条 居住区应当设置生活垃圾分类收集容器，并保持容器完好和周边环境整洁。"""

# 第二条 reworded; 第三条 removed (so 第四条 becomes 第三条); 第五条 split in two (第四条 and 第五条
# of the issued text, the second part reworded); 第六条 unchanged; a new 第七条 added.
ISSUED = """为了推进生活垃圾分类，结合本区实际，制定本办法。
第一条 为了加强本区生活垃圾管理，制定本办法。
第二条 本办法适用于本区行政区域内生活垃圾的分类投放、收集、运输、处置及其监督管理。
第三条 生活垃圾分为可回收物、有害垃圾、湿垃圾和干垃圾。
第四条 单位和个人应当按照规定的时间和地点分类投放生活垃圾。
第五条 禁止任何单位和个人随意倾倒、抛撒或者堆放生活垃圾。
第六条 居住区应当设置生活垃圾分类收集容器，并保持容器完好和周边环境整洁。
第七条 本办法自2027年1月1日起施行。"""


@pytest.fixture
def clock_now():
    return NOW


@pytest.fixture(autouse=True)
def english(app, client):
    client.set_cookie("lang", "en")
    with force_locale("en"):
        yield client


def theme(consultation, title, disposition, comments=(), reason=""):
    obj = fm.Theme(consultation_id=consultation.id, title=title, disposition=disposition,
                   reason=reason or ("理由" if disposition in ("partly", "not_adopted") else ""))
    db.session.add(obj)
    db.session.flush()
    for c in comments:
        db.session.add(fm.ThemeAssignment(theme_id=obj.id, comment_id=c.id))
    db.session.flush()
    return obj


@pytest.fixture
def world(f):
    unit = f.unit()
    staff = f.staff(unit)
    other_staff = f.staff(f.unit())
    alice, bob = f.resident(name="张小花"), f.resident(name="李大明")
    item = f.decision(unit, status="deliberating", kind="other")
    consultation = f.consultation(item, status="closed", draft=DRAFT)
    by_number = {s.number: s for s in consultation.sections}
    c1 = comment(consultation, alice, "建议把监督管理写进适用范围。", section=by_number["第二条"])
    c2 = comment(consultation, bob, "适用范围应包括监督管理。", section=by_number["第二条"])
    c3 = comment(consultation, alice, "禁止乱倒垃圾应规定执法部门。", section=by_number["第五条"])
    c4 = comment(consultation, bob, "建议取消罚款。")
    adopted = theme(consultation, "适用范围包括监督管理", "adopted", [c1, c2])
    partly = theme(consultation, "明确乱倒垃圾的执法部门", "partly", [c3])
    refused = theme(consultation, "取消罚款", "not_adopted", [c4])
    issue(item, date(2026, 9, 30), staff)
    db.session.commit()
    return dict(unit=unit, staff=staff, other_staff=other_staff, alice=alice, bob=bob, item=item,
                consultation=consultation, sections=by_number, comments=[c1, c2, c3, c4],
                adopted=adopted, partly=partly, refused=refused)

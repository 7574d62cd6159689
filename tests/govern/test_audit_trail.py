"""A readable audit trail (issue 15.5, 全程留痕、可追溯): every action in words, objects linked,
changes as a before/after table with decoded text, filters, exports; and each decision hub's public
办理记录 without staff names or private data."""
from __future__ import annotations

import ast
import io
import pathlib
from datetime import datetime

from sqlalchemy import select

from portal.audit.labels import ACTION_LABELS
from portal.audit.models import AuditEntry
from portal.audit.services import record
from portal.catalogue import review, services
from portal.catalogue.lifecycle import change_status
from portal.consultation import services as consultation_services
from portal.extensions import db

ROOT = pathlib.Path(__file__).resolve().parents[2] / "portal"


def _recorded_actions() -> dict[str, str]:
    """Every action name a ``record(...)`` call in the code can write, with where it is written.
    Literal names, both sides of ``a if c else b``, f-strings expanded over the values the code
    gives (``comment.{action}``), and a default argument handed on as the action."""
    found: dict[str, str] = {}
    expansions = {"comment.{action}": ("comment.publish", "comment.reject")}
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defaults: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args.args[len(node.args.args) - len(node.args.defaults):]
                for arg, default in zip(args, node.args.defaults, strict=True):
                    if isinstance(default, ast.Constant) and isinstance(default.value, str):
                        defaults[arg.arg] = default.value
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and len(node.args) >= 2):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name != "record":
                continue
            where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
            for value in _values(node.args[1], defaults, expansions):
                found[value] = where
    return found


def _values(node, defaults, expansions) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _values(node.body, defaults, expansions) + _values(node.orelse, defaults, expansions)
    if isinstance(node, ast.JoinedStr):
        text = "".join(p.value if isinstance(p, ast.Constant) else "{" + ast.unparse(p.value) + "}"
                       for p in node.values)
        assert text in expansions, f"an f-string action {text!r}: list its values in the test"
        return list(expansions[text])
    if isinstance(node, ast.Name) and node.id in defaults:
        return [defaults[node.id]]
    raise AssertionError(f"an action name the test cannot read: {ast.unparse(node)}")


def test_every_action_the_code_writes_has_words():
    actions = _recorded_actions()
    assert len(actions) > 80 and "open_day.cancel" in actions and "catalogue.return" in actions
    missing = {a: where for a, where in actions.items() if a not in ACTION_LABELS}
    assert not missing, f"actions without a label in portal/audit/labels.py: {missing}"


def test_every_label_is_translated(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("zh_Hans_CN"):
        untranslated = [a for a, label in ACTION_LABELS.items() if str(label).isascii()]
    assert not untranslated


def _scene(f):
    unit = f.unit(name="青松区交通委员会", short_name="区交通委")
    staff = f.staff(unit, name="王科长")
    admin = f.admin(name="区府办李四")
    item = f.decision(unit, title="青松区停车管理办法", status="drafting")
    consultation = f.consultation(item, status="open")
    consultation_services.extend(staff, consultation, consultation.closes_at.replace(day=1).replace(
        month=consultation.closes_at.month + 1), "应市民要求延长征求意见期限")
    change_status(item, "consulting", staff)
    catalogue = services.catalogue_of(unit.id, 2026, create=True)
    review.submit(staff, catalogue)
    review.return_for_revision(admin, catalogue, "请补充承办科室")
    return unit, staff, admin, item, consultation, catalogue


def test_the_log_in_words_with_links_and_decoded_changes(client, login, f):
    unit, staff, admin, item, consultation, catalogue = _scene(f)
    db.session.commit()
    login(admin)
    client.set_cookie("lang", "zh_CN")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "延长征求意见期限" in page and "退回" in page
    assert "应市民要求延长征求意见期限" in page and "请补充承办科室" in page
    table = page[page.index('class="table table-sm audit-table"'):]
    table = table.replace('data-action="consultation.extend"', "")
    assert "\\u" not in table and "consultation.extend" not in table
    assert f'href="/staff/consultations/{consultation.id}"' in page
    assert f'href="/staff/catalogue/{unit.id}/2026"' in page
    assert "<del>" in page and "<ins>" in page
    assert "<ins>已退回修改</ins>" in page and "<del>已报送区府办</del>" in page  # statuses in words
    assert "王科长" in page


def test_filters_by_unit_actor_object_action_and_date(client, login, f, app):
    unit, staff, admin, item, consultation, catalogue = _scene(f)
    other = f.unit()
    app.config["CLOCK_NOW"] = datetime(2026, 6, 1, 9, 0)
    record(f.staff(other), "decision.update", f.decision(other), before={"title": "旧"}, after={"title": "新"})
    db.session.commit()
    login(admin)

    def actions(query):
        response = client.get("/admin/audit?" + query)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        return [line.split('"')[1] for line in text.split('data-action=')[1:]]

    assert set(actions(f"unit_id={other.id}")) == {"decision.update"}
    assert set(actions("actor=王科长")) == {"consultation.extend", "decision.status", "catalogue.submit"}
    assert set(actions(f"object_type=consultation&object_id={consultation.id}")) == {"consultation.extend"}
    assert set(actions("action=catalogue.")) == {"catalogue.submit", "catalogue.return"}
    assert actions("since=2026-06-01") == ["decision.update"]
    assert "decision.update" not in actions("until=2026-05-31")
    for hostile in ("unit_id=9" * 30, "actor=%25_%25", "object_id=-1", "since=9999-99-99", "until=%00",
                    "page=99999999999999999999", "action=%27%20OR%201=1", "object_type=" + "x" * 500):
        assert client.get("/admin/audit?" + hostile).status_code in (200, 400), hostile


def test_exports_are_in_words_streamed_and_not_stored(client, login, f):
    _scene(f)
    db.session.commit()
    login(f.admin())
    db.session.commit()
    client.set_cookie("lang", "zh_CN")
    response = client.get("/admin/audit/export.csv?action=consultation.")
    assert response.status_code == 200 and response.is_streamed
    assert "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and "延长征求意见期限" in text and "应市民要求延长征求意见期限" in text
    assert "catalogue.submit" not in text
    response = client.get("/admin/audit/export.xlsx")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.get_data())).active
    cells = {c for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert "退回目录修改" in cells or any("退回" in str(c) for c in cells)
    assert any("请补充承办科室" in str(c) for c in cells)


def test_only_admins_read_the_log(client, login, f):
    _scene(f)
    staff = f.staff(f.unit())
    db.session.commit()
    login(staff)
    for url in ("/admin/audit", "/admin/audit/export.csv", "/admin/audit/export.xlsx"):
        assert client.get(url).status_code == 403


def test_the_hub_record_lists_public_events_without_names(client, login, f, app):
    unit = f.unit()
    staff = f.staff(unit, name="王科长")
    item = services.create_item(staff, unit, 2026, {"code": "2026-01", "kind": "other", "title": "青松区停车管理办法"})
    change_status(item, "drafting", staff)
    consultation = f.consultation(item, status="draft", opens_at=datetime(2026, 5, 10, 10, 0),
                                  closes_at=datetime(2026, 6, 10, 17, 0))
    consultation_services.publish(staff, consultation)
    consultation_services.extend(staff, consultation, datetime(2026, 6, 20, 17, 0), "应市民要求延长征求意见期限")
    services.add_document(staff, item, {"kind": "explanation", "title": "起草说明", "body": "说明"})
    services.update_item(staff, item, {"code": "2026-01", "kind": "other", "title": "青松区停车管理办法",
                                       "summary": "内部修改"})
    db.session.commit()
    client.set_cookie("lang", "zh_CN")
    page = client.get(f"/decisions/{item.id}").get_data(as_text=True)
    record = page[page.index('id="public-record"'):]
    assert "延长征求意见期限" in record and "应市民要求延长征求意见期限" in record
    assert "起草说明" in record and consultation.title in record
    assert f'href="/consultations/{consultation.id}"' in record
    assert "王科长" not in page and "staff" not in record
    assert "内部修改" not in record  # editing is not a public event
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "decision.update")) is not None

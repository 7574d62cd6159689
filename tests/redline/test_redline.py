"""The redline through its services and routes: recording the issued text (pasted, .docx, with the
decision), matching and corrections, themes and flags, public pages, the commenter's thread, API."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.catalogue.services import DecisionResult, record_decision
from portal.extensions import db
from portal.feedback import report as feedback_svc
from portal.redline import services as svc
from portal.redline.models import ArticleMatch, FinalText
from tests.redline.conftest import ISSUED


def _row(final, number=None, kind=None):
    for row in svc.rows_of(final):
        numbers = [r["number"] for r in row["final"]] or [r["number"] for r in row["draft"]]
        if (number is None or number in numbers) and (kind is None or row["kind"] == kind):
            return row
    raise AssertionError(f"no row {number} {kind}")


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def _save(world, text=ISSUED):
    final = svc.save_final_text(world["staff"], world["item"], text)
    db.session.commit()
    return final


def _publish(world):
    feedback_svc.publish_report(world["staff"], world["item"])
    db.session.commit()


# --- recording the issued text -------------------------------------------------------------------

def test_staff_paste_issued_text_it_is_split_and_matched(world, client, login):
    login(world["staff"])
    response = client.post(f"/staff/redline/decisions/{world['item'].id}", data={"text": ISSUED})
    assert response.status_code == 302
    final = svc.final_text_of(world["item"])
    assert [a.number for a in final.articles] == ["", "第一条", "第二条", "第三条", "第四条", "第五条", "第六条", "第七条"]
    assert final.diff["counts"]["split"] == 1 and final.diff["counts"]["removed"] == 1
    assert _audit("redline.final_text")[-1].after["articles"] == 7
    page = client.get(f"/staff/redline/decisions/{world['item'].id}")
    assert page.status_code == 200 and "第三条" in page.text


def test_text_without_articles_is_refused_and_kept(world, client, login):
    login(world["staff"])
    response = client.post(f"/staff/redline/decisions/{world['item'].id}", data={"text": "本办法全文见附件。"})
    assert response.status_code == 422
    assert "No article" in response.text and "本办法全文见附件。" in response.text
    assert svc.final_text_of(world["item"]) is None


def test_not_issued_decision_is_refused(world, f, client, login):
    item = f.decision(world["unit"], status="deliberating", kind="other")
    db.session.commit()
    login(world["staff"])
    response = client.post(f"/staff/redline/decisions/{item.id}", data={"text": ISSUED})
    assert response.status_code == 422 and "once the decision is recorded" in response.text


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_upload_docx(world, client, login):
    login(world["staff"])
    response = client.post(f"/staff/redline/decisions/{world['item'].id}",
                           data={"text": "", "file": (io.BytesIO(_docx(ISSUED)), "正式文本.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    final = svc.final_text_of(world["item"])
    assert final.source == "docx" and final.diff["counts"]["added"] == 1


def test_upload_of_another_kind_is_refused(world, client, login):
    login(world["staff"])
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    response = client.post(f"/staff/redline/decisions/{world['item'].id}",
                           data={"text": "", "file": (io.BytesIO(pdf), "text.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422 and ".docx" in response.text
    assert svc.final_text_of(world["item"]) is None


def test_zipfile_reader_reads_the_same_paragraphs():
    assert svc._docx_with_zipfile(_docx("第一条 甲。\n第二条 乙。")) == ["第一条 甲。", "第二条 乙。"]


def test_recording_the_decision_with_its_text_compares_it(f, app):
    from tests.redline.conftest import DRAFT

    unit = f.unit()
    staff = f.staff(unit)
    item = f.decision(unit, status="deliberating", kind="other")
    f.consultation(item, status="closed", draft=DRAFT)
    record_decision(staff, item, DecisionResult("关于印发办法的通知", "青府发〔2026〕9号", date(2026, 10, 8), ISSUED))
    final = svc.final_text_of(item)
    assert final is not None and final.source == "decision" and final.diff["counts"]["split"] == 1
    # A decision whose text has no articles is left alone.
    other = f.decision(unit, status="deliberating", kind="other")
    f.consultation(other, status="closed", draft=DRAFT)
    record_decision(staff, other, DecisionResult("通知", "青府发〔2026〕10号", date(2026, 10, 8), "全文略。"))
    assert svc.final_text_of(other) is None


# --- matching and corrections ---------------------------------------------------------------------

def test_split_article_and_renumbering_on_the_public_page(world, client):
    _save(world)
    page = client.get(f"/decisions/{world['item'].id}/changes")
    assert page.status_code == 200
    text = page.text
    assert "第五条 <span aria-hidden=\"true\">→</span><span class=\"visually-hidden\">became</span> 第四条、第五条" in text
    assert "第四条 <span aria-hidden=\"true\">→</span><span class=\"visually-hidden\">became</span> 第三条" in text
    assert "<ins><span class=\"visually-hidden\">[inserted]</span>" in text
    assert "<del><span class=\"visually-hidden\">[deleted]</span>" in text


def test_staff_correct_a_match_and_reset(world, client, login):
    final = _save(world)
    added = next(a for a in final.articles if a.number == "第七条")
    removed = world["sections"]["第三条"]
    login(world["staff"])
    response = client.post(f"/staff/redline/decisions/{world['item'].id}/match",
                           data={"article_id": added.id, "section_ids": [removed.id]})
    assert response.status_code == 302
    db.session.expire_all()
    final = svc.final_text_of(world["item"])
    row = _row(final, "第七条")
    assert row["kind"] == "changed" and row["draft"][0]["id"] == removed.id
    assert final.diff["counts"]["removed"] == 0
    entry = _audit("redline.match")[-1]
    assert entry.before["sections"] == [] and entry.after["sections"] == [removed.id]
    assert db.session.scalar(select(ArticleMatch).where(ArticleMatch.final_article_id == added.id)).manual
    # The correction survives another automatic pass, until staff reset it.
    svc.rebuild(final)
    assert _row(final, "第七条")["kind"] == "changed"
    client.post(f"/staff/redline/decisions/{world['item'].id}/reset", data={})
    db.session.expire_all()
    assert _row(svc.final_text_of(world["item"]), "第七条")["kind"] == "added"
    assert _audit("redline.match_reset")


def test_correction_with_a_section_of_another_draft_is_refused(world, f, client, login):
    final = _save(world)
    foreign = f.consultation(f.decision(world["unit"], status="drafting")).sections[1]
    db.session.commit()
    article = final.articles[1]
    login(world["staff"])
    response = client.post(f"/staff/redline/decisions/{world['item'].id}/match",
                           data={"article_id": article.id, "section_ids": [foreign.id]})
    assert response.status_code == 422 and "articles of the consulted draft" in response.text


def test_staff_of_another_unit_get_403(world, client, login):
    _save(world)
    login(world["other_staff"])
    base = f"/staff/redline/decisions/{world['item'].id}"
    assert client.get(base).status_code == 403
    assert client.post(base, data={"text": ISSUED}).status_code == 403
    assert client.post(base + "/match", data={}).status_code == 403
    assert client.post(base + "/themes", data={}).status_code == 403
    assert client.post(base + "/explain", data={}).status_code == 403
    assert client.post(base + "/reset", data={}).status_code == 403


# --- themes, flags, explanations ------------------------------------------------------------------

def test_flags_until_themes_are_tied_or_explained(world, client, login):
    final = _save(world)
    view = svc.redline(world["item"], final, public=False)
    flagged = {(flag.kind, flag.label) for flag in view.flags}
    # both adopted themes, and every change (changed, removed, split, added) without a theme
    assert ("theme", "适用范围包括监督管理") in flagged and ("theme", "明确乱倒垃圾的执法部门") in flagged
    assert ("theme", "取消罚款") not in flagged
    assert {label for kind, label in flagged if kind == "change"} == {"第二条", "第三条", "第五条 → 第四条、第五条", "第七条"}

    login(world["staff"])
    changed = _row(final, "第二条", "changed")
    client.post(f"/staff/redline/decisions/{world['item'].id}/themes",
                data={"key": changed["key"], "theme_ids": [world["adopted"].id]})
    split = _row(final, kind="split")
    client.post(f"/staff/redline/decisions/{world['item'].id}/themes",
                data={"key": split["key"], "theme_ids": [world["partly"].id]})
    db.session.expire_all()
    final = svc.final_text_of(world["item"])
    view = svc.redline(world["item"], final, public=False)
    assert {flag.label for flag in view.flags} == {"第三条", "第七条"}
    assert _audit("redline.themes")[-1].after == {"change": split["key"], "themes": [world["partly"].id]}

    # A theme not adopted cannot be tied to a change.
    response = client.post(f"/staff/redline/decisions/{world['item'].id}/themes",
                           data={"key": changed["key"], "theme_ids": [world["refused"].id]})
    assert response.status_code == 302
    db.session.expire_all()
    assert svc.themes_by_row(final, svc.links_of(final))[changed["key"]] == [world["adopted"].id]

    added = _row(final, "第七条")
    client.post(f"/staff/redline/decisions/{world['item'].id}/explain",
                data={"key": added["key"], "explanation": "根据审议意见增加施行日期。"})
    db.session.expire_all()
    final = svc.final_text_of(world["item"])
    flags = svc.redline(world["item"], final, public=False).flags
    assert [f.explained for f in flags if f.label == "第七条"] == [True]
    assert [f.explained for f in flags if f.label == "第三条"] == [False]
    page = client.get(f"/staff/redline/decisions/{world['item'].id}")
    assert "Article changed, but no adopted theme is tied to it" in page.text


def test_public_page_shows_themes_and_explanations_once_the_report_is_published(world, client):
    final = _save(world)
    changed = _row(final, "第二条", "changed")
    svc.link_themes(world["staff"], final, changed["key"], [world["adopted"].id])
    svc.explain(world["staff"], final, f"theme-{world['partly'].id}", "在实施细则中采纳")
    db.session.commit()
    before = client.get(f"/decisions/{world['item'].id}/changes").text
    assert "适用范围包括监督管理" not in before and "在实施细则中采纳" not in before
    _publish(world)
    page = client.get(f"/decisions/{world['item'].id}/changes").text
    assert "适用范围包括监督管理" in page and "2 comments" in page
    assert "在实施细则中采纳" in page
    # the feedback report links to the comparison
    report = client.get(f"/feedback/{world['item'].id}").text
    assert f"/decisions/{world['item'].id}/changes" in report


def test_relinking_survives_recording_the_text_again(world):
    final = _save(world)
    changed = _row(final, "第二条", "changed")
    svc.link_themes(world["staff"], final, changed["key"], [world["adopted"].id])
    final = svc.save_final_text(world["staff"], world["item"], ISSUED.replace("及其监督管理", "和监督管理"))
    changed = _row(final, "第二条", "changed")
    assert svc.themes_by_row(final, svc.links_of(final))[changed["key"]] == [world["adopted"].id]


# --- the commenter's thread, /me, notification ---------------------------------------------------

def test_commenter_follows_the_notification_to_their_thread(world, client, login):
    final = _save(world)
    svc.link_themes(world["staff"], final, _row(final, "第二条", "changed")["key"], [world["adopted"].id])
    db.session.commit()
    _publish(world)
    from portal.notifications.models import InboxMessage

    message = db.session.scalar(select(InboxMessage).where(InboxMessage.account_id == world["alice"].id))
    assert message.link.startswith(f"/decisions/{world['item'].id}/changes/mine")
    login(world["alice"])
    page = client.get(message.link)
    assert page.status_code == 200
    text = page.text
    assert "建议把监督管理写进适用范围。" in text and "禁止乱倒垃圾应规定执法部门。" in text
    assert "适用范围包括监督管理" in text and "Adopted" in text and "Partly adopted" in text
    assert "处置<ins>及其监督管理</ins>" in text.replace('<span class="visually-hidden">[inserted]</span>', "")
    assert "适用范围应包括监督管理" not in text  # bob's comment is not alice's
    me = client.get("/me").text
    assert f"/decisions/{world['item'].id}/changes/mine" in me


def test_thread_needs_login(world, client):
    _save(world)
    response = client.get(f"/decisions/{world['item'].id}/changes/mine")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_public_page_404_without_issued_text(world, client):
    assert client.get(f"/decisions/{world['item'].id}/changes").status_code == 404
    assert client.get(f"/api/v1/decisions/{world['item'].id}/changes").status_code == 404


# --- API -----------------------------------------------------------------------------------------

def test_api_changes(world, client):
    final = _save(world)
    changed = _row(final, "第二条", "changed")
    svc.link_themes(world["staff"], final, changed["key"], [world["adopted"].id])
    db.session.commit()
    data = client.get(f"/api/v1/decisions/{world['item'].id}/changes").json
    assert data["report_published"] is False
    by_key = {c["key"]: c for c in data["changes"]}
    assert by_key[changed["key"]]["theme_ids"] == []  # themes are public with the report
    _publish(world)
    data = client.get(f"/api/v1/decisions/{world['item'].id}/changes").json
    by_key = {c["key"]: c for c in data["changes"]}
    assert by_key[changed["key"]]["kind"] == "changed"
    assert by_key[changed["key"]]["theme_ids"] == [world["adopted"].id]
    split = next(c for c in data["changes"] if c["kind"] == "split")
    assert [a["number"] for a in split["final"]] == ["第四条", "第五条"]
    assert split["final"][0]["text"] == "单位和个人应当按照规定的时间和地点分类投放生活垃圾。"
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/decisions/{decision_id}/changes" in spec["paths"] or "/decisions/{decision_id}/changes" in spec["paths"]


# --- the hub ------------------------------------------------------------------------------------

def test_hub_links_to_the_comparison(world, client):
    _save(world)
    page = client.get(f"/decisions/{world['item'].id}").text
    assert f"/decisions/{world['item'].id}/changes" in page


@pytest.mark.parametrize("kind", ["unchanged", "changed"])
def test_cached_diff_is_stored(world, kind):
    final = _save(world)
    stored = db.session.get(FinalText, final.id).diff
    assert any(row["kind"] == kind for row in stored["rows"])


def test_feedback_workspace_counts_what_to_check(world, client, login):
    final = _save(world)
    login(world["staff"])
    url = f"/staff/feedback/decisions/{world['item'].id}"
    assert "6 to check" in client.get(url).text  # two adopted themes, four changes
    svc.link_themes(world["staff"], final, _row(final, "第二条", "changed")["key"], [world["adopted"].id])
    svc.explain(world["staff"], final, _row(final, "第七条")["key"], "根据审议意见增加。")
    db.session.commit()
    assert "3 to check" in client.get(url).text

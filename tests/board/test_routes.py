"""The board through the test client: asking (form kept on refusal, receipt), the staff pages
(access per unit, mark simple, reply, sign-off, publish), the resident's rating, the public board,
the policy hub, the API, the feed and the compliance dashboard."""
from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy import select

from portal.board import publication
from portal.board import services as svc
from portal.board.models import BoardMessage
from portal.extensions import db

from .conftest import ask
from .test_services import PDF, answer


def _form(world, **extra):
    data = {"decision_id": str(world["policy"].id), "kind": "question", "title": "加装电梯补贴如何申请",
            "text": "请问补贴标准是什么？", "may_publish": "y", "consent": "y"}
    data.update(extra)
    return data


def test_ask_on_a_policy_gives_a_receipt(world, client, login):
    db.session.commit()
    login(world["resident"])
    page = client.get(f"/board/ask?policy={world['policy'].id}")
    assert page.status_code == 200 and world["policy"].title in page.text
    response = client.post(f"/board/ask?policy={world['policy'].id}", data=_form(world))
    assert response.status_code == 302 and "/board/receipts/LY-2026-" in response.location
    receipt = client.get(response.location)
    assert "2026-10-19" in receipt.text


def test_a_refused_message_keeps_what_was_typed(world, client, login):
    db.session.commit()
    login(world["resident"])
    response = client.post(f"/board/ask?policy={world['policy'].id}", data=_form(world, consent=""))
    assert response.status_code == 422
    assert "请问补贴标准是什么？" in response.text and "加装电梯补贴如何申请" in response.text
    assert db.session.scalar(select(BoardMessage.id)) is None


def test_attachment_of_the_wrong_content_is_refused_on_the_form(world, client, login, app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    db.session.commit()
    login(world["resident"])
    bad = client.post(f"/board/ask?policy={world['policy'].id}", content_type="multipart/form-data",
                      data={**_form(world), "attachment": (io.BytesIO(b"not a pdf"), "scan.pdf")})
    assert bad.status_code == 422 and "attachment-error" in bad.text
    good = client.post(f"/board/ask?policy={world['policy'].id}", content_type="multipart/form-data",
                       data={**_form(world), "attachment": (io.BytesIO(PDF), "scan.pdf")})
    assert good.status_code == 302


def test_unverified_residents_are_sent_to_verify(world, client, login, f):
    account = f.resident(verified=False)
    db.session.commit()
    login(account)
    response = client.post(f"/board/ask?policy={world['policy'].id}", data=_form(world))
    assert response.status_code == 302 and "/auth/verify" in response.location


def test_the_general_board_form_needs_a_unit(world, client, login):
    db.session.commit()
    login(world["resident"])
    data = _form(world)
    del data["decision_id"]
    response = client.post("/board/ask", data=data)
    assert response.status_code == 422 and "unit_id-error" in response.text
    response = client.post("/board/ask", data={**data, "unit_id": str(world["other"].id)})
    assert response.status_code == 302


def test_staff_journey_simple_reply_signoff_publish(world, client, login):
    message = ask(world)
    db.session.commit()
    assert login(world["other_staff"]) and client.get(f"/staff/board/{message.id}").status_code == 403
    login(world["staff"])
    inbox = client.get("/staff/board")
    assert message.title in inbox.text and 'data-deadline="due"' in inbox.text
    assert client.post(f"/staff/board/{message.id}/simple").status_code == 302
    assert client.post(f"/staff/board/{message.id}/reply", data={"text": "补贴标准见第五条。"}).status_code == 302
    refused = client.post(f"/staff/board/{message.id}/sign", follow_redirects=True)
    assert "another member of staff" in refused.text
    login(world["staff2"])
    assert client.post(f"/staff/board/{message.id}/sign").status_code == 302
    assert client.post(f"/staff/board/{message.id}/publish").status_code == 302
    db.session.expire_all()
    message = db.session.get(BoardMessage, message.id)
    assert message.simple and message.due_on.isoformat() == "2026-10-13" and message.is_published
    public = client.get("/board")
    assert "加装电梯补贴如何申请" in public.text and 'data-field="answered_at"' in public.text
    hub = client.get(f"/decisions/{world['policy'].id}")
    assert "补贴标准见第五条。" in hub.text


def test_transfer_only_by_admins(world, client, login):
    message = ask(world)
    db.session.commit()
    login(world["staff"])
    assert client.post(f"/staff/board/{message.id}/transfer", data={"unit_id": world["other"].id,
                                                                     "reason": "职责"}).status_code == 403
    login(world["admin"])
    missing = client.post(f"/staff/board/{message.id}/transfer", data={"unit_id": world["other"].id, "reason": ""})
    assert missing.status_code == 422
    assert client.post(f"/staff/board/{message.id}/transfer", data={"unit_id": world["other"].id,
                                                                     "reason": "职责调整"}).status_code == 302
    page = client.get(f"/staff/board/{message.id}")
    assert "职责调整" in page.text


def test_resident_rates_and_follows_up(world, client, login):
    message = ask(world)
    answer(world, message)
    db.session.commit()
    login(world["resident"])
    page = client.get(f"/me/messages/{message.id}")
    assert "补贴标准见实施意见第五条" in page.text
    assert client.post(f"/me/messages/{message.id}/rate", data={"rating": "fairly"}).status_code == 302
    assert client.post(f"/me/messages/{message.id}/rate", data={"rating": "satisfied"}).status_code == 422
    assert client.post(f"/me/messages/{message.id}/follow-up", data={"text": "在哪里领表？"}).status_code == 302
    login(world["other_staff"])
    assert client.get(f"/me/messages/{message.id}").status_code == 404


def test_unpublished_messages_are_not_public(world, client):
    message = ask(world)
    answer(world, message)
    db.session.commit()
    assert client.get(f"/board/{message.id}").status_code == 404
    assert client.get(f"/api/v1/messages/{message.id}").status_code == 404
    assert client.get("/api/v1/messages").json["total"] == 0


def test_api_and_feed_have_published_messages_without_personal_data(world, client):
    message = ask(world, text="我的电话是 13812345678，请问补贴？")
    answer(world, message)
    publication.publish(world["staff"], message)
    db.session.commit()
    body = client.get("/api/v1/messages?q=补贴").json
    assert body["total"] == 1
    item = body["items"][0]
    assert {"received_at", "answered_at", "unit", "reply", "rating"} <= set(item)
    text = str(body)
    assert "13812345678" not in text and world["resident"].name not in text and "author" not in item
    assert client.get("/api/v1/messages?kind=bad").status_code == 400
    spec = client.get("/api/v1/openapi.json").json
    assert "/messages" in spec["paths"] and "Message" in spec["components"]["schemas"]
    feed = client.get("/board/feed.atom")
    assert feed.status_code == 200 and "加装电梯补贴如何申请" in feed.text


def test_evaluation_window_on_the_hub(world, client, login):
    db.session.commit()
    login(world["resident"])
    assert client.post(f"/board/policies/{world['policy'].id}/evaluate", data={"score": "9"}).status_code == 422
    assert client.post(f"/board/policies/{world['policy'].id}/evaluate",
                       data={"score": "4", "suggestion": "建议简化申请材料"}).status_code == 302
    hub = client.get(f"/decisions/{world['policy'].id}")
    assert "1 evaluations, average 4.0 of 5" in hub.text
    login(world["staff"])
    assert "建议简化申请材料" in client.get("/staff/board?view=suggestions").text


def test_dashboard_and_yearly_report_show_the_board(world, client, login, app):
    message = ask(world)
    answer(world, message)
    late = ask(world, title="迟复")
    app.config["CLOCK_NOW"] = datetime(2026, 10, 20, 9, 0)
    answer(world, late)
    db.session.commit()
    login(world["admin"])
    page = client.get("/admin/compliance?year=2026")
    row = page.text.split(f'id="board-unit-{world["unit"].slug}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-board="on-time-rate">50%' in row and 'data-board="reply-rate">100%' in row
    report = client.get(f"/admin/compliance/{world['unit'].slug}/2026")
    assert report.status_code == 200 and 'id="board-heading"' in report.text


def test_approvers_page(world, client, login):
    db.session.commit()
    login(world["admin"])
    assert client.get("/admin/board/approvers").status_code == 200
    response = client.post(f"/admin/board/approvers?unit={world['unit'].id}",
                           data={f"u{world['unit'].id}-account_id": str(world["staff2"].id)})
    assert response.status_code == 302
    assert svc.approver_of(world["unit"].id).id == world["staff2"].id

"""Staff tools that finish the job (issue 18, point 5)."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.consultation import services as svc
from portal.consultation.models import OfflineOpinion, OfflineOpinionItem
from portal.errors import RuleViolation
from portal.extensions import db
from portal.feedback.models import AdoptionReport, Theme, ThemeAssignment

LETTER = {"channel": "letter", "held_on": date(2027, 3, 20), "participants": 3,
          "summary": "居民来信三封。", "items": "第五条：建议增加投放点\n总体赞成\n建议延长时间"}


@pytest.fixture
def offline(f):
    unit = f.unit()
    staff = f.staff(unit)
    consultation = f.consultation(f.decision(unit, status="consulting"), status="closed")
    opinion = svc.record_offline(staff, consultation, LETTER)
    theme = Theme(consultation_id=consultation.id, title="投放点")
    db.session.add(theme)
    db.session.flush()
    kept = opinion.items[0]
    db.session.add_all([ThemeAssignment(theme_id=theme.id, offline_item_id=i.id) for i in opinion.items])
    db.session.commit()
    return {"staff": staff, "consultation": consultation, "opinion": opinion, "theme": theme, "kept": kept}


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_editing_keeps_unchanged_lines_and_their_theme_and_is_audited(offline):
    opinion, kept = offline["opinion"], offline["kept"]
    svc.update_offline(offline["staff"], opinion, {**LETTER, "participants": 4,
                                                   "items": "第五条：建议增加投放点\n建议延长投放时间"})
    db.session.commit()
    texts = [(i.id == kept.id, i.text) for i in opinion.items]
    assert texts == [(True, "建议增加投放点"), (False, "建议延长投放时间")]
    assigned = set(db.session.scalars(select(ThemeAssignment.offline_item_id)))
    assert assigned == {kept.id}  # the removed and changed lines left the theme
    entry = _audit("consultation.offline_update")[-1]
    assert entry.before["participants"] == 3 and entry.after["participants"] == 4
    assert "总体赞成" in entry.before["items"] and "总体赞成" not in entry.after["items"]


def test_bad_input_on_edit_is_refused_on_the_form_and_nothing_changes(client, login, offline):
    opinion = offline["opinion"]
    login(offline["staff"])
    url = f"/staff/consultations/{offline['consultation'].id}/offline/{opinion.id}/edit"
    form = client.get(url).text
    assert "第五条：建议增加投放点" in form and "居民来信三封。" in form
    response = client.post(url, data={"channel": "letter", "held_on": "2027-03-20", "participants": 5,
                                      "summary": "", "items": "新意见"})
    assert response.status_code == 422 and "新意见" in response.text
    db.session.expire_all()
    assert db.session.get(OfflineOpinion, opinion.id).participants == 3


def test_deleting_asks_first_then_deletes_with_an_audit_entry(client, login, offline):
    opinion, consultation = offline["opinion"], offline["consultation"]
    login(offline["staff"])
    url = f"/staff/consultations/{consultation.id}/offline/{opinion.id}/delete"
    assert "3" in client.get(url).text and db.session.get(OfflineOpinion, opinion.id) is not None
    assert client.post(url).status_code == 302
    db.session.expire_all()
    assert db.session.get(OfflineOpinion, opinion.id) is None
    assert db.session.scalar(select(OfflineOpinionItem.id)) is None
    assert db.session.scalar(select(ThemeAssignment.id)) is None
    assert _audit("consultation.offline_delete")[-1].before["summary"] == "居民来信三封。"


def test_a_draft_report_still_allows_changes_a_published_one_does_not(client, login, offline):
    opinion, consultation = offline["opinion"], offline["consultation"]
    report = AdoptionReport(decision_id=consultation.decision_id, summary="草稿")
    db.session.add(report)
    db.session.commit()
    svc.update_offline(offline["staff"], opinion, {**LETTER, "participants": 5})
    report.published_at = datetime(2027, 4, 1, 9, 0)
    db.session.commit()
    with pytest.raises(RuleViolation):
        svc.update_offline(offline["staff"], opinion, {**LETTER, "participants": 6})
    with pytest.raises(RuleViolation):
        svc.delete_offline(offline["staff"], opinion)
    db.session.rollback()
    login(offline["staff"])
    page = client.get(f"/staff/consultations/{consultation.id}/offline").text
    assert f"/offline/{opinion.id}/edit" not in page and f"/offline/{opinion.id}/delete" not in page
    assert client.post(f"/staff/consultations/{consultation.id}/offline/{opinion.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(OfflineOpinion, opinion.id).participants == 5


def test_another_units_staff_cannot_touch_the_record(client, login, f, offline):
    opinion, consultation = offline["opinion"], offline["consultation"]
    login(f.staff(f.unit()))
    assert client.post(f"/staff/consultations/{consultation.id}/offline/{opinion.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(OfflineOpinion, opinion.id) is not None


def test_the_staff_list_shows_the_waiting_position_the_resident_sees(app, client, login, f):
    from portal.open_days import services as open_days

    app.config["CLOCK_NOW"] = datetime(2026, 7, 20, 10, 0)
    activity = f.open_activity(slots=[(datetime(2026, 8, 10, 9, 30), datetime(2026, 8, 10, 11, 0), 1)])
    slot = activity.slots[0]
    people = [f.resident() for _ in range(3)]
    regs = [open_days.register(slot, p, {"name": f"王{i}", "mobile": f"1390000000{i}", "id_last4": "123X",
                                         "needs": ""}) for i, p in enumerate(people)]
    open_days.cancel(regs[1], people[1])  # the first person waiting leaves: the second moves up
    db.session.commit()
    login(people[2])
    assert "您在候补名单中排第1位" in client.get(f"/me/open-days/{regs[2].id}").text
    login(f.staff(activity.unit))
    row = client.get(f"/staff/open-days/slots/{slot.id}").text.split("王2", 1)[1].split("</tr>", 1)[0]
    assert "第1位" in row and "第2位" not in row


@pytest.fixture
def queue(f):
    unit = f.unit()
    staff = f.staff(unit)
    consultation = f.consultation(f.decision(unit, status="consulting"), status="open")
    comments = [svc.submit_comment(consultation, f.resident(), {"text": f"第{i}条意见：建议延长时间", "consent": True})
                for i in range(3)]
    db.session.commit()
    return {"staff": staff, "consultation": consultation, "comments": comments}


def test_a_rejected_comment_can_be_reopened_with_an_audit_entry(client, login, queue):
    from portal.consultation.models import Comment

    staff, consultation, comment = queue["staff"], queue["consultation"], queue["comments"][0]
    svc.moderate(staff, consultation, [comment.id], "reject", "off_topic")
    db.session.commit()
    assert consultation.pending_count == 2
    login(staff)
    page = client.get(f"/staff/consultations/{consultation.id}/moderation?status=rejected").text
    assert f"/comments/{comment.id}/reopen" in page
    assert client.post(f"/staff/consultations/{consultation.id}/comments/{comment.id}/reopen").status_code == 302
    db.session.expire_all()
    reopened = db.session.get(Comment, comment.id)
    assert reopened.status == "pending" and reopened.rejection_reason is None
    assert db.session.get(type(consultation), consultation.id).pending_count == 3
    assert _audit("comment.reopen")[-1].before["rejection_reason"] == "off_topic"
    # A pending comment cannot be "re-opened": nothing counted twice.
    client.post(f"/staff/consultations/{consultation.id}/comments/{comment.id}/reopen")
    db.session.expire_all()
    assert db.session.get(type(consultation), consultation.id).pending_count == 3
    # Once the feedback report is published, moderation is final.
    svc.moderate(staff, consultation, [comment.id], "reject", "off_topic")
    db.session.add(AdoptionReport(decision_id=consultation.decision_id, published_at=datetime(2027, 4, 1)))
    db.session.commit()
    with pytest.raises(RuleViolation):
        svc.reopen_comment(staff, db.session.get(Comment, comment.id))


def test_a_bulk_action_states_the_count_and_asks_first(client, login, queue):
    from portal.consultation.models import Comment

    staff, consultation, comments = queue["staff"], queue["consultation"], queue["comments"]
    login(staff)
    url = f"/staff/consultations/{consultation.id}/moderation"
    data = {"comment_ids": [c.id for c in comments], "action": "publish"}
    asked = client.post(url, data=data)
    assert asked.status_code == 200 and "公开3条意见" in asked.text and 'name="confirmed"' in asked.text
    db.session.expire_all()
    assert {db.session.get(Comment, c.id).status for c in comments} == {"pending"}
    assert client.post(url, data={**data, "confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert {db.session.get(Comment, c.id).status for c in comments} == {"published"}

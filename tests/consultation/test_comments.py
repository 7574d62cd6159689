import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.consultation import services as svc
from portal.consultation.models import Campaign, Comment, CommentBand
from portal.database import commit
from portal.errors import RuleViolation, UserInputError
from portal.extensions import db
from portal.notifications.models import InboxMessage

from .conftest import section_by_number
from .test_text import NEAR


def _post(client, consultation, **data):
    form = {"section_id": 0, "text": "建议增加夜间投放点。", "respondent_type": "citizen", "show_as": "masked",
            "consent": "y"}
    form.update(data)
    return client.post(f"/consultations/{consultation.id}/comments", data=form)


def test_resident_comments_on_article_five_then_staff_publishes(app, client, login, setup):
    consultation, resident, staff = setup["consultation"], setup["resident"], setup["staff"]
    article = section_by_number(consultation, "第五条")
    commit()
    login(resident)
    page = client.get(f"/consultations/{consultation.id}?section={article.id}")
    assert page.status_code == 200
    assert f'selected value="{article.id}"' in page.get_data(as_text=True)

    response = _post(client, consultation, section_id=article.id, text="第一行意见\n第二行 <b>不是HTML</b>")
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r'id="tracking-number">(ZJ-2026-\d{6})<', receipt).group(1)
    comment = db.session.scalar(select(Comment).where(Comment.tracking_number == number))
    assert comment.section_id == article.id and comment.status == "pending"
    assert comment.text == "第一行意见\n第二行 <b>不是HTML</b>"

    me = client.get("/me").get_data(as_text=True)
    assert number in me and "Awaiting review" in me
    public = client.get(f"/consultations/{consultation.id}/comments?section={article.id}").get_data(as_text=True)
    assert "第一行意见" not in public  # 先审查、后公开

    login(staff)
    queue = client.get(f"/staff/consultations/{consultation.id}/moderation").get_data(as_text=True)
    assert number in queue
    response = client.post(f"/staff/consultations/{consultation.id}/moderation",
                           data={"comment_ids": [comment.id], "action": "publish"})
    assert response.status_code == 302

    public = client.get(f"/consultations/{consultation.id}/comments?section={article.id}").get_data(as_text=True)
    assert "第一行意见" in public and "张**" in public and "张三丰" not in public
    assert "&lt;b&gt;不是HTML&lt;/b&gt;" in public and "text-prewrap" in public
    assert resident.email not in public
    db.session.expire_all()
    assert article.comment_count == 1 and consultation.comment_count == 1 and consultation.pending_count == 0
    detail = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert f'id="s{article.id}"' in detail


def test_refused_comments_keep_the_typed_text(app, client, login, setup, make_app):
    consultation, resident = setup["consultation"], setup["resident"]
    article = section_by_number(consultation, "第五条")
    commit()
    login(resident)
    assert _post(client, consultation, text="原来的意见").status_code == 302

    duplicate = _post(client, consultation, text="原来的意见！", section_id=article.id)
    assert duplicate.status_code == 422
    body = duplicate.get_data(as_text=True)
    assert "already sent this comment" in body
    assert "原来的意见！" in body

    too_long = "很长" * 1001
    response = _post(client, consultation, text=too_long)
    assert response.status_code == 422
    assert "2002 characters; at most 2000" in response.get_data(as_text=True) and too_long in response.get_data(as_text=True)

    no_consent = _post(client, consultation, text="没有同意公开", consent="")
    assert no_consent.status_code == 422 and "没有同意公开" in no_consent.get_data(as_text=True)
    assert "consent to publication is required" in no_consent.get_data(as_text=True)

    app.config["CLOCK_NOW"] = consultation.closes_at + timedelta(minutes=1)
    late = _post(client, consultation, text="关闭后提交的意见")
    assert late.status_code == 422
    assert "关闭后提交的意见" in late.get_data(as_text=True)
    assert "comments are no longer accepted" in late.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Comment.id))) == 1  # the first one is kept

    csrf_app = make_app(WTF_CSRF_ENABLED=True, CLOCK_NOW=datetime(2026, 4, 1, 10, 0))
    csrf_client = csrf_app.test_client()
    csrf_client.set_cookie("lang", "en")
    with csrf_client.session_transaction() as session:
        session["_user_id"] = resident.get_id()
    response = csrf_client.post(f"/consultations/{consultation.id}/comments",
                                data={"text": "没有令牌的意见", "consent": "y", "section_id": 0,
                                      "respondent_type": "citizen", "show_as": "masked"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "没有令牌的意见" in body and "security check of this form failed" in body
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_comment_rules_in_the_service(app, setup, f):
    consultation, resident = setup["consultation"], setup["resident"]
    other = f.consultation(status="upcoming")
    data = {"text": "意见", "consent": True}
    try:
        svc.submit_comment(other, resident, data)
    except RuleViolation:
        pass
    else:
        raise AssertionError("an upcoming consultation accepted a comment")
    for bad, field in (({"text": "   ", "consent": True}, "text"),
                       ({"text": "意见", "consent": False}, "consent"),
                       ({"text": "意见", "consent": True, "respondent_type": "robot"}, "respondent_type"),
                       ({"text": "意见", "consent": True, "section_id": other.sections[1].id}, "section_id")):
        try:
            svc.submit_comment(consultation, resident, bad)
        except UserInputError as error:
            assert error.field == field
        else:
            raise AssertionError(f"accepted {bad}")
    anonymous = svc.submit_comment(consultation, resident, {**data, "show_as": "anonymous", "respondent_type": "expert"})
    assert anonymous.public_name == "匿名" and anonymous.tracking_number == f"ZJ-2026-{anonymous.id:06d}"


def test_unique_index_refuses_same_text_hash_from_same_account(app, setup):
    consultation, resident = setup["consultation"], setup["resident"]
    first = svc.submit_comment(consultation, resident, {"text": "同一条意见", "consent": True})
    twin = Comment(consultation_id=consultation.id, author_id=resident.id, public_name="张**",
                   text="同一条意见。", text_hash=first.text_hash, consent_at=first.consent_at)
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(twin)
            db.session.flush()


def test_near_identical_comments_of_different_accounts_form_one_campaign(app, setup, f):
    consultation = setup["consultation"]
    authors = [f.resident() for _ in range(5)]
    comments = [svc.submit_comment(consultation, author, {"text": text, "consent": True})
                for author, text in zip(authors, NEAR + [NEAR[0]], strict=False)]
    unrelated = svc.submit_comment(consultation, authors[4], {
        "text": "建议在第五条中明确厨余垃圾的投放时间，方便上班族晚上投放。", "consent": True})
    campaign_ids = {c.campaign_id for c in comments}
    assert len(campaign_ids) == 1 and None not in campaign_ids
    campaign = db.session.get(Campaign, campaign_ids.pop())
    assert campaign.comment_count == 4
    assert unrelated.campaign_id is None
    # every member still counts: nothing dropped
    assert consultation.pending_count == 5
    # only comments outside a campaign (plus its first member) are indexed
    indexed = set(db.session.scalars(select(CommentBand.comment_id).distinct()))
    assert indexed == {comments[0].id, unrelated.id}


def test_same_author_similar_texts_are_not_a_campaign(app, setup):
    consultation, resident = setup["consultation"], setup["resident"]
    a = svc.submit_comment(consultation, resident, {"text": NEAR[0], "consent": True})
    b = svc.submit_comment(consultation, resident, {"text": NEAR[1], "consent": True})
    assert a.campaign_id is None and b.campaign_id is None


def test_campaign_threshold_is_a_setting(app, setup, f):
    app.config["CAMPAIGN_SIMILARITY"] = 0.99
    consultation = setup["consultation"]
    a = svc.submit_comment(consultation, f.resident(), {"text": NEAR[0], "consent": True})
    b = svc.submit_comment(consultation, f.resident(), {"text": NEAR[1], "consent": True})
    assert a.campaign_id is None and b.campaign_id is None


def test_rejection_with_reason_notifies_the_author(app, client, login, setup):
    consultation, resident, staff = setup["consultation"], setup["resident"], setup["staff"]
    comment = svc.submit_comment(consultation, resident, {"text": "某某的电话是13800000000", "consent": True})
    other = svc.submit_comment(consultation, resident, {"text": "另一条", "consent": True})
    commit()
    login(staff)
    refused = client.post(f"/staff/consultations/{consultation.id}/moderation",
                          data={"comment_ids": [comment.id, other.id], "action": "reject", "reason": "other"})
    assert refused.status_code == 422  # "other" needs a note
    assert db.session.get(Comment, comment.id).status == "pending"
    response = client.post(f"/staff/consultations/{consultation.id}/moderation",
                           data={"comment_ids": [comment.id, other.id], "action": "reject", "reason": "privacy",
                                 "confirmed": "1"})  # several comments: the count was confirmed
    assert response.status_code == 302
    db.session.expire_all()
    assert {db.session.get(Comment, i).status for i in (comment.id, other.id)} == {"rejected"}
    assert consultation.pending_count == 0 and consultation.comment_count == 0
    messages = db.session.scalars(select(InboxMessage).where(InboxMessage.account_id == resident.id)).all()
    # each comment: received (with its receipt), then not published
    rejected = [m for m in messages if "not published" in m.subject]
    assert len(messages) == 4 and len(rejected) == 2
    assert comment.tracking_number in " ".join(m.subject for m in rejected)
    login(resident)
    mine = client.get("/me/comments").get_data(as_text=True)
    assert "Contains personal information" in mine
    # moderating again changes nothing and counts nothing twice
    assert svc.moderate(staff, consultation, [comment.id], "publish") == 0


def test_rate_limit_per_account(make_app, f):
    app = make_app(RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT_ACCOUNT="2 per hour",
                   CLOCK_NOW=datetime(2026, 4, 1, 10, 0))
    with app.app_context():
        consultation = f.consultation(status="open")
        resident = f.resident()
        commit()
        client = app.test_client()
        client.set_cookie("lang", "en")
        with client.session_transaction() as session:
            session["_user_id"] = resident.get_id()
        responses = [_post(client, consultation, text=f"意见{i}") for i in range(3)]
        assert [r.status_code for r in responses] == [302, 302, 429]
        refused = responses[2].get_data(as_text=True)
        # The form comes back with the reason and what was typed, not a bare error page.
        assert "many comments in a short time" in refused and "意见2" in refused
        assert db.session.scalar(select(func.count(Comment.id))) == 2
        other = f.resident()
        commit()
        with client.session_transaction() as session:
            session["_user_id"] = other.get_id()
        assert _post(client, consultation, text="别人的意见").status_code == 302


def test_a_comment_is_not_committed_by_its_savepoint(setup):
    """The savepoint stays inside the request's transaction (on SQLite too): a request refused after
    the comment was inserted saves nothing."""
    from portal.consultation.models import Comment

    db.session.commit()
    svc.submit_comment(setup["consultation"], setup["resident"], {"text": "建议增加公共停车位。", "consent": True})
    db.session.rollback()
    assert db.session.scalar(select(Comment.id)) is None

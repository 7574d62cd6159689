"""Personal data in comments is never published as typed (先审查、后公开): found at submission,
highlighted for the moderator, hidden on every public surface, hideable by hand; the original
stays visible to staff and the author only."""
import json
import re

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.consultation import services as svc
from portal.consultation.models import Comment
from portal.database import commit
from portal.errors import UserInputError
from portal.extensions import db
from tests.factories import id_number


def _id_with_x() -> str:
    return next(n for n in (id_number(birth="19880229", sequence=s) for s in range(1000)) if n.endswith("X"))


# (raw value as typed, what is published instead, label shown to the moderator)
PATTERNS = [
    ("13812345678", "138****5678", "Mobile number"),
    ("139 1234 5678", "139****5678", "Mobile number"),
    ("+86-137-0000-1111", "137****1111", "Mobile number"),
    (_id_with_x(), "[已隐去]", "ID number"),
    ("zhang.san@example.com", "[已隐去]", "Email address"),
    ("长宁路88号1202室", "长宁路[已隐去]", "House number"),
]
IDS = ["mobile", "mobile-spaces", "mobile-+86", "id-x", "email", "address"]


def _submit(client, consultation, text):
    response = client.post(f"/consultations/{consultation.id}/comments",
                           data={"section_id": 0, "text": text, "respondent_type": "citizen",
                                 "show_as": "masked", "consent": "y"})
    assert response.status_code == 302, response.text
    return db.session.scalar(select(Comment).where(Comment.text == text))


def _public_surfaces(client, consultation) -> dict[str, str]:
    api = client.get(f"/api/v1/consultations/{consultation.id}")
    assert api.status_code == 200
    return {
        "detail": client.get(f"/consultations/{consultation.id}").text,
        "comments": client.get(f"/consultations/{consultation.id}/comments").text,
        "api": json.dumps(api.json, ensure_ascii=False),
        "atom": client.get("/consultations/feed.atom").text,
    }


@pytest.mark.parametrize("raw, published, label", PATTERNS, ids=IDS)
def test_each_pattern_is_highlighted_for_the_moderator_and_hidden_on_every_public_surface(
        app, client, login, setup, raw, published, label):
    consultation, resident, staff = setup["consultation"], setup["resident"], setup["staff"]
    commit()
    login(resident)
    text = f"建议延长投放时间，有问题请联系我：{raw}，谢谢。"
    comment = _submit(client, consultation, text)
    assert comment.text == text  # the original is kept
    assert comment.public_text == f"建议延长投放时间，有问题请联系我：{published}，谢谢。"
    assert len(comment.pii_findings) == 1

    # The author sees what they typed and what will be published.
    receipt = client.get(f"/consultations/receipts/{comment.tracking_number}").text
    assert raw in receipt and published in receipt
    assert raw in client.get("/me/comments").text

    login(staff)
    queue = client.get(f"/staff/consultations/{consultation.id}/moderation").text
    finding = re.search(r'<mark class="pii">([^<]*)</mark><span class="pii-label">\[([^\]]*)\]</span>', queue)
    assert finding is not None, "the finding is highlighted with a text label"
    assert finding.group(1) == (raw if "路" not in raw else "88号1202室") and finding.group(2) == label
    assert f"Personal data found: </strong>{label}" in queue
    client.post(f"/staff/consultations/{consultation.id}/moderation",
                data={"comment_ids": [comment.id], "action": "publish"})

    for name, body in _public_surfaces(client, consultation).items():
        if name != "atom":  # the feed lists consultations, never comment texts
            assert published in body, name
        assert raw not in body, name
    assert client.post("/auth/logout").status_code == 302
    for name, body in _public_surfaces(client, consultation).items():
        assert raw not in body, f"{name} (anonymous)"


def test_staff_hide_any_text_by_hand_audited_without_the_hidden_text(app, client, login, setup, f):
    consultation, resident, staff = setup["consultation"], setup["resident"], setup["staff"]
    comment = svc.submit_comment(consultation, resident, {"text": "我家在张家宅村东头，门口的垃圾桶太多。电话13812345678",
                                                          "consent": True})
    commit()
    login(staff)
    url = f"/staff/consultations/{consultation.id}/comments/{comment.id}/redact"
    response = client.post(url, data={"hide": "张家宅村东头",
                                      "next": f"/staff/consultations/{consultation.id}/moderation?status=all"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/moderation?status=all#comment-{comment.id}")
    db.session.expire_all()
    assert comment.public_text == "我家在[已隐去]，门口的垃圾桶太多。电话138****5678"
    assert comment.text.startswith("我家在张家宅村东头")
    assert [f["kind"] for f in comment.pii_findings] == ["mobile", "manual"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "comment.redact"))
    assert entry.actor_id == staff.id and entry.object_id == comment.id
    assert "张家宅" not in json.dumps([entry.before, entry.after], ensure_ascii=False)

    # The queue shows the hand-hidden span too, and what will be published.
    queue = client.get(f"/staff/consultations/{consultation.id}/moderation").text
    assert '<mark class="pii">张家宅村东头</mark><span class="pii-label">[Hidden by staff]</span>' in queue
    assert "我家在[已隐去]，门口的垃圾桶太多" in queue

    # Text that is not in the comment is refused, nothing changes; a blank one too.
    response = client.post(url, data={"hide": "李家村"}, follow_redirects=True)
    assert "This text does not occur in the comment as typed." in response.text
    assert client.post(url, data={"hide": "  "}, follow_redirects=True).status_code == 200
    db.session.expire_all()
    assert comment.public_text == "我家在[已隐去]，门口的垃圾桶太多。电话138****5678"

    # Hiding works after publication too: the public page changes at once.
    client.post(f"/staff/consultations/{consultation.id}/moderation",
                data={"comment_ids": [comment.id], "action": "publish"})
    client.post(url, data={"hide": "门口"})
    public = client.get(f"/consultations/{consultation.id}/comments").text
    assert "我家在[已隐去]，[已隐去]的垃圾桶太多" in public and "门口" not in public

    # Another unit's staff cannot; a comment of another consultation is not found here.
    other = f.staff(f.unit())
    commit()
    login(other)
    assert client.post(url, data={"hide": "垃圾桶"}).status_code == 403
    login(staff)
    foreign = f.consultation(f.decision(setup["unit"], status="consulting"), status="open")
    commit()
    assert client.post(f"/staff/consultations/{foreign.id}/comments/{comment.id}/redact",
                       data={"hide": "垃圾桶"}).status_code == 404


def test_redact_service_refuses_blank_and_absent_text(app, setup):
    comment = svc.submit_comment(setup["consultation"], setup["resident"], {"text": "意见", "consent": True})
    for hide in ("", "   ", "不在其中"):
        with pytest.raises(UserInputError):
            svc.redact_comment(setup["staff"], comment, hide)
    assert svc.redact_comment(setup["staff"], comment, "意") == 1
    assert comment.public_text == "[已隐去]见"


def test_staff_export_has_the_original_and_the_published_text_labelled(app, client, login, setup):
    consultation = setup["consultation"]
    svc.submit_comment(consultation, setup["resident"], {"text": "电话13812345678", "consent": True})
    commit()
    login(setup["staff"])
    csv_text = client.get(f"/staff/consultations/{consultation.id}/export.csv").text
    header = csv_text.splitlines()[0]
    assert "Original text (as typed, staff only)" in header and "Published text (personal data hidden)" in header
    assert "电话13812345678" in csv_text and "电话138****5678" in csv_text


def test_personal_export_of_the_author_has_both_texts(app, setup):
    from portal.consultation.sections import export_comments

    svc.submit_comment(setup["consultation"], setup["resident"], {"text": "邮箱a@example.com", "consent": True})
    [row] = export_comments(setup["resident"])
    assert row["text"] == "邮箱a@example.com" and row["published_text"] == "邮箱[已隐去]"


def test_a_comment_created_without_the_service_is_redacted_by_default(app, setup):
    comment = Comment(consultation_id=setup["consultation"].id, author_id=setup["resident"].id,
                      public_name="张**", text="手机13812345678", text_hash="x", consent_at=setup["consultation"].opens_at)
    db.session.add(comment)
    db.session.flush()
    assert comment.public_text == "手机138****5678"
    assert comment.pii_findings == [{"kind": "mobile", "start": 2, "end": 13}]

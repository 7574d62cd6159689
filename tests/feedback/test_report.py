"""Publishing the report: the refusal, frozen statistics, on time / late, versions, notifications,
the public page, /me, the chart, the API and the feed."""
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEntry
from portal.errors import RuleViolation, UserInputError
from portal.extensions import db
from portal.feedback import report as reports
from portal.feedback import themes
from portal.notifications.models import InboxMessage
from tests.factories import comment, issue
from tests.querycount import count_queries


def themed(world, *, reason="上位法已有规定，不再重复规定。"):
    """Two themes: the first (concentrated) not adopted with a reason, the second adopted."""
    staff, consultation = world["staff"], world["consultation"]
    a, b, c = world["comments"]
    first = themes.create_theme(staff, consultation, {"title": "延长投放时间", "marked_concentrated": True})
    themes.assign_comments(staff, first, [a.id, c.id])
    second = themes.create_theme(staff, consultation, {"title": "设置洗手池"})
    themes.assign_comments(staff, second, [b.id])
    themes.set_disposition(staff, first, {"disposition": "not_adopted", "reason": reason})
    themes.set_disposition(staff, second, {"disposition": "adopted", "section_ids": [world["second"].id]})
    return first, second


def test_full_journey_through_the_client(app, calendar, client, login, world):
    item, consultation = world["item"], world["consultation"]
    issue(item, date(2026, 9, 24))  # due 2026-10-15, today is 2026-10-09
    login(world["staff"])
    client.post(f"/staff/feedback/consultations/{consultation.id}", data={"title": "延长投放时间",
                                                                          "marked_concentrated": "y"})
    client.post(f"/staff/feedback/consultations/{consultation.id}", data={"title": "设置洗手池"})
    first, second = (r.theme for r in themes.theme_rows([consultation.id]))
    a, b, c = world["comments"]
    client.post(f"/staff/feedback/consultations/{consultation.id}/comments",
                data={"theme_id": first.id, "comment_ids": [a.id, c.id]})
    client.post(f"/staff/feedback/consultations/{consultation.id}/comments",
                data={"theme_id": second.id, "comment_ids": [b.id]})

    # A concentrated theme without a disposition blocks publication, naming the theme.
    refused = client.post(f"/staff/feedback/decisions/{item.id}/publish", data={})
    assert refused.status_code == 422
    assert "The concentrated theme &#34;延长投放时间&#34; has no disposition yet." in refused.text
    assert item.status == "decided"

    client.post(f"/staff/feedback/themes/{first.id}/disposition",
                data={"disposition": "not_adopted", "reason": "上位法已有规定。"})
    client.post(f"/staff/feedback/themes/{second.id}/disposition",
                data={"disposition": "adopted", "section_ids": [world["second"].id]})
    client.post(f"/staff/feedback/decisions/{item.id}", data={"summary": "感谢各方参与。", "show_comments": "y"})
    published = client.post(f"/staff/feedback/decisions/{item.id}/publish", data={})
    assert published.status_code == 302
    report = reports.report_of(item)
    assert item.status == "feedback_published"
    assert report.on_time and report.due_on == date(2026, 10, 15) and not report.due_provisional

    page = client.get(f"/feedback/{item.id}")
    assert page.status_code == 200
    text = page.text
    for expected in ("1. How comments were collected", "2. Adoption of comments",
                     "3. Reasons for not adopting concentrated comments", "Published on time", "感谢各方参与。",
                     f'id="theme-{first.id}"', "上位法已有规定。", "张**", a.text, f'id="comment-{a.id}"'):
        assert expected in text, expected
    assert world["rejected"].text not in text

    # Every commenter once (张小花 wrote two comments), with the link to their own thread.
    for account in (world["alice"], world["bob"]):
        messages = db.session.scalars(select(InboxMessage).where(
            InboxMessage.account_id == account.id, InboxMessage.kind == "feedback.published")).all()
        assert len(messages) == 1
        assert messages[0].link == f"/decisions/{item.id}/changes/mine"
    # The author of a comment that was not published is told as well, with the reason recorded at review.
    told = db.session.scalars(select(InboxMessage).where(
        InboxMessage.account_id == world["carol"].id, InboxMessage.kind == "feedback.published")).all()
    assert len(told) == 1
    assert told[0].body.startswith("王五, hello:")
    number = world["rejected"].tracking_number or f"#{world['rejected'].id}"  # the factory gives no receipt
    assert (f"Your comment {number} was not published "
            "(reason recorded at review: Not related to the subject)") in told[0].body
    assert world["unit"].name in told[0].body and world["unit"].phone in told[0].body

    login(world["alice"])
    me = client.get("/me").text
    assert "How my comments were handled" in me
    assert "延长投放时间" in me and "Not adopted" in me and "上位法已有规定。" in me
    assert f"/feedback/{item.id}#theme-{second.id}" in me and "Adopted" in me


def test_publication_refused_while_a_concentrated_theme_has_no_disposition(app, calendar, world):
    app.config["CONCENTRATED_THEME_MIN_ITEMS"] = 2
    issue(world["item"], date(2026, 9, 24))
    theme = themes.create_theme(world["staff"], world["consultation"], {"title": "人数多的意见"})
    themes.assign_comments(world["staff"], theme, [c.id for c in world["comments"][:2]])
    with pytest.raises(RuleViolation) as error:
        reports.publish_report(world["staff"], world["item"])
    assert "人数多的意见" in error.value.message
    # A theme that is not concentrated may stay without a disposition.
    app.config["CONCENTRATED_THEME_MIN_ITEMS"] = 3
    reports.publish_report(world["staff"], world["item"])


def test_a_required_reason_missing_refuses_publication(app, calendar, world):
    issue(world["item"], date(2026, 9, 24))
    first, _second = themed(world)
    first.reason = ""  # as if the service had been bypassed
    with db.session.no_autoflush:
        row = themes.ThemeRow(first, 2, 0)
        assert "needs a reason" in row.problem
        with pytest.raises(RuleViolation) as error:
            reports.check_publishable([row])
    assert "延长投放时间" in error.value.message
    with pytest.raises(IntegrityError):  # and the database refuses it too
        db.session.flush()
    db.session.rollback()


def test_only_an_issued_item_can_be_published(app, calendar, world):
    with pytest.raises(RuleViolation):
        reports.publish_report(world["staff"], world["item"])


def test_published_after_the_due_date_is_late_publicly(app, calendar, client, world):
    issue(world["item"], date(2026, 9, 10))  # due 2026-09-23
    themed(world)
    reports.publish_report(world["staff"], world["item"])
    report = reports.report_of(world["item"])
    assert report.on_time is False
    assert "Published late" in client.get(f"/feedback/{world['item'].id}").text
    assert "Published late" in client.get("/feedback").text
    assert client.get(f"/api/v1/feedback/{world['item'].id}").json["on_time"] is False


def test_statistics_are_frozen_at_publication(app, calendar, client, world):
    issue(world["item"], date(2026, 9, 24))
    themed(world)
    reports.publish_report(world["staff"], world["item"])
    stats = reports.version_of(reports.report_of(world["item"])).statistics
    assert stats["totals"]["comments"] == 4 and stats["totals"]["published"] == 3
    assert stats["totals"]["rejected"] == 1 and stats["website"]["participants"] == 3
    assert {s["id"]: s["comments"] for s in stats["sections"]} == {world["first"].id: 2, world["second"].id: 1}
    comment(world["consultation"], world["carol"], "后来补充的意见")
    api = client.get(f"/api/v1/feedback/{world['item'].id}").json
    assert api["statistics"]["totals"]["published"] == 3


def test_a_correction_is_a_new_version_and_the_old_one_stays_visible(app, calendar, client, world):
    issue(world["item"], date(2026, 9, 24))
    first, _second = themed(world)
    reports.publish_report(world["staff"], world["item"])
    themes.set_disposition(world["staff"], first, {"disposition": "partly", "reason": "部分采纳：延长至20时。"})
    with pytest.raises(UserInputError):
        reports.publish_report(world["staff"], world["item"])
    version = reports.publish_report(world["staff"], world["item"], "更正第一项的处理意见。")
    assert version.number == 2
    item_id = world["item"].id
    current = client.get(f"/feedback/{item_id}").text
    assert "部分采纳：延长至20时。" in current and "更正第一项的处理意见。" in current
    old = client.get(f"/feedback/{item_id}?version=1").text
    assert "上位法已有规定" in old and "later corrected" in old
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "feedback.correct")) is not None
    assert [v["number"] for v in client.get(f"/api/v1/feedback/{item_id}").json["versions"]] == [2, 1]
    # Commenters were notified of the first publication only.
    assert db.session.scalar(select(func.count()).select_from(InboxMessage).where(
        InboxMessage.account_id == world["alice"].id)) == 1


def test_public_report_queries_do_not_depend_on_the_number_of_comments(app, calendar, client, world, f):
    issue(world["item"], date(2026, 9, 24))
    first, _second = themed(world)
    reports.save_report(world["staff"], world["item"], {"summary": "", "show_comments": True})
    reports.publish_report(world["staff"], world["item"])

    def queries(item):
        with count_queries() as counter:
            assert client.get(f"/feedback/{item.id}").status_code == 200
        return counter.count

    db.session.flush()
    few = queries(world["item"])
    item = issue(f.decision(world["unit"], status="deliberating", kind="other"), date(2026, 9, 24))
    consultation = f.consultation(item, status="closed")
    people = [f.resident() for _ in range(20)]
    comments = [comment(consultation, people[n % 20]) for n in range(120)]
    theme = themes.create_theme(world["staff"], consultation, {"title": "很多意见"})
    themes.assign_comments(world["staff"], theme, [c.id for c in comments])
    themes.set_disposition(world["staff"], theme, {"disposition": "adopted"})
    reports.save_report(world["staff"], item, {"summary": "", "show_comments": True})
    reports.publish_report(world["staff"], item)
    db.session.flush()  # the notifications' rows (queued email is not flushed on its own): setup, not the page
    assert queries(item) == few


def test_chart_is_an_svg_with_title_and_a_table_on_the_page(app, calendar, client, world):
    issue(world["item"], date(2026, 9, 24))
    themed(world)
    reports.publish_report(world["staff"], world["item"])
    item_id = world["item"].id
    for kind in ("dispositions", "sections"):
        svg = client.get(f"/feedback/{item_id}/chart-{kind}.svg")
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert "<title" in svg.text and "<desc" in svg.text and "<script" not in svg.text
    assert "Not adopted: 2" in client.get(f"/feedback/{item_id}/chart-dispositions.svg").text
    page = client.get(f"/feedback/{item_id}").text
    assert f'src="/feedback/{item_id}/chart-dispositions.svg?version=1"' in page
    assert 'id="dispositions-table"' in page and 'id="sections-table"' in page
    assert client.get(f"/feedback/{item_id}/chart-other.svg").status_code == 404


def test_api_list_detail_openapi_and_feed(app, calendar, client, world, f):
    issue(world["item"], date(2026, 9, 24))
    themed(world)
    reports.publish_report(world["staff"], world["item"])
    pending = issue(f.decision(world["unit"], status="deliberating", kind="other"), date(2026, 9, 30))
    listing = client.get("/api/v1/feedback?per_page=1").json
    assert listing["total"] == 2 and listing["per_page"] == 1 and len(listing["items"]) == 1
    everything = {i["id"]: i for i in client.get("/api/v1/feedback").json["items"]}
    assert everything[pending.id]["state"] == "due" and everything[pending.id]["due_date"] == "2026-10-20"
    assert everything[world["item"].id]["state"] == "on_time"
    detail = client.get(f"/api/v1/feedback/{world['item'].id}").json
    assert detail["decision_id"] == world["item"].id and detail["due_date"] == "2026-10-15"
    assert detail["provisional"] is False and detail["on_time"] is True
    assert detail["themes"][0] == {"title": "延长投放时间", "concentrated": True, "disposition": "not_adopted",
                                   "reason": "上位法已有规定，不再重复规定。", "comment_count": 2,
                                   "offline_count": 0, "sections": []}
    assert "张" not in str(detail["statistics"])
    assert client.get(f"/api/v1/feedback/{pending.id}").status_code == 404
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/feedback" in paths and "/feedback/{decision_id}" in paths
    feed = client.get("/feedback/feed.atom")
    assert feed.mimetype == "application/atom+xml" and world["item"].title in feed.text


def test_hub_links_the_feedback(app, calendar, client, world):
    item = world["item"]
    assert "hub-feedback-heading" not in client.get(f"/decisions/{item.id}").text
    issue(item, date(2026, 9, 24))
    hub = client.get(f"/decisions/{item.id}").text
    assert "hub-feedback-heading" in hub and f'href="/feedback/{item.id}"' in hub


def test_staff_section_counts_due_and_overdue(app, calendar, client, login, world, f):
    issue(world["item"], date(2026, 9, 24))
    issue(f.decision(world["unit"], status="deliberating", kind="other"), date(2026, 9, 1))
    login(world["staff"])
    page = client.get("/staff").text
    assert "Reports due: 1" in page and "Overdue: 1" in page


def test_rendering_a_chart_leaves_no_import_hook_behind(app, calendar, client, world):
    import sys

    issue(world["item"], date(2026, 9, 24))
    themed(world)
    reports.publish_report(world["staff"], world["item"])
    assert client.get(f"/feedback/{world['item'].id}/chart-sections.svg").status_code == 200
    assert not [f for f in sys.meta_path if type(f).__name__ == "PluginImportFixer"]


def test_erasing_an_account_reaches_the_published_comment_list(app, calendar, client, world):
    from portal.accounts.services import ERASERS

    issue(world["item"], date(2026, 9, 24))
    themed(world)
    reports.save_report(world["staff"], world["item"], {"summary": "", "show_comments": True})
    reports.publish_report(world["staff"], world["item"])
    assert "张**" in client.get(f"/feedback/{world['item'].id}").text
    for erase in ERASERS:
        erase(world["alice"])
    assert "张**" not in client.get(f"/feedback/{world['item'].id}").text

"""Themes: creating, assigning comments (one, bulk, a campaign), concentrated, dispositions."""
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEntry
from portal.errors import RuleViolation, UserInputError
from portal.extensions import db
from portal.feedback import themes
from portal.feedback.models import ThemeAssignment
from tests.factories import campaign, comment


def test_staff_create_a_theme_and_assign_comments_in_bulk(app, client, login, world):
    login(world["staff"])
    consultation = world["consultation"]
    response = client.post(f"/staff/feedback/consultations/{consultation.id}",
                           data={"title": "投放时间", "description": "关于投放时间的意见"})
    assert response.status_code == 302
    theme = themes.theme_rows([consultation.id])[0].theme
    page = client.get(f"/staff/feedback/consultations/{consultation.id}/comments?unassigned=1")
    assert "Unassigned published comments: 3" in page.text
    assert "广告内容" not in page.text  # rejected comments are not themed
    a, b, c = world["comments"]
    response = client.post(f"/staff/feedback/consultations/{consultation.id}/comments",
                           data={"theme_id": theme.id, "comment_ids": [a.id, c.id]})
    assert response.status_code == 302
    row = themes.theme_row(theme)
    assert row.comment_count == 2
    assert themes.unassigned_count(consultation) == 1
    page = client.get(f"/staff/feedback/consultations/{consultation.id}/comments?unassigned=1")
    assert b.text in page.text and a.text not in page.text
    page = client.get(f"/staff/feedback/consultations/{consultation.id}/comments?section={world['second'].id}")
    assert b.text in page.text and c.text not in page.text
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "feedback.theme_assign")) is not None


def test_theme_form_errors_keep_what_was_typed(app, client, login, world):
    login(world["staff"])
    response = client.post(f"/staff/feedback/consultations/{world['consultation'].id}",
                           data={"title": "", "description": "保留这段描述"})
    assert response.status_code == 422
    assert "保留这段描述" in response.text and "This field is required" in response.text


def test_themes_only_once_the_consultation_closed(app, world, f):
    open_one = f.consultation(f.decision(world["unit"], status="consulting"), status="open")
    with pytest.raises(RuleViolation):
        themes.create_theme(world["staff"], open_one, {"title": "太早"})


def test_a_comment_is_in_one_theme_at_most(app, world):
    consultation, staff = world["consultation"], world["staff"]
    first = themes.create_theme(staff, consultation, {"title": "一"})
    second = themes.create_theme(staff, consultation, {"title": "二"})
    a = world["comments"][0]
    themes.assign_comments(staff, first, [a.id])
    themes.assign_comments(staff, second, [a.id])  # moves it
    assert (themes.theme_row(first).comment_count, themes.theme_row(second).comment_count) == (0, 1)
    db.session.add(ThemeAssignment(theme_id=first.id, comment_id=a.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_only_published_comments_of_the_consultation(app, world, f):
    theme = themes.create_theme(world["staff"], world["consultation"], {"title": "一"})
    with pytest.raises(UserInputError):
        themes.assign_comments(world["staff"], theme, [world["rejected"].id])
    other = f.consultation(f.decision(world["unit"], status="deliberating"), status="closed")
    foreign = comment(other, world["alice"])
    with pytest.raises(UserInputError):
        themes.assign_comments(world["staff"], theme, [foreign.id])


def test_assign_a_whole_campaign(app, client, login, world):
    consultation = world["consultation"]
    members = [comment(consultation, world["bob"], "同样的意见：增加投放点。") for _ in range(3)]
    group = campaign(consultation, members)
    theme = themes.create_theme(world["staff"], consultation, {"title": "增加投放点"})
    login(world["staff"])
    response = client.post(f"/staff/feedback/consultations/{consultation.id}/campaign",
                           data={"campaign_id": group.id, "theme_id": theme.id})
    assert response.status_code == 302
    assert themes.theme_row(theme).comment_count == 3


def test_concentrated_when_marked_or_when_enough_items(app, world):
    app.config["CONCENTRATED_THEME_MIN_ITEMS"] = 3
    consultation, staff = world["consultation"], world["staff"]
    theme = themes.create_theme(staff, consultation, {"title": "一"})
    themes.assign_comments(staff, theme, [c.id for c in world["comments"][:2]])
    assert not themes.theme_row(theme).concentrated
    themes.assign_comments(staff, theme, [world["comments"][2].id])
    assert themes.theme_row(theme).concentrated
    marked = themes.create_theme(staff, consultation, {"title": "二", "marked_concentrated": True})
    assert themes.theme_row(marked).concentrated


def test_offline_opinions_count_in_a_theme(app, world):
    from portal.consultation.services import record_offline

    consultation, staff = world["consultation"], world["staff"]
    opinion = record_offline(staff, consultation, {"channel": "symposium", "held_on": date(2026, 9, 1),
                                                   "participants": 12, "summary": "居民座谈会",
                                                   "items": "意见一\n意见二"})
    theme = themes.create_theme(staff, consultation, {"title": "座谈会意见"})
    themes.assign_offline_items(staff, theme, [i.id for i in opinion.items])
    row = themes.theme_row(theme)
    assert (row.comment_count, row.offline_count, row.item_count) == (0, 2, 2)


@pytest.mark.parametrize("disposition", ["partly", "not_adopted"])
def test_a_reason_is_required_for_partly_and_not_adopted(app, world, disposition):
    theme = themes.create_theme(world["staff"], world["consultation"], {"title": "一"})
    with pytest.raises(UserInputError) as error:
        themes.set_disposition(world["staff"], theme, {"disposition": disposition, "reason": "  "})
    assert error.value.field == "reason"
    themes.set_disposition(world["staff"], theme, {"disposition": disposition, "reason": "上位法已有规定"})
    assert theme.disposition == disposition


def test_the_disposition_form_shows_the_missing_reason(app, client, login, world):
    theme = themes.create_theme(world["staff"], world["consultation"], {"title": "一"})
    login(world["staff"])
    response = client.post(f"/staff/feedback/themes/{theme.id}/disposition",
                           data={"disposition": "not_adopted", "reason": ""})
    assert response.status_code == 422
    assert "A reason is required" in response.text
    assert db.session.get(type(theme), theme.id).disposition is None


def test_an_adopted_theme_links_the_sections_it_changed(app, world):
    theme = themes.create_theme(world["staff"], world["consultation"], {"title": "一"})
    with pytest.raises(UserInputError):
        themes.set_disposition(world["staff"], theme, {"disposition": "already_covered", "reason": "x",
                                                    "section_ids": [world["first"].id]})
    themes.set_disposition(world["staff"], theme, {"disposition": "adopted", "section_ids": [world["first"].id]})
    assert [s.id for s in theme.sections] == [world["first"].id]


def test_staff_of_another_unit_get_403(app, client, login, world, f):
    theme = themes.create_theme(world["staff"], world["consultation"], {"title": "一"})
    login(f.staff(f.unit()))
    assert client.get(f"/staff/feedback/consultations/{world['consultation'].id}").status_code == 403
    assert client.get(f"/staff/feedback/themes/{theme.id}").status_code == 403
    assert client.post(f"/staff/feedback/themes/{theme.id}/disposition",
                       data={"disposition": "adopted"}).status_code == 403
    assert client.get(f"/staff/feedback/decisions/{world['item'].id}").status_code == 403


def test_the_disposition_service_error_reaches_the_form(app, client, login, world):
    theme = themes.create_theme(world["staff"], world["consultation"], {"title": "一"})
    db.session.commit()  # the refused request rolls back whatever it finds uncommitted
    login(world["staff"])
    response = client.post(f"/staff/feedback/themes/{theme.id}/disposition",
                           data={"disposition": "already_covered", "reason": "x",
                                 "section_ids": [world["first"].id]})
    assert response.status_code == 422
    assert "Only an adopted or partly adopted theme changes sections." in response.text

"""Catalogue submission (issue 15.4): the unit submits its yearly catalogue to the district
office, which approves it or returns it with comments; publication follows approval; each step is
audited and announced; the dashboard shows every unit's stage with dates against 31 March."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.catalogue import governance, review, services
from portal.errors import RuleViolation, UserInputError
from portal.extensions import db
from portal.notifications.models import InboxMessage

COMMENT = "请补充各事项的承办科室和计划完成时间。"


def _item(f, unit, year=2026, code="2026-01"):
    return f.decision(unit, year=year, code=code, kind="major")


def _actions(catalogue):
    return [e.action for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "yearly_catalogue", AuditEntry.object_id == catalogue.id).order_by(AuditEntry.id))]


def _inbox(account):
    return [m.subject for m in db.session.scalars(select(InboxMessage).where(InboxMessage.account_id == account.id))]


def test_submit_return_resubmit_approve_publish(app, f):
    unit = f.unit()
    staff, colleague, admin = f.staff(unit), f.staff(unit), f.admin()
    other_unit_staff = f.staff(f.unit())
    catalogue = services.catalogue_of(unit.id, 2026, create=True)
    assert catalogue.stage == "draft"
    with pytest.raises(RuleViolation):  # nothing in it
        review.submit(staff, catalogue)
    _item(f, unit)
    with pytest.raises(RuleViolation):  # not submitted: cannot be reviewed
        review.approve(admin, catalogue)
    review.submit(staff, catalogue)
    assert catalogue.stage == "submitted" and catalogue.submitted_at == datetime(2026, 5, 10, 10, 0)
    assert any("报送" in s for s in _inbox(admin))
    with pytest.raises(RuleViolation):  # twice
        review.submit(staff, catalogue)
    with pytest.raises(RuleViolation):  # publication follows approval
        services.publish_catalogue(staff, catalogue)
    with pytest.raises(UserInputError) as error:
        review.return_for_revision(admin, catalogue, "  ")
    assert error.value.field == "comment"
    app.config["CLOCK_NOW"] = datetime(2026, 5, 11, 9, 0)
    review.return_for_revision(admin, catalogue, COMMENT)
    assert catalogue.stage == "returned" and catalogue.review_comment == COMMENT
    assert catalogue.returned_at == datetime(2026, 5, 11, 9, 0)
    assert _inbox(staff) and _inbox(colleague) and not _inbox(other_unit_staff)
    with pytest.raises(RuleViolation):
        services.publish_catalogue(staff, catalogue)
    review.submit(staff, catalogue)
    assert catalogue.stage == "submitted"
    review.approve(admin, catalogue)
    assert catalogue.stage == "approved" and catalogue.approved_at is not None
    services.publish_catalogue(staff, catalogue)
    assert catalogue.stage == "published"
    assert _actions(catalogue) == ["catalogue.submit", "catalogue.return", "catalogue.submit",
                                   "catalogue.approve", "catalogue.publish"]
    assert any("已公布" in s for s in _inbox(admin))
    with pytest.raises(RuleViolation):  # published: no more steps
        review.submit(staff, catalogue)


def test_review_through_the_pages(client, login, f):
    unit = f.unit()
    staff, admin = f.staff(unit), f.admin()
    _item(f, unit)
    db.session.commit()
    login(staff)
    page = client.get(f"/staff/catalogue/{unit.id}/2026").get_data(as_text=True)
    assert f"/staff/catalogue/{unit.id}/2026/submit" in page and "/publish" not in page
    assert client.post(f"/staff/catalogue/{unit.id}/2026/submit").status_code == 302
    # Staff cannot review their own catalogue.
    assert client.post(f"/staff/catalogue/{unit.id}/2026/review", data={"approve": "1"}).status_code == 403
    login(admin)
    response = client.post(f"/staff/catalogue/{unit.id}/2026/review", data={"send_back": "1", "comment": ""})
    assert response.status_code == 422 and 'id="comment-error"' in response.get_data(as_text=True)
    response = client.post(f"/staff/catalogue/{unit.id}/2026/review", data={"send_back": "1", "comment": COMMENT})
    assert response.status_code == 302
    catalogue = services.catalogue_of(unit.id, 2026)
    db.session.refresh(catalogue)
    assert catalogue.stage == "returned"
    login(staff)
    page = client.get(f"/staff/catalogue/{unit.id}/2026").get_data(as_text=True)
    assert COMMENT in page and 'data-stage="returned"' in page
    # Publishing a returned catalogue is refused with a message, nothing changes.
    response = client.post(f"/staff/catalogue/{unit.id}/2026/publish")
    assert response.status_code == 302
    db.session.refresh(catalogue)
    assert catalogue.published_at is None


def test_dashboard_shows_every_stage_with_dates_against_the_deadline(app, client, login, f):
    stages = {}
    admin = f.admin()
    for stage in ("draft", "submitted", "returned", "approved", "published", "none"):
        unit = f.unit(slug=f"unit-{stage}")
        staff = f.staff(unit)
        stages[stage] = unit
        if stage == "none":
            continue
        _item(f, unit)
        catalogue = services.catalogue_of(unit.id, 2026, create=True)
        if stage == "draft":
            continue
        review.submit(staff, catalogue)
        if stage == "returned":
            review.return_for_revision(admin, catalogue, COMMENT)
        if stage in ("approved", "published"):
            review.approve(admin, catalogue)
        if stage == "published":
            services.publish_catalogue(staff, catalogue)
    rows = {row.unit.slug: row for row in governance.catalogue_rows(2026)}
    assert {slug: row.stage for slug, row in rows.items() if slug.startswith("unit-")} == {
        "unit-draft": "draft", "unit-submitted": "submitted", "unit-returned": "returned",
        "unit-approved": "approved", "unit-published": "published", "unit-none": "draft"}
    # 10 May: after 31 March, so the late ones are flagged (published late too).
    assert all(row.late for slug, row in rows.items() if slug.startswith("unit-"))
    db.session.commit()
    login(admin)
    page = client.get("/admin/compliance?year=2026").get_data(as_text=True)
    section = page[page.index('id="catalogue-review"'):page.index('id="issued-without-consultation"')]
    assert "2026-03-31" in section and COMMENT in section
    for stage in ("draft", "submitted", "returned", "approved", "published"):
        assert f'data-stage="{stage}"' in section
    assert "2026-05-10" in section


def test_published_on_the_deadline_is_on_time_the_day_after_is_late(app, f):
    admin = f.admin()
    rows = {}
    for day in (31, 32):
        unit = f.unit()
        staff = f.staff(unit)
        _item(f, unit)
        catalogue = services.catalogue_of(unit.id, 2026, create=True)
        app.config["CLOCK_NOW"] = datetime(2026, 3, 20, 9, 0)
        review.submit(staff, catalogue)
        review.approve(admin, catalogue)
        app.config["CLOCK_NOW"] = datetime(2026, 3, 31, 23, 59) if day == 31 else datetime(2026, 4, 1, 0, 0)
        services.publish_catalogue(staff, catalogue)
        rows[day] = catalogue
    assert rows[31].on_time is True and rows[32].on_time is False
    late = {row.unit.id: row.late for row in governance.catalogue_rows(2026)}
    assert late[rows[31].unit_id] is False and late[rows[32].unit_id] is True


def test_an_unpublished_catalogue_is_late_only_after_the_deadline(app, f):
    unit = f.unit()
    app.config["CLOCK_NOW"] = datetime(2026, 3, 31, 23, 59)
    assert {r.unit.id: r.late for r in governance.catalogue_rows(2026)}[unit.id] is False
    app.config["CLOCK_NOW"] = datetime(2026, 4, 1, 0, 0)
    assert {r.unit.id: r.late for r in governance.catalogue_rows(2026)}[unit.id] is True


def test_admin_home_lists_catalogues_awaiting_review_and_staff_see_the_stage(client, login, f):
    unit = f.unit(name="青松区规划和自然资源局")
    staff = f.staff(unit)
    _item(f, unit)
    catalogue = services.catalogue_of(unit.id, 2026, create=True)
    review.submit(staff, catalogue)
    admin = f.admin()
    db.session.commit()
    login(admin)
    page = client.get("/admin").get_data(as_text=True)
    assert f"/staff/catalogue/{unit.id}/2026#review" in page
    review.return_for_revision(admin, catalogue, COMMENT)
    db.session.commit()
    assert f"/staff/catalogue/{unit.id}/2026#review" not in client.get("/admin").get_data(as_text=True)
    login(staff)
    assert COMMENT in client.get("/staff").get_data(as_text=True)


# --- what the district office reviewed is what is published ------------------------------------

def _edit(item, **changes):
    data = {"code": item.code, "kind": item.kind, "title": item.title, "summary": item.summary,
            "legal_basis": item.legal_basis, "background": item.background,
            "planned_quarter": item.planned_quarter, "topic_ids": [t.id for t in item.topics]}
    for name in services.FLAG_FIELDS:
        data[name] = getattr(item, name)
    data.update(changes)
    return data


def test_major_items_cannot_change_while_the_catalogue_is_under_review(app, f):
    unit = f.unit()
    staff = f.staff(unit)
    item = _item(f, unit)
    catalogue = services.catalogue_of(unit.id, 2026, create=True)
    review.submit(staff, catalogue)
    db.session.commit()  # a refused change rolls the request back
    with pytest.raises(RuleViolation, match="审核"):
        services.update_item(staff, item, _edit(item, title="关于调整后的事项"))
    with pytest.raises(RuleViolation):
        services.create_item(staff, unit, 2026, _edit(item, code="2026-09", title="新增重大事项"))
    with pytest.raises(RuleViolation):  # leaving the catalogue is a change of it too
        services.update_item(staff, item, _edit(item, kind="other"))
    db.session.rollback()
    # Not major: not part of what is reviewed.
    services.create_item(staff, unit, 2026, _edit(item, code="2026-10", title="一般事项", kind="other"))
    # Saved unchanged: nothing to refuse.
    services.update_item(staff, item, _edit(item))
    assert services.catalogue_of(unit.id, 2026).stage == "submitted"


def test_a_change_after_approval_needs_a_new_approval_before_publication(app, f):
    unit = f.unit()
    staff, admin = f.staff(unit), f.admin()
    item = _item(f, unit)
    catalogue = services.catalogue_of(unit.id, 2026, create=True)
    review.submit(staff, catalogue)
    review.approve(admin, catalogue)
    services.update_item(staff, item, _edit(item))  # unchanged: still approved
    assert catalogue.stage == "approved"
    services.update_item(staff, item, _edit(item, title="关于调整后的事项"))
    assert catalogue.stage == "draft" and catalogue.approved_at is None
    assert _actions(catalogue)[-1] == "catalogue.approval_lapsed"
    assert any("审核同意后被修改" in s for s in _inbox(admin))
    with pytest.raises(RuleViolation):
        services.publish_catalogue(staff, catalogue)
    review.submit(staff, catalogue)
    review.approve(admin, catalogue)
    services.publish_catalogue(staff, catalogue)
    assert catalogue.stage == "published"


def test_adding_a_major_item_after_approval_also_lapses_it(app, f):
    unit = f.unit()
    staff, admin = f.staff(unit), f.admin()
    item = _item(f, unit)
    catalogue = services.catalogue_of(unit.id, 2026, create=True)
    review.submit(staff, catalogue)
    review.approve(admin, catalogue)
    services.create_item(staff, unit, 2026, _edit(item, code="2026-09", title="新增重大事项"))
    assert catalogue.stage == "draft"


def test_editing_under_review_is_refused_on_the_form_keeping_what_was_typed(client, login, f):
    unit = f.unit()
    staff = f.staff(unit)
    item = _item(f, unit)
    review.submit(staff, services.catalogue_of(unit.id, 2026, create=True))
    db.session.commit()
    login(staff)
    page = client.get(f"/staff/catalogue/items/{item.id}/edit")
    assert page.status_code == 200
    form = {k: v for k, v in _edit(item, title="关于调整后的事项").items() if v not in (None, False, [])}
    form["planned_quarter"] = str(item.planned_quarter or "")
    response = client.post(f"/staff/catalogue/items/{item.id}/edit", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "审核" in html and "关于调整后的事项" in html
    db.session.expire_all()
    assert db.session.get(type(item), item.id).title != "关于调整后的事项"

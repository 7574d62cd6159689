"""Catalogue review journey (issue 15.4, 15.5): the unit's staff submit next year's catalogue, the
district office returns it with a comment, the staff see the comment and submit again, the
district office approves, the staff publish; the audit log tells the steps in words."""
import re

from playwright.sync_api import expect

COMMENT = "请补充各事项的承办科室和计划完成时间。"
YEAR = 2028


def _setup(live_server) -> int:
    """A unit with one item in its catalogue of YEAR (the item itself is added on the staff page
    in tests/catalogue; here the review is the journey)."""
    from sqlalchemy import select

    from portal.accounts.models import Account
    from portal.catalogue import services
    from portal.database import commit
    from portal.extensions import db
    from portal.units.models import Unit

    with live_server.app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.slug == "qingsong-ghzy"))
        staff = db.session.scalar(select(Account).where(Account.unit_id == unit.id, Account.role == "staff"))
        services.create_item(staff, unit, YEAR, {
            "code": f"{YEAR}-01", "kind": "major", "title": "青松区国土空间总体规划实施评估",
            "summary": "评估规划实施情况，提出优化建议。", "planned_quarter": 3})
        commit()
        return unit.id


def test_submit_return_resubmit_approve_publish(page, browser, browser_context_args, live_server, log_in,
                                                user_page, shot):
    unit_id = _setup(live_server)
    catalogue_url = live_server(f"/staff/catalogue/{unit_id}/{YEAR}")
    staff = user_page("staff.qingsong-ghzy@qingsong.example.gov.cn", "staff")
    admin = user_page("admin@qingsong.example.gov.cn", "admin")

    staff.goto(catalogue_url)
    expect(staff.locator("[data-stage]")).to_have_text("编制中")
    staff.get_by_role("button", name="报送区府办审核").click()
    expect(staff.locator(".alert-success")).to_contain_text("已报送区府办审核")
    expect(staff.locator("[data-stage]")).to_have_text("已报送区府办")

    admin.goto(catalogue_url)
    admin.get_by_label("区府办审核意见").fill(COMMENT)
    admin.get_by_role("button", name="退回修改").click()
    expect(admin.locator(".alert-success")).to_contain_text("退回")
    expect(admin.locator("[data-stage]")).to_have_text("已退回修改")

    staff.goto(live_server("/me/inbox"))
    expect(staff.locator("body")).to_contain_text(f"{YEAR}年度目录已退回修改")
    staff.goto(catalogue_url)
    expect(staff.locator("#review")).to_contain_text(COMMENT)
    shot("returned", of=staff)
    staff.get_by_role("button", name="重新报送").click()
    expect(staff.locator("[data-stage]")).to_have_text("已报送区府办")

    admin.goto(catalogue_url)
    admin.get_by_role("button", name="审核同意").click()
    expect(admin.locator("[data-stage]")).to_have_text("已审核同意")

    staff.goto(catalogue_url)
    staff.get_by_role("button", name="公布目录").click()
    expect(staff.locator("[data-stage]")).to_have_text("已公开")

    admin.goto(live_server(f"/admin/audit?unit_id={unit_id}&object_type=yearly_catalogue"))
    rows = admin.locator("table.audit-table > tbody > tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text("公布目录")
    expect(rows.nth(1)).to_contain_text("审核同意目录")
    expect(rows.nth(2)).to_contain_text("报送目录至区府办")
    expect(rows.nth(3)).to_contain_text("退回目录修改")
    expect(rows.nth(3)).to_contain_text(COMMENT)
    expect(rows.nth(4)).to_contain_text("报送目录至区府办")
    expect(rows.nth(0).get_by_role("link")).to_have_attribute("href", re.compile(rf"/staff/catalogue/{unit_id}/{YEAR}$"))
    # The table fits the 1280 px window: no horizontal scrolling.
    width = admin.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, width
    shot("audit", of=admin)

"""Foundation journeys: a resident registers; an admin creates a staff account; accessibility."""
import re

from playwright.sync_api import expect

from tests.factories import sent_code

from .conftest import DEMO_PASSWORDS


def test_resident_registers_and_sees_own_page(page, live_server, shot):
    page.goto(live_server("/"))
    page.get_by_role("link", name="注册").first.click()
    page.get_by_label("邮箱或手机号").fill("new.resident@example.com")
    page.get_by_label("姓名").fill("林小雨")
    page.get_by_label("密码", exact=True).fill("short")
    page.get_by_label("再次输入密码").fill("short")
    page.get_by_label(re.compile("隐私说明")).check()
    page.get_by_role("button", name="创建账号").click()
    # Too short: refused on the form, what was typed is kept.
    expect(page.get_by_text("密码至少需要8个字符")).to_be_visible()
    expect(page.get_by_label("邮箱或手机号")).to_have_value("new.resident@example.com")
    expect(page.get_by_label("姓名")).to_have_value("林小雨")
    page.get_by_label("密码", exact=True).fill("Lin-xiaoyu-2026")
    page.get_by_label("再次输入密码").fill("Lin-xiaoyu-2026")
    page.get_by_label(re.compile("隐私说明")).check()
    page.get_by_role("button", name="创建账号").click()
    # The 6-digit code mailed to the address activates the account (read from the outbox); a wrong
    # code is refused on the form first.
    expect(page.get_by_role("heading", name="验证电子邮箱或手机号")).to_be_visible()
    shot("verify")
    with live_server.app.app_context():
        code = sent_code("new.resident@example.com")
    page.get_by_label("验证码").fill(f"{(int(code) + 1) % 10 ** 6:06d}")
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page.get_by_text("验证码不正确")).to_be_visible()
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page.get_by_role("heading", name="我的参与")).to_be_visible()
    expect(page.get_by_text("new.resident@example.com")).to_be_visible()
    shot("me")


def test_admin_creates_staff_account_and_sees_it_in_the_audit_log(page, live_server, log_in, shot):
    log_in("admin@qingsong.example.gov.cn", DEMO_PASSWORDS["admin"])
    expect(page.get_by_role("heading", name="区政府办公室管理")).to_be_visible()
    page.get_by_role("link", name="账号与角色").click()
    page.get_by_role("link", name="新建工作人员或管理员账号").click()
    page.get_by_label("邮箱或手机号").fill("new.staff@qingsong.example.gov.cn")
    page.get_by_label("姓名").fill("新同事")
    page.get_by_label("单位").select_option(label="青松区民政局")
    page.get_by_label("初始密码").fill("Mz-new-staff-2026")
    page.get_by_role("button", name="创建账号").click()
    expect(page.get_by_text("账号new.staff@qingsong.example.gov.cn已创建。")).to_be_visible()
    page.goto(live_server("/admin/audit?action=account.create"))
    expect(page.locator("table.audit-table")).to_contain_text("新建账号")  # the action in words (issue 15.5)
    shot("audit")


def test_public_pages_are_accessible_and_large_text_works(page, live_server, axe_check, shot):
    for path in ("/", "/units", "/units/qingsong-fgw", "/auth/login", "/auth/register", "/privacy"):
        page.goto(live_server(path))
        axe_check(path)
    page.goto(live_server("/"))
    page.get_by_role("link", name="大字版").click()
    expect(page.locator("body")).to_have_class(re.compile("large-text"))
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 20
    axe_check("large text home")
    shot("large-text-home")
    page.get_by_role("link", name="标准字号").click()
    expect(page.locator("body")).not_to_have_class(re.compile("large-text"))


def test_keyboard_user_reaches_main_content_with_the_skip_link(page, live_server):
    page.goto(live_server("/"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

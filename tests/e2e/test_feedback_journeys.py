"""Feedback journey: staff publish the adoption report of an issued decision; a resident who
commented on its draft finds the disposition of their own comment in "my participation"."""
import re

from playwright.sync_api import expect

from .conftest import DEMO_PASSWORDS

STAFF_GHZY = "staff.qingsong-ghzy@qingsong.example.gov.cn"
# The demo's issued decision whose report is still due; its concentrated theme has no disposition.
DECISION = "青松区存量工业用地盘活利用实施办法"
THEME = "融资担保资金向小微企业倾斜并公开申请条件"
REASON = "申请条件已写入第二条并将公开；担保费率由市级政策统一确定，本区不作调整。"


def test_staff_publish_adoption_report_and_commenter_sees_disposition(page, live_server, log_in, user_page,
                                                                        shot, axe_check):
    staff = user_page(STAFF_GHZY, "staff")
    staff.goto(live_server("/staff/feedback"))
    staff.get_by_role("link", name=DECISION).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(DECISION)
    workspace = staff.url
    # Publishing is refused while a concentrated theme has no disposition.
    staff.locator("form[action$='/publish'] [type=submit]").click()
    expect(staff.get_by_role("alert").first).to_contain_text(THEME)
    expect(staff.get_by_role("heading", level=1)).to_have_text(DECISION)
    shot("refused", of=staff)

    staff.get_by_role("link", name=THEME).first.click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text(THEME)
    staff.locator("#disposition").select_option("partly")
    # "Partly adopted" without a reason is refused, the choice kept.
    staff.locator("form[action*='/disposition'] [type=submit]").click()
    expect(staff.locator("#reason-error")).to_be_visible()
    expect(staff.locator("#disposition")).to_have_value("partly")
    staff.locator("#reason").fill(REASON)
    staff.locator("form[action*='/disposition'] [type=submit]").click()
    expect(staff.locator(".flash-messages")).to_contain_text(re.compile("已保存"))
    axe_check("staff theme form", of=staff)

    staff.goto(workspace)
    staff.locator("#summary").fill("本办法草案征求意见期间共收到网站意见和座谈会意见，采纳情况反馈如下。")
    staff.locator("form:not([action$='/publish']) [name=submit]").first.click()
    expect(staff.locator(".flash-messages")).to_contain_text(re.compile("已保存"))
    staff.locator("form[action$='/publish'] [type=submit]").click()
    expect(staff.locator(".flash-messages")).to_contain_text(re.compile("报告第1版已公布"))
    shot("published", of=staff)

    # The public report, with the disposition and its reason.
    staff.locator("main a[href^='/feedback/']").first.click()
    report_url = staff.url
    assert re.search(r"/feedback/\d+$", report_url)
    expect(staff.get_by_role("main")).to_contain_text(REASON)

    # A resident who commented on the draft (第二条) finds what became of their own comment.
    log_in("zhang.xm@example.com", DEMO_PASSWORDS["resident"])
    page.goto(live_server("/me"))
    mine = page.locator("#me-feedback-heading ~ ul > li", has_text=REASON)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("建议融资担保资金向首次贷款的小微企业倾斜")
    expect(mine).to_contain_text(re.compile("部分采纳"))
    shot("me-disposition")
    mine.get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(report_url) + r"#theme-\d+$"))
    expect(page.locator(page.url[page.url.index("#"):])).to_contain_text(THEME)
    shot("report")
    axe_check("published adoption report")

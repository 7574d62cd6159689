"""Redline journey: a resident who commented on a draft follows the "adoption feedback published"
notification to their own thread, sees the adopted theme and the article as consulted and as
issued, and then the change in the public comparison."""
import re

from playwright.sync_api import expect

from .conftest import DEMO_PASSWORDS

# The demo's decision whose feedback report is published and whose issued text is compared.
DECISION = "青松区促进民营经济高质量发展的若干措施"
THEME = "融资担保资金向小微企业倾斜并公开申请条件"
COMMENT = "建议融资担保资金向首次贷款的小微企业倾斜。"


def test_commenter_follows_the_notification_to_the_changed_article(page, live_server, log_in, shot, axe_check):
    log_in("zhang.xm@example.com", DEMO_PASSWORDS["resident"])
    page.goto(live_server("/me/inbox"))
    message = page.locator("li.list-group-item", has_text=f"意见采纳情况反馈已公布：{DECISION}")
    expect(message).to_have_count(1)
    message.get_by_role("button", name=re.compile("查看")).click()
    expect(page).to_have_url(re.compile(r"/decisions/\d+/changes/mine$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(DECISION)

    mine = page.locator("article", has_text=COMMENT)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(THEME)
    expect(mine).to_contain_text("部分采纳")
    expect(mine).to_contain_text("申请条件和审批时限已在第二条中明确")
    # the article as consulted (第二条) and as issued (now 第一条), the insertion marked
    expect(mine.locator(".redline-old")).to_contain_text("加大融资支持，设立区级中小企业融资担保资金。")
    expect(mine.locator(".redline-new ins").first).to_contain_text("新增")
    expect(mine.locator(".redline-new")).to_contain_text("优先支持首次贷款的小微企业")
    expect(mine.get_by_role("heading", level=3).last).to_contain_text("第一条")
    shot("my-thread")
    axe_check("my thread")

    mine.get_by_role("link", name="在对照表中查看该修改").click()
    expect(page).to_have_url(re.compile(r"/decisions/\d+/changes#row-f\d+$"))
    row = page.locator(page.url[page.url.index("#"):])
    expect(row).to_contain_text(THEME)
    expect(row).to_contain_text("3条意见")
    expect(row).to_contain_text("修改")
    summary = page.locator(".redline-summary")
    for kind in ("修改", "条序调整", "新增", "删除"):
        expect(summary).to_contain_text(kind)
    expect(page.locator("tr.redline-removed")).to_contain_text("优化营商环境")
    expect(page.locator("tr.redline-added")).to_contain_text("有效期五年")
    shot("redline")
    axe_check("redline")

"""Message board journey (issue 16): a resident asks on a policy's page, the unit's staff mark it
simple and answer it the same working day (signed off by the district office), the resident rates
the reply, staff publish it, and it appears on the policy page and the board with 留言时间、答复时间、
答复单位 and 答复内容."""
import re
from datetime import datetime

from playwright.sync_api import expect
from sqlalchemy import select

from .conftest import DEMO_PASSWORDS

STAFF_GHZY = "staff.qingsong-ghzy@qingsong.example.gov.cn"
ADMIN = "admin@qingsong.example.gov.cn"
POLICY = "青松区存量工业用地盘活利用实施办法"
TITLE = "存量工业用地转型后能否用于建设养老设施？"
REPLY = "您好！根据本办法第三条，盘活的存量工业用地经规划调整后可用于建设养老服务设施，具体请咨询区规划资源局用地科。"


def test_ask_on_a_policy_simple_same_day_reply_rating_and_publication(page, live_server, log_in, user_page,
                                                                      shot, axe_check):
    from portal.catalogue.models import DecisionItem
    from portal.extensions import db

    app = live_server.app
    before = app.config.get("CLOCK_NOW")
    app.config["CLOCK_NOW"] = datetime(2026, 12, 1, 10, 0)      # a Tuesday, a working day
    try:
        with app.app_context():
            policy_id = db.session.scalar(select(DecisionItem.id).where(DecisionItem.title == POLICY))
        hub = live_server(f"/decisions/{policy_id}")

        # The resident asks on the policy's page.
        log_in("zhang.xm@example.com", DEMO_PASSWORDS["resident"])
        page.goto(hub)
        page.get_by_role("link", name="我要留言").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("我要留言")
        page.locator("#title").fill(TITLE)
        page.locator("#text").fill("本办法出台后，存量工业用地转型时能否用于建设社区养老设施？联系电话 13812345678。")
        page.locator("#consent").check()
        axe_check("ask form")
        page.get_by_role("button", name="提交留言").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("留言已提交")
        number = page.locator("#tracking-number").inner_text()
        assert re.fullmatch(r"LY-2026-\d{6}", number)
        expect(page.locator("#due-on")).to_contain_text("2026-12-08")   # 5 working days
        shot("receipt")

        # The unit's staff mark it simple and draft the reply; the district office signs it off.
        staff = user_page(STAFF_GHZY, "staff")
        staff.goto(live_server("/staff/board"))
        staff.get_by_role("link", name=TITLE).click()
        staff.get_by_role("button", name=re.compile("标记为简单问题")).click()
        expect(staff.locator("#due-on")).to_contain_text("2026-12-02")
        staff.locator("#text").fill(REPLY)
        staff.get_by_role("button", name="提交审签").click()
        expect(staff.locator("#message-status")).to_contain_text("答复待审签")
        message_url = staff.url
        admin = user_page(ADMIN, "admin")
        admin.goto(message_url)
        admin.get_by_role("button", name="审签并发送").click()
        expect(admin.locator("#message-status")).to_contain_text("已答复")
        expect(admin.locator("main")).to_contain_text("按时")

        # The resident is told and rates the reply.
        page.goto(live_server("/me/messages"))
        page.get_by_role("link", name=TITLE).click()
        expect(page.locator("#reply-1")).to_have_text(REPLY)
        page.get_by_label("满意", exact=True).check()
        page.get_by_role("button", name="评价答复").click()
        expect(page.locator("#my-rating")).to_contain_text("满意")

        # Staff publish it: on the policy page and the board, with the four fields, no phone number.
        staff.reload()
        staff.get_by_role("button", name="选登公开").click()
        expect(staff.locator("#message-status")).to_contain_text("已公开")
        for url in (hub, live_server("/board")):
            page.goto(url)
            item = page.locator("article.board-message", has_text=TITLE)
            expect(item).to_have_count(1)
            expect(item.locator("[data-field=received_at]")).to_contain_text("2026-12-01 10:00")
            expect(item.locator("[data-field=answered_at]")).to_contain_text("2026-12-01 10:00")
            expect(item.locator("[data-field=unit]")).to_have_text("青松区规划和自然资源局")
            expect(item.locator("[data-field=reply]")).to_have_text(REPLY)
            expect(item.locator("[data-field=rating]")).to_have_text("满意")
            expect(item).not_to_contain_text("13812345678")
        page.goto(live_server("/board?q=养老"))
        expect(page.locator("article.board-message", has_text=TITLE)).to_have_count(1)
        axe_check("board")
        shot("board")
    finally:
        app.config["CLOCK_NOW"] = before

"""Open days journey: a full slot's waiting list, promotion on a cancellation, check-in by code."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

STAFF_GHZY = "staff.qingsong-ghzy@qingsong.example.gov.cn"
DEMO_ACTIVITY = "城市更新规划展示馆政府开放日"


def _register(page, live_server, title, slot_label, mobile, id_last4=None):
    page.goto(live_server("/open-days"))
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_label(slot_label).check()
    page.locator("#mobile").fill(mobile)
    if id_last4:
        page.locator("#id_last4").fill(id_last4)
    page.locator("[name=consent]").check()
    page.locator("section:has(#register-heading) [type=submit]").click()


def _local(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M")


def test_waiting_list_promotion_and_check_in(page, live_server, log_in, user_page, shot):
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, second=0, microsecond=0)
    slot_day = (now + timedelta(days=12)).replace(hour=9, minute=30)

    # The demo's full slot: a resident joins its waiting list and is told the position.
    log_in("sun.lx@example.com", "Qs-resident-2026!")
    _register(page, live_server, DEMO_ACTIVITY, re.compile("09:30"), "13912340001", "123X")
    expect(page.get_by_role("main")).to_contain_text(re.compile("候补"))
    expect(page.locator(".alert-info").last).to_contain_text(re.compile(r"第3位"))
    shot("demo-waiting")

    # Staff of a unit create a small activity of their own: one slot, one seat.
    staff = user_page(STAFF_GHZY, "staff")
    staff.goto(live_server("/staff/open-days/new"))
    staff.locator("#title").fill("规划展示馆小型座谈会")
    staff.locator("#kind").select_option("open_day")
    staff.locator("#place").fill("青松区城中东路 27 号 规划展示馆 3 楼")
    staff.locator("#registration_opens_at").fill(_local(now - timedelta(hours=1)))
    staff.locator("#registration_closes_at").fill(_local(slot_day - timedelta(days=1)))
    staff.locator("#submit").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("规划展示馆小型座谈会")
    staff.locator("#starts_at").fill(_local(slot_day))
    staff.locator("#ends_at").fill(_local(slot_day + timedelta(hours=1)))
    staff.locator("#capacity").fill("1")
    staff.locator("#submit").click()
    expect(staff.locator(".flash-messages")).to_contain_text(re.compile("场次"))
    shot("staff-activity", of=staff)

    # Resident A takes the only seat; resident B (the one above) is first on its waiting list.
    holder = user_page("zhou.ml@example.com")
    # A wrong mobile number is refused on the form, with what was typed kept.
    _register(holder, live_server, "规划展示馆小型座谈会", re.compile("09:30"), "1391234")
    expect(holder.locator("#mobile-error")).to_be_visible()
    expect(holder.locator("#mobile")).to_have_value("1391234")
    expect(holder.locator("#name")).to_have_value("周美玲")
    expect(holder.get_by_label(re.compile("09:30"))).to_be_checked()
    holder.locator("#mobile").fill("13912340002")
    holder.locator("[name=consent]").check()
    holder.locator("section:has(#register-heading) [type=submit]").click()
    expect(holder.locator("#checkin-code")).to_be_visible()
    cancelled_code = holder.locator("#checkin-code").inner_text().strip()
    _register(page, live_server, "规划展示馆小型座谈会", re.compile("09:30"), "13912340001")
    expect(page.locator(".alert-info").last).to_contain_text(re.compile(r"第1位"))
    waiting_url = page.url

    # A cancels; B is promoted at once and sees the confirmed seat and a code in "my participation".
    # The link asks first, on a page of its own (no script needed); going back cancels nothing.
    holder.get_by_role("link", name=re.compile("取消报名")).click()
    expect(holder.get_by_role("heading", level=1)).to_have_text("取消报名")
    holder.get_by_role("link", name="返回").click()
    expect(holder.locator("#checkin-code")).to_be_visible()
    holder.get_by_role("link", name=re.compile("取消报名")).click()
    holder.get_by_role("button", name="确认取消报名").click()
    expect(holder.locator(".flash-messages")).to_contain_text(re.compile("已取消"))
    page.goto(waiting_url)
    expect(page.locator("#checkin-code")).to_be_visible()
    code = page.locator("#checkin-code").inner_text().strip()
    page.goto(live_server("/me"))
    row = page.get_by_role("row", name=re.compile("规划展示馆小型座谈会"))
    expect(row).to_contain_text(re.compile("已确认"))
    expect(row).to_contain_text(code)
    shot("me-promoted")

    # Staff check B in by typing the code at the desk.
    staff.reload()
    staff.get_by_role("row", name=re.compile(r"\d")).get_by_role("link").first.click()
    expect(staff.locator("#slot-counts")).to_contain_text("1 / 1")
    staff.locator("#code").fill(code.lower())
    staff.locator("#submit").click()
    expect(staff.locator(".flash-messages")).to_contain_text(re.compile(f"已签到.*{code}"))
    checked_row = staff.get_by_role("row", name=re.compile(code))
    expect(checked_row).to_contain_text(re.compile("签到"))
    # Someone checked in is on the premises: their seat is not offered for cancellation any more.
    expect(checked_row.get_by_role("button")).to_have_count(0)
    shot("check-in", of=staff)
    # The same code twice, and the code of the cancelled registration, are refused at the desk.
    staff.locator("#code").fill(code)
    staff.locator("#submit").click()
    expect(staff.locator("#code-error")).to_contain_text(re.compile(rf"{code}已于.*签到"))
    staff.locator("#code").fill(cancelled_code)
    staff.locator("#submit").click()
    expect(staff.locator("#code-error")).to_contain_text("已取消")
    expect(staff.locator("#code")).to_have_value(cancelled_code)
    expect(staff.locator("#slot-counts")).to_contain_text("1 / 1")
    page.goto(waiting_url)
    expect(page.get_by_role("link", name=re.compile("取消报名"))).to_have_count(0)

"""Keyboard only (issue 18, point 6): creating an account and registering for an open day, then
cancelling the seat through its confirmation page, without touching the mouse; in large-text mode
on a phone-sized screen, with a visible focus at every step."""
import re

from playwright.sync_api import expect

from tests.factories import sent_code

DEMO_ACTIVITY = "城市更新规划展示馆政府开放日"


def _keyboard(page):
    keyboard = page.keyboard

    def tab_to(selector, backwards=False, limit=250):
        target = page.locator(selector).first
        for _ in range(limit):
            if target.evaluate("el => el === document.activeElement"):
                outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                shadow = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
                assert outline != "none" or shadow != "none", f"no visible focus on {selector}"
                return
            keyboard.press("Shift+Tab" if backwards else "Tab")
        raise AssertionError(f"{selector} not reached with the keyboard")

    return keyboard, tab_to


def test_create_an_account_and_register_for_an_open_day_with_the_keyboard_only(page, live_server, shot, axe_check):
    page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server("/")}])
    page.set_viewport_size({"width": 390, "height": 844})
    keyboard, tab_to = _keyboard(page)
    login = "keyboard.user@example.com"

    # 注册: the account, from the header's link.
    page.goto(live_server("/"))
    tab_to("header a[href='/auth/register']")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for selector, text in (("#login", login), ("#name", "键盘用户"), ("#password", "Key-board-2026!"),
                           ("#confirm", "Key-board-2026!")):
        tab_to(selector)
        keyboard.type(text)
    tab_to("[type=checkbox]")
    keyboard.press("Space")
    tab_to("main [type=submit]")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="验证电子邮箱或手机号")).to_be_visible()
    with live_server.app.app_context():
        code = sent_code(login)
    tab_to("#code")
    keyboard.type(code)
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="我的参与")).to_be_visible()

    # 报名: the open day, from the phone menu of the site's sections.
    tab_to("summary")
    keyboard.press("Enter")
    tab_to(".main-nav-menu a[href='/open-days']")
    keyboard.press("Enter")
    tab_to(f"main a:text('{DEMO_ACTIVITY}')")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_ACTIVITY)
    # The afternoon slot (the morning one is full): arrow keys move within the radio group.
    tab_to("[name=slot_id]")
    keyboard.press("Space")
    keyboard.press("ArrowDown")
    expect(page.get_by_label(re.compile("14:00"))).to_be_checked()
    tab_to("#mobile")
    keyboard.type("13912349999")
    if page.locator("#id_last4").count():
        tab_to("#id_last4")
        keyboard.type("123X")
    tab_to("[name=consent]")
    keyboard.press("Space")
    tab_to("section:has(#register-heading) [type=submit]")
    shot("keyboard-open-day-form")
    keyboard.press("Enter")
    expect(page.locator("#checkin-code")).to_be_visible()
    axe_check("registration confirmed, large text on a phone")

    # Cancelling asks first, on its own page; the keyboard reaches both answers.
    tab_to("main a[href$='/cancel']")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("取消报名")
    tab_to("main a:text('返回')")
    tab_to("main button[type=submit]", backwards=True)
    shot("keyboard-cancel-confirmation")
    keyboard.press("Enter")
    expect(page.locator(".flash-messages")).to_contain_text(re.compile("已取消"))

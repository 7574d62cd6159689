"""Consultation journeys: comment on an article, receipt, moderation, masked publication; too-long
comments; the comment form completed with the keyboard only."""
import re

from playwright.sync_api import expect

from tests.factories import sent_code

from .conftest import DEMO_PASSWORDS

WASTE = "青松区生活垃圾分类管理实施办法"
STAFF_STHJ = "staff.qingsong-sthj@qingsong.example.gov.cn"
RECEIPT = re.compile(r"ZJ-\d{4}-\d{6}")


def _open_waste_consultation(page, live_server):
    page.goto(live_server("/consultations"))
    page.get_by_role("link", name=re.compile(WASTE)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(WASTE)
    return page.url


def _register(page, live_server, login, name, password):
    page.goto(live_server("/auth/register"))
    page.get_by_label("邮箱或手机号").fill(login)
    page.get_by_label("姓名").fill(name)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_label("再次输入密码").fill(password)
    page.get_by_label(re.compile("隐私说明")).check()
    page.get_by_role("button", name="创建账号").click()
    # The account is activated by the 6-digit code sent to the address (read from the outbox).
    expect(page.get_by_role("heading", name="验证电子邮箱或手机号")).to_be_visible()
    with live_server.app.app_context():
        code = sent_code(login)
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page.get_by_role("heading", name="我的参与")).to_be_visible()


def _log_out(page):
    page.get_by_role("button", name=re.compile("退出")).click()
    expect(page.get_by_role("link", name=re.compile("^登录$"))).to_be_visible()


def test_resident_comments_on_an_article_and_staff_publish_it_masked(page, live_server, log_in, shot):
    login, text = "gao.lan@example.com", "第五条的投放时间建议改为每日6时30分至9时30分、17时30分至21时，方便上班族。"
    _register(page, live_server, login, "高岚", "Gao-lan-2026!")
    detail_url = _open_waste_consultation(page, live_server)
    shot("consultation")
    # "Comment on this section" next to 第五条 preselects that article in the form.
    page.locator("article.draft-section", has=page.get_by_role("heading", name=re.compile("第五条"))) \
        .get_by_role("link", name=re.compile("对本条提出意见")).click()
    expect(page.locator("#section_id option:checked")).to_contain_text("第五条")
    page.locator("#text").fill(text)
    expect(page.locator("#comment-counter")).to_have_text(f"{len(text)} / 2000")
    # Without consent: refused on the form, nothing typed is lost.
    page.get_by_role("button", name=re.compile("提交意见")).click()
    expect(page.locator("#consent-error")).to_be_visible()
    expect(page.locator("#text")).to_have_value(text)
    expect(page.locator("#section_id option:checked")).to_contain_text("第五条")
    page.locator("[name=consent]").check()
    page.get_by_role("button", name=re.compile("提交意见")).click()
    # The receipt at once.
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("意见已提交"))
    number = page.locator("#tracking-number").inner_text()
    assert RECEIPT.fullmatch(number)
    expect(page.get_by_role("main")).to_contain_text("第五条")
    expect(page.get_by_role("main")).to_contain_text("高**")
    shot("receipt")
    # Pending in "my participation".
    page.goto(live_server("/me"))
    row = page.get_by_role("row", name=re.compile(number))
    expect(row).to_contain_text(re.compile("待审核"))
    shot("me-pending")
    _log_out(page)

    # Staff of the unit publish it from their moderation queue.
    log_in(STAFF_STHJ, DEMO_PASSWORDS["staff"])
    page.goto(live_server("/staff/consultations"))
    page.get_by_role("link", name=re.compile(WASTE)).first.click()
    page.get_by_role("link", name=re.compile("审核意见")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("审核意见"))
    page.get_by_label(re.compile(number)).check()
    page.locator("#action").select_option("publish")
    shot("moderation")
    page.get_by_role("button", name=re.compile("应用于所选意见")).click()
    expect(page.locator(".flash-messages")).to_contain_text(re.compile("1"))
    expect(page.get_by_label(re.compile(number))).to_have_count(0)
    _log_out(page)

    # Public: the comment with the masked name, never the email.
    page.goto(detail_url)
    page.get_by_role("link", name=re.compile("全部已公开意见")).click()
    item = page.locator("li.list-group-item", has_text=text[:20])
    expect(item).to_contain_text("高**")
    expect(item).to_contain_text("第五条")
    expect(page.get_by_role("main")).not_to_contain_text(login)
    expect(page.get_by_role("main")).not_to_contain_text("高岚")
    shot("published")


def test_too_long_comment_is_refused_and_the_text_is_kept(page, live_server, log_in, shot):
    # Anonymous visitors are offered to log in, and come back to the draft afterwards.
    detail_url = _open_waste_consultation(page, live_server)
    expect(page.locator("#text")).to_have_count(0)
    page.get_by_role("link", name=re.compile("登录后发表意见")).click()
    page.get_by_label("邮箱或手机号").fill("chen.sy@example.com")
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORDS["resident"])
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(detail_url)
    textarea = page.locator("#text")
    # The browser stops typing at 2,000 characters (maxlength, with a live counter)...
    textarea.fill("长" * 2100)
    expect(textarea).to_have_value("长" * 2000)
    expect(page.locator("#comment-counter")).to_have_text("2000 / 2000")
    # ...and the server refuses longer texts from clients that ignore it, keeping what was typed.
    textarea.evaluate("el => el.removeAttribute('maxlength')")
    long_text = "建议延长投放时间。" * 230  # 2,070 characters
    textarea.fill(long_text)
    page.locator("[name=consent]").check()
    page.get_by_role("button", name=re.compile("提交意见")).click()
    expect(page.locator("#text-error")).to_contain_text(re.compile(r"2070.*2000"))
    expect(page.locator("#text")).to_have_value(long_text)
    expect(page.locator("#text")).to_have_attribute("aria-invalid", "true")
    shot("too-long")


def test_comment_form_completed_with_the_keyboard_only(page, live_server, log_in, shot):
    log_in("liu.ht@example.com", DEMO_PASSWORDS["resident"])
    _open_waste_consultation(page, live_server)
    keyboard = page.keyboard

    def tab_to(selector, backwards=False, limit=200):
        target = page.locator(selector)
        for _ in range(limit):
            if target.evaluate("el => el === document.activeElement"):
                return
            keyboard.press("Shift+Tab" if backwards else "Tab")
        raise AssertionError(f"{selector} not reached with the keyboard")

    def assert_focus_visible():
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        shadow = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
        assert outline != "none" or shadow != "none", "no visible focus indicator"

    # Tab to "comment on this section" next to 第六条 and follow it with Enter: the form below gets
    # that article preselected and the keyboard continues from the form.
    tab_to("article:has(h3:text('第六条')) a[href*='comment-form']")
    assert_focus_visible()
    keyboard.press("Enter")
    expect(page.locator("#section_id option:checked")).to_contain_text("第六条")
    tab_to("#text")
    assert_focus_visible()
    keyboard.type("投放点的照明设施建议采用声控灯，节约用电。")
    tab_to("[name=consent]")
    assert_focus_visible()
    keyboard.press("Space")
    expect(page.locator("[name=consent]")).to_be_checked()
    # Shift+Tab goes back through the form (the publication name), Tab forward to the button.
    keyboard.press("Shift+Tab")
    expect(page.locator("#show_as-0")).to_be_focused()
    assert_focus_visible()
    tab_to("#submit")
    assert_focus_visible()
    shot("keyboard-form")
    keyboard.press("Enter")
    expect(page.locator("#tracking-number")).to_have_text(RECEIPT)
    expect(page.get_by_role("main")).to_contain_text("刘**")
    expect(page.get_by_role("main")).to_contain_text("第六条")
    shot("keyboard-receipt")


def test_personal_data_is_highlighted_for_staff_hidden_by_selection_and_never_published(
        page, live_server, log_in, axe_check, shot):
    login = "pan.yi@example.com"
    text = "我家住在长宁路88号1202室，楼下张家宅的垃圾桶太多，请联系13812345678。"
    _register(page, live_server, login, "潘一", "Pan-yi-2026!")
    _open_waste_consultation(page, live_server)
    page.locator("#text").fill(text)
    page.locator("[name=consent]").check()
    page.get_by_role("button", name=re.compile("提交意见")).click()
    number = page.locator("#tracking-number").inner_text()
    # The author sees the original and what will be published.
    expect(page.locator("#comment-original")).to_have_text(text)
    expect(page.locator("#comment-public")).to_have_text("我家住在长宁路[已隐去]，楼下张家宅的垃圾桶太多，请联系138****5678。")
    _log_out(page)

    log_in(STAFF_STHJ, DEMO_PASSWORDS["staff"])
    page.goto(live_server("/staff/consultations"))
    page.get_by_role("link", name=re.compile(WASTE)).first.click()
    page.get_by_role("link", name=re.compile("审核意见")).first.click()
    row = page.get_by_role("row", name=re.compile(number))
    expect(row.locator("mark.pii")).to_have_text(["88号1202室", "13812345678"])
    expect(row.locator(".pii-label")).to_have_text(["[门牌号]", "[手机号]"])
    axe_check("moderation queue with findings")
    # Selecting a passage with the mouse fills the field; the labels are not part of it.
    source = row.locator("[data-redact-source]")
    source.evaluate("""element => {
        const node = [...element.childNodes].find(n => n.nodeType === 3 && n.textContent.includes('张家宅'));
        const start = node.textContent.indexOf('张家宅');
        const range = document.createRange();
        range.setStart(node, start);
        range.setEnd(node, start + 3);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        element.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""")
    expect(row.get_by_label("需隐去的文字")).to_have_value("张家宅")
    shot("moderation-personal-data")
    row.get_by_role("button", name="在公开文本中隐去").click()
    expect(page.locator(".flash-messages")).to_contain_text("隐去1处")
    row = page.get_by_role("row", name=re.compile(number))
    row.get_by_label(re.compile(number)).check()
    page.locator("#action").select_option("publish")
    page.get_by_role("button", name=re.compile("应用于所选意见")).click()
    expect(page.locator(".flash-messages")).to_contain_text(re.compile("1"))
    _log_out(page)

    page.goto(live_server("/consultations"))
    page.get_by_role("link", name=re.compile(WASTE)).click()
    page.get_by_role("link", name=re.compile("全部已公开意见")).click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("我家住在长宁路[已隐去]，楼下[已隐去]的垃圾桶太多，请联系138****5678。")
    for raw in ("13812345678", "88号1202室", "张家宅"):
        expect(main).not_to_contain_text(raw)

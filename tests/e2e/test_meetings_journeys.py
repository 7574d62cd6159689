"""Meetings journey: a resident applies to attend a decision meeting as a public representative."""
import re

from playwright.sync_api import expect

from tests.factories import id_number

from .conftest import DEMO_PASSWORDS

APPLY = re.compile("^提交报名$")


def _open_meeting_for_signup(page, live_server):
    page.goto(live_server("/meetings"))
    hrefs = [link.get_attribute("href") for link in page.locator("main li h2 a").all()]
    for href in hrefs:
        page.goto(live_server(href))
        if page.get_by_role("link", name=re.compile("^报名列席$")).count():
            return href
    raise AssertionError("no meeting open for sign-up in the demo")


def test_resident_applies_as_representative(page, live_server, log_in, shot, context):
    log_in("zhao.yq@example.com", DEMO_PASSWORDS["resident"])
    meeting_path = _open_meeting_for_signup(page, live_server)
    shot("meeting")
    page.get_by_role("link", name=re.compile("^报名列席$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("报名列席"))
    # The name comes from the account; the other fields are typed.
    expect(page.locator("#name")).to_have_value("赵雅琴")
    page.locator("#mobile").fill("13912345678")
    page.locator("#id_number").fill("110101199003071230")  # wrong check digit
    page.locator("#category").select_option("citizen")
    page.locator("#relation").fill("住在盈溪路小区，加装电梯直接影响我家。")
    page.locator("#points").fill("建议费用分摊按楼层分档。")
    page.locator("#interests").fill("无")
    page.locator("[name=consent]").check()
    # A second tab opens the same form now, to submit a second application later.
    second = context.new_page()
    second.goto(page.url)
    page.get_by_role("button", name=APPLY).click()
    # Refused with a clear message on the field; everything else is kept.
    expect(page.locator("#id_number-error")).to_contain_text(re.compile("校验"))
    expect(page.locator("#id_number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#mobile")).to_have_value("13912345678")
    expect(page.locator("#relation")).to_have_value("住在盈溪路小区，加装电梯直接影响我家。")
    expect(page.locator("#points")).to_have_value("建议费用分摊按楼层分档。")
    expect(page.locator("#interests")).to_have_value("无")
    expect(page.locator("#category")).to_have_value("citizen")
    shot("invalid-id")
    # A checksum-valid (fake) number is accepted.
    page.locator("#id_number").fill(id_number(birth="19850612", region="310104", sequence=917))
    page.locator("[name=consent]").check()
    page.get_by_role("button", name=APPLY).click()
    expect(page).to_have_url(live_server(meeting_path))
    expect(page.locator(".flash-messages")).to_contain_text(re.compile("已收到"))
    expect(page.locator("#signup-heading + p")).to_contain_text(re.compile("待遴选"))
    shot("applied")

    # A second application from the form opened earlier is refused, with what was typed kept.
    second.locator("#mobile").fill("13912345678")
    second.locator("#id_number").fill(id_number(birth="19850612", region="310104", sequence=918))
    second.locator("#category").select_option("citizen")
    second.locator("#relation").fill("再次报名")
    second.locator("#points").fill("同上")
    second.locator("#interests").fill("无")
    second.locator("[name=consent]").check()
    second.get_by_role("button", name=APPLY).click()
    expect(second.get_by_role("alert")).to_contain_text(re.compile("已报名"))
    expect(second.locator("#relation")).to_have_value("再次报名")
    # And the sign-up link now leads back to the meeting with the same message.
    page.goto(live_server(meeting_path.rstrip("/") + "/apply"))
    expect(page).to_have_url(live_server(meeting_path))
    expect(page.locator(".flash-messages")).to_contain_text(re.compile("已报名"))
    # The application is listed under "my participation".
    page.goto(live_server("/me"))
    expect(page.get_by_role("main")).to_contain_text(re.compile("区政府常务会议"))
    shot("me")

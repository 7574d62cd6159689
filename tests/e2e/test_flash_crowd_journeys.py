"""Flash-crowd pages in the browser: an anonymous visitor of an open day or a meeting whose sign-up
is open is offered to log in (the page holds no form, so it can be served from the page cache),
logs in and comes back to the form."""
import re

from playwright.sync_api import expect

from .conftest import DEMO_PASSWORDS
from .test_meetings_journeys import _open_meeting_for_signup
from .test_open_days_journeys import DEMO_ACTIVITY


def _log_in_here(page, login):
    page.get_by_label("邮箱或手机号").fill(login)
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORDS["resident"])
    page.get_by_role("button", name="登录").click()


def test_anonymous_visitor_logs_in_and_comes_back_to_the_open_day_form(page, live_server, shot):
    page.goto(live_server("/open-days"))
    page.get_by_role("link", name=DEMO_ACTIVITY).first.click()
    detail_url = page.url
    register = page.locator("section:has(#register-heading)")
    expect(register.locator("form")).to_have_count(0)
    # The second anonymous view of the page comes from the page cache, without a cookie.
    response = page.request.get(detail_url)
    assert response.headers.get("x-cache") == "hit" and "set-cookie" not in response.headers
    shot("anonymous")
    register.get_by_role("link", name="登录后报名").click()
    _log_in_here(page, "li.wj@example.com")
    expect(page).to_have_url(detail_url)
    expect(page.locator("#mobile")).to_be_visible()
    expect(page.locator("#name")).to_have_value("李文静")
    shot("form-after-login")


def test_anonymous_visitor_logs_in_and_lands_on_the_meeting_application(page, live_server, shot):
    page.goto(live_server("/meetings"))
    hrefs = [link.get_attribute("href") for link in page.locator("main li h2 a").all()]
    meeting_path = next(href for href in hrefs
                        if page.goto(live_server(href)) and page.get_by_role("link", name="登录后申请").count())
    expect(page.get_by_role("link", name=re.compile("^报名列席$"))).to_have_count(0)
    page.get_by_role("link", name="登录后申请").click()
    _log_in_here(page, "liu.ht@example.com")
    expect(page).to_have_url(live_server(meeting_path + "/apply"))
    expect(page.locator("#name")).to_have_value("刘海涛")
    # Logged in, the meeting page has the button to the form.
    assert _open_meeting_for_signup(page, live_server) == meeting_path
    shot("meeting-logged-in")

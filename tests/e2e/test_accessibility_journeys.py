"""Accessibility of every public page and of the main forms (axe-core: no serious or critical
violation), and the large-text mode on a content page."""
import re

from playwright.sync_api import expect


def _href(page, live_server, list_path: str, pattern: str) -> str:
    """The first link on ``list_path`` whose path matches ``pattern`` (a full match)."""
    page.goto(live_server(list_path))
    hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for href in hrefs:
        path = href.split("?")[0].split("#")[0].replace(live_server(""), "")
        if re.fullmatch(pattern, path):
            return path
    raise AssertionError(f"no link like {pattern} on {list_path}")


def test_every_public_page_has_no_serious_axe_violation(page, live_server, axe_check):
    paths = ["/", "/catalogue", "/consultations", "/feedback", "/meetings", "/open-days", "/units",
             "/privacy", "/auth/login", "/auth/register"]
    decision = _href(page, live_server, "/catalogue", r"/decisions/\d+")
    paths += [
        decision,
        _href(page, live_server, decision, r"/catalogue/\d{4}/[\w-]+"),
        _href(page, live_server, "/consultations", r"/consultations/\d+"),
        _href(page, live_server, "/consultations?show=closed", r"/consultations/\d+"),
        _href(page, live_server, "/feedback", r"/feedback/\d+"),
        _href(page, live_server, "/meetings", r"/meetings/\d+"),
        _href(page, live_server, "/meetings?show=past", r"/meetings/\d+"),
        _href(page, live_server, "/open-days", r"/open-days/\d+"),
        _href(page, live_server, "/open-days?when=past", r"/open-days/\d+"),
        _href(page, live_server, "/open-days", r"/open-month/\d{4}"),
    ]
    consultation = paths[-8]
    paths.append(_href(page, live_server, consultation, rf"{consultation}/comments"))
    failures = []
    for path in dict.fromkeys(paths):
        response = page.goto(live_server(path))
        assert response.status == 200, f"{path}: HTTP {response.status}"
        try:
            axe_check(path)
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n\n".join(failures)


def test_resident_forms_have_no_serious_axe_violation(page, live_server, log_in, axe_check):
    log_in("wang.jg@example.com", "Qs-resident-2026!")
    consultation = _href(page, live_server, "/consultations", r"/consultations/\d+")
    page.goto(live_server(consultation))
    expect(page.locator("#text")).to_be_visible()
    axe_check("comment form")
    # The same form showing errors.
    page.get_by_role("button", name=re.compile("提交意见")).click()
    expect(page.locator("#text-error")).to_be_visible()
    axe_check("comment form with errors")

    page.goto(live_server("/meetings"))
    hrefs = page.locator("main li h2 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for href in hrefs:
        page.goto(live_server(href + "/apply"))
        if page.locator("#id_number").count():
            break
    else:
        raise AssertionError("no meeting with an open sign-up")
    axe_check("representative application")
    page.locator("#id_number").fill("123")
    page.locator("form [type=submit]").last.click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    axe_check("representative application with errors")

    page.goto(live_server("/open-days"))
    page.get_by_role("link", name="城市更新规划展示馆政府开放日").first.click()
    expect(page.locator("#mobile")).to_be_visible()
    axe_check("open-day registration")
    page.goto(live_server("/me"))
    axe_check("/me")


def test_staff_forms_have_no_serious_axe_violation(page, live_server, log_in, axe_check):
    log_in("staff.qingsong-fgw@qingsong.example.gov.cn", "Qs-staff-2026!")
    page.goto(live_server("/staff/catalogue"))
    axe_check("staff catalogue years")
    page.locator("main form [type=submit]").click()  # this year's catalogue of the unit
    expect(page).to_have_url(re.compile(r"/staff/catalogue/\d+/\d{4}$"))
    catalogue = page.url.replace(live_server(""), "")
    page.goto(live_server("/staff"))
    axe_check("staff home")
    for label, path in (("catalogue item form", catalogue + "/new"),
                        ("consultation form", "/staff/consultations/new"),
                        ("meeting form", "/staff/meetings/new"),
                        ("open activity form", "/staff/open-days/new")):
        response = page.goto(live_server(path))
        assert response.status == 200, f"{path}: HTTP {response.status}"
        expect(page.locator("main form").first).to_be_visible()
        axe_check(label)
    # A form re-rendered with its errors.
    page.locator("main form [type=submit]").last.click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    axe_check("open activity form with errors")


def test_large_text_mode_on_a_content_page(page, live_server, axe_check, shot):
    page.goto(live_server("/consultations"))
    page.locator("main li h2 a").first.click()
    normal = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, main dd')).fontSize)")
    page.get_by_role("link", name=re.compile("大字版")).click()
    expect(page.locator("body")).to_have_class(re.compile("large-text"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("征求意见")  # back on the same page
    page.wait_for_load_state()  # the body's class is there before the rest is parsed (seen under load)
    large = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, main dd')).fontSize)")
    assert large >= normal * 1.2, (normal, large)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"horizontal overflow of {overflow}px at 1280px in large-text mode"
    axe_check("large-text consultation")
    shot("large-text-consultation")
    # Still no sideways scrolling on a phone-sized screen (390px), where long e-mail addresses,
    # tables and the lottery's code must wrap or scroll inside their own box.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/", "/units", "/catalogue", "/consultations", "/feedback", "/meetings", "/open-days"):
        page.goto(live_server(path))
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path}: horizontal overflow of {overflow}px at 390px in large-text mode"
    page.goto(live_server("/units"))
    shot("large-text-units-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name=re.compile("标准字号")).click()
    expect(page.locator("body")).not_to_have_class(re.compile("large-text"))

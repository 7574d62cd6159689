"""Oversight journey through a demo year: with the clock at mid-September the dashboard shows the
unit without meetings at risk (risks first on the admin start page and on the unit's own /staff),
on 28 December the same target missed; in February the district office publishes the yearly
assessment and a visitor reads it.

The portal runs on its own server for this module: the demo is seeded with the clock at 15 September
2026, and the clock is moved as the journey goes on (``CLOCK_NOW``)."""
from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORDS, _log_in_on, serve_demo

ADMIN = "admin@qingsong.example.gov.cn"
STAFF_SONGZE = "staff.songze@qingsong.example.gov.cn"


@pytest.fixture(scope="module")
def year_server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory.mktemp("e2e-oversight"), PAGE_CACHE_SECONDS=0,
                          CLOCK_NOW=datetime(2026, 9, 15, 10, 0))


def _log_in(page, server, login, password):
    _log_in_on(page, server("/auth/login"), login, password)


def _cell(page, slug, target):
    return page.locator(f"#unit-{slug} td[data-target='{target}']")


def test_risks_through_the_year_and_the_published_assessment(page, browser, browser_context_args, year_server,
                                                               shot, axe_check):
    server = year_server
    # --- mid-September: at risk, shown first -------------------------------------------------------
    _log_in(page, server, ADMIN, DEMO_PASSWORDS["admin"])
    page.goto(server("/admin"))
    risks = page.locator("#risks")
    expect(risks.locator("[data-unit='songze'] [data-risk='meetings'] .state-at_risk")).to_contain_text("存在风险")
    expect(risks.locator("[data-unit='qingsong-mz']")).to_have_count(0)  # every target met or on track
    page.goto(server("/admin/compliance?year=2026"))
    expect(_cell(page, "songze", "meetings").locator(".state-at_risk")).to_contain_text("存在风险")
    expect(_cell(page, "qingsong-mz", "meetings").locator(".state-met")).to_be_visible()
    expect(_cell(page, "qingsong-sthj", "open_days").locator(".state-met")).to_be_visible()
    # The empty open day does not count: the unit's open days are not met.
    expect(_cell(page, "qingsong-fgw", "open_days")).to_contain_text("无访客签到")
    # An online open activity counts once held with its summary published, not before.
    expect(_cell(page, "yingxi", "open_days")).to_contain_text("其中线上开放活动1场（已公布总结）")
    expect(_cell(page, "qingsong-ghzy", "open_days")).to_contain_text("线上活动已举办但总结未公布1场（不计入）")
    expect(page.locator("#online-rule")).to_contain_text("已举办但总结未公布的，不计入")
    expect(page.get_by_role("heading", name="指标计算口径")).to_be_visible()
    shot("september")
    axe_check("dashboard in September")

    staff = browser.new_context(**browser_context_args)
    staff_page = staff.new_page()
    _log_in(staff_page, server, STAFF_SONGZE, DEMO_PASSWORDS["staff"])
    staff_page.goto(server("/staff"))
    expect(staff_page.locator("[aria-labelledby='staff-risks-heading'] [data-risk='meetings']")).to_contain_text("存在风险")
    shot("staff-september", of=staff_page)
    staff.close()

    # --- 28 December: the same target missed, not "in progress" -----------------------------------------
    server.app.config["CLOCK_NOW"] = datetime(2026, 12, 28, 10, 0)
    page.goto(server("/admin/compliance?year=2026"))
    expect(_cell(page, "songze", "meetings").locator(".state-not_met")).to_contain_text("未达标")
    expect(_cell(page, "qingsong-mz", "meetings").locator(".state-met")).to_be_visible()
    for target in ("meetings", "open_days"):  # nothing left "in progress" three days before the year ends
        expect(page.locator(f"td[data-target='{target}'] .state-in_progress")).to_have_count(0)
    shot("december")

    # --- February: the yearly assessment is published and public ---------------------------------------
    server.app.config["CLOCK_NOW"] = datetime(2027, 2, 10, 10, 0)
    page.goto(server("/admin/oversight/2026"))
    expect(page.locator("#assessment-draft")).to_be_visible()
    page.get_by_label("随结果公布的说明").fill("2026 年度重大行政决策公众参与工作考核结果。")
    page.get_by_role("button", name="公布考核结果").click()
    expect(page.locator("#assessment-published")).to_be_visible()

    visitor = browser.new_context(**browser_context_args)
    public = visitor.new_page()
    public.goto(server("/oversight"))
    public.get_by_role("link", name="2026年度公众参与考核结果").click()
    expect(public.locator("#assessment-published")).to_contain_text("第1版")
    expect(_cell(public, "songze", "meetings").locator(".state-not_met")).to_be_visible()
    expect(_cell(public, "qingsong-mz", "meetings").locator(".state-met")).to_be_visible()
    mz_meetings = _cell(public, "qingsong-mz", "meetings")
    mz_meetings.locator("summary").click()
    mz_meetings.get_by_role("link").first.click()
    expect(public.get_by_role("heading", level=1)).to_contain_text("长者食堂")
    shot("published", of=public)
    public.goto(server("/oversight/2026"))
    axe_check("published assessment", of=public)
    visitor.close()

"""Export journey (issue 14, point 2): staff export the comments of a consultation above the
threshold, watch the job's progress on its page (which refreshes itself) and download the file."""
from __future__ import annotations

import re
import threading

from openpyxl import load_workbook
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORDS

WASTE = "青松区生活垃圾分类管理实施办法"
STAFF_STHJ = "staff.qingsong-sthj@qingsong.example.gov.cn"


def test_staff_export_a_large_consultation_through_the_job(page, live_server, log_in, shot, monkeypatch, tmp_path):
    from portal.consultation import export
    from portal.exports import services as svc

    app = live_server.app
    monkeypatch.setitem(app.config, "EXPORT_DIRECT_MAX_ROWS", 1)   # every consultation is "large"
    monkeypatch.setattr(export, "BATCH", 2)                        # progress after every 2 rows
    # The worker pauses after its first progress report until the page has shown it.
    shown, reached = threading.Event(), threading.Event()
    kind = svc.KINDS[export.KIND]

    def paused(job, out, progress):
        def report(rows):
            progress(rows)
            if not reached.is_set():
                reached.set()
                shown.wait(60)
        kind.write(job, out, report)
    monkeypatch.setitem(svc.KINDS, export.KIND, svc.Kind(export.KIND, paused, kind.back))

    log_in(STAFF_STHJ, DEMO_PASSWORDS["staff"])
    page.goto(live_server("/staff/consultations"))
    page.get_by_role("link", name=re.compile(WASTE)).first.click()
    page.get_by_role("button", name="导出（Excel）").click()

    # The job page: queued, with the number of rows to write.
    expect(page.get_by_role("heading", level=1)).to_contain_text(WASTE)
    status = page.locator("#export-status")
    expect(status).to_have_text("等待处理")
    total = int(re.search(r"/([\d,]+)行", page.locator("#export-progress").inner_text()).group(1).replace(",", ""))
    assert total > 2
    shot("queued")

    # `flask exports run`, as the timer starts it on one of the nodes.
    def worker():
        with app.app_context():
            svc.run_pending(worker="e2e-node")
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    assert reached.wait(30)
    # The page refreshes itself (no click): the progress appears.
    expect(status).to_have_text("正在生成", timeout=10_000)
    expect(page.locator("#export-progress")).to_contain_text(f"已写入2/{total:,}行")
    expect(page.locator("progress")).to_have_attribute("value", "2")
    shot("progress")
    shown.set()
    thread.join(60)

    expect(status).to_have_text("可以下载", timeout=10_000)
    shot("ready")
    with page.expect_download() as info:
        page.get_by_role("button", name="下载文件").click()
    download = info.value
    assert re.fullmatch(r"consultation-\d+-comments\.xlsx", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("来源", "编号", "条文") and len(rows) == total + 1
    assert any(row[0] == "网上意见" for row in rows[1:])

    # The consultation's page lists the export.
    page.get_by_role("link", name="返回").click()
    expect(page.get_by_role("region", name="最近的导出")).to_contain_text("可以下载")

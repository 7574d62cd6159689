"""A 300-article regulation: the comparison is computed once, when the text is recorded, and the
page renders from the stored result in a constant number of queries."""
from __future__ import annotations

import statistics
import time

from portal.extensions import db
from portal.redline import services as svc
from tests.factories import issue
from tests.querycount import count_queries

N = 300
CN = "零一二三四五六七八九"


def number(n: int) -> str:
    """第N条 in Chinese numerals (1..999)."""
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    text = (CN[hundreds] + "百") if hundreds else ""
    if tens:
        text += ("" if tens == 1 and not hundreds else CN[tens]) + "十"
    elif hundreds and ones:
        text += "零"
    text += CN[ones] if ones else ""
    return f"第{text}条"


def article(n: int, extra: str = "") -> str:
    return (f"{number(n)} 区有关部门应当按照职责分工做好第{n}项工作，建立健全工作机制，"
            f"加强监督检查，定期向社会公布第{n}项工作的进展情况{extra}。")


def texts() -> tuple[str, str]:
    draft = "\n".join(article(n) for n in range(1, N + 1))
    issued, k = [], 1
    for n in range(1, N + 1):
        if n % 50 == 0:
            continue  # removed: later articles renumbered
        issued.append(article(n, "，并听取公众意见" if n % 10 == 0 else "").replace(number(n), number(k), 1))
        k += 1
    issued.append(f"{number(k)} 本办法自发布之日起施行。")
    return draft, "\n".join(issued)


def test_number_helper():
    assert [number(n) for n in (1, 10, 11, 20, 105, 110, 300)] == \
        ["第一条", "第十条", "第十一条", "第二十条", "第一百零五条", "第一百一十条", "第三百条"]


def test_300_articles_render_from_the_stored_comparison(f, app, client, login):
    draft, issued = texts()
    unit = f.unit()
    staff = f.staff(unit)
    item = f.decision(unit, status="deliberating", kind="other")
    f.consultation(item, status="closed", draft=draft)
    issue(item, item.created_at.date(), staff)
    started = time.perf_counter()
    final = svc.save_final_text(staff, item, issued)
    compute_ms = (time.perf_counter() - started) * 1000
    db.session.commit()
    counts = final.diff["counts"]
    assert counts["removed"] == N // 50 and counts["added"] == 1
    assert counts["changed"] == N // 10 - N // 50  # every 10th changed, unless removed
    assert counts["changed"] + counts["renumbered"] + counts["unchanged"] + counts["removed"] >= N - 1

    url = f"/decisions/{item.id}/changes"
    client.get(url)  # templates compiled
    with count_queries() as counter:
        page = client.get(url)
    assert page.status_code == 200 and page.text.count('class="redline-row') == N + 1
    assert counter.count <= 8, counter.statements
    timings = []
    for _ in range(15):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    print(f"\n300 articles: comparison computed in {compute_ms:.0f} ms; page median {median:.1f} ms "
          f"({counter.count} queries)")
    assert median < 250  # the DESIGN target (15 ms) is measured by the benchmark, not on a busy test run

    login(staff)
    staff_url = f"/staff/redline/decisions/{item.id}"
    client.get(staff_url)
    with count_queries() as counter:
        assert client.get(staff_url).status_code == 200
    assert counter.count <= 16, counter.statements

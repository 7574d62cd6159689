"""Every public page of the demo site, found by following links as a visitor would, and the
checks a phone screen needs (no sideways scrolling, touch targets of at least 48 px)."""
from __future__ import annotations

import re

TOUCH_TARGET = 48  # px, the size asked for older residents (issue 18), above WCAG 2.5.5's 44 px

FIXED = ["/", "/catalogue", "/consultations", "/consultations?show=closed", "/feedback", "/meetings",
         "/meetings?show=past", "/open-days", "/open-days?when=past", "/units", "/privacy",
         "/accessibility", "/search?q=垃圾", "/search?q=停车", "/auth/login", "/auth/register",
         "/auth/reset"]

# (the list page, a pattern of the links it holds): one page of each kind, found on the site.
LINKED = [
    ("/catalogue", r"/decisions/\d+"),
    ("{decision}", r"/catalogue/\d{4}/[\w-]+"),
    ("/consultations", r"/consultations/\d+"),
    ("/consultations?show=closed", r"/consultations/\d+"),
    ("{consultation}", r"/consultations/\d+/comments"),
    ("/feedback", r"/feedback/\d+"),
    ("/meetings", r"/meetings/\d+"),
    ("/meetings?show=past", r"/meetings/\d+"),
    ("/open-days", r"/open-days/\d+"),
    ("/open-days?when=past", r"/open-days/\d+"),
    ("/open-days", r"/open-month/\d{4}"),
    ("/units", r"/units/[\w-]+"),
]


def href(page, live_server, list_path: str, pattern: str) -> str | None:
    """The first link on ``list_path`` whose path matches ``pattern`` (a full match)."""
    page.goto(live_server(list_path))
    hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for found in hrefs:
        path = found.split("#")[0].replace(live_server(""), "")
        if re.fullmatch(pattern, path.split("?")[0]):
            return path
    return None


def public_paths(page, live_server) -> list[str]:
    paths = list(FIXED)
    found: dict[str, str] = {}
    for list_path, pattern in LINKED:
        source = list_path.format(**found) if "{" in list_path else list_path
        if "{" in list_path and list_path.strip("{}") not in found:
            continue
        path = href(page, live_server, source, pattern)
        assert path, f"no link like {pattern} on {source}"
        paths.append(path)
        kind = {r"/decisions/\d+": "decision", r"/consultations/\d+": "consultation",
                r"/feedback/\d+": "report"}.get(pattern)
        if kind and kind not in found:
            found[kind] = path
    # A published report, with its charts (drawn narrow for phones and large text).
    page.goto(live_server("/feedback"))
    reports = page.locator("main a[href*='/feedback/']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for report in dict.fromkeys(r.replace(live_server(""), "") for r in reports):
        page.goto(live_server(report))
        if page.locator("main picture img").count():
            paths.append(report)
            break
    # The article-by-article comparison of an issued decision, linked from its page.
    for report in [p for p in paths if re.fullmatch(r"/feedback/\d+", p)]:
        changes = href(page, live_server, report.replace("/feedback/", "/decisions/"), r"/decisions/\d+/changes")
        if changes:
            paths.append(changes)
            break
    return list(dict.fromkeys(paths))


# Measured in the page: the page's sideways overflow and every control smaller than the target.
# Links inside a sentence are exempt (WCAG 2.5.8 "inline"); a checkbox or radio counts with its
# label (the whole row is the target).
MEASURE = """(minimum) => {
  const doc = document.documentElement;
  const small = [];
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && !el.closest('.visually-hidden, .visually-hidden-focusable');
  };
  const inline = (a) => {
    const block = a.parentElement.closest('p, li, dd, td, th, div, span.small, small, label');
    if (!block) return false;
    const own = a.textContent.replace(/\\s+/g, '');
    const around = block.textContent.replace(/\\s+/g, '');
    return around.length > own.length + 1;
  };
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    if (el.tagName === 'A' && inline(el)) continue;
    let box = el;
    if (el.type === 'checkbox' || el.type === 'radio') box = el.closest('.form-check, label') || el;
    const r = box.getBoundingClientRect();
    if (r.height < minimum - 0.5 || r.width < minimum - 0.5) {
      small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.textContent || el.value || el.name || '').trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  const wide = [];
  if (doc.scrollWidth > doc.clientWidth) {
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > doc.clientWidth + 0.5 && visible(el)) wide.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ')[0] : ''} right=${Math.round(r.right)}`);
      if (wide.length > 5) break;
    }
  }
  return {overflow: doc.scrollWidth - doc.clientWidth, small, wide};
}"""

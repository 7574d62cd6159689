"""Every public page on a 390 px phone, in the standard and the large-text mode: no sideways
scrolling, every control a touch target of at least 48 px, content starting within the first
screen, and no serious or critical axe-core violation; a screenshot of each page in both modes is
kept in the test artifacts."""
import re

import pytest

from .public_pages import MEASURE, TOUCH_TARGET, public_paths

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("mode", ["standard", "large"])
def test_every_public_page_fits_a_phone(page, live_server, shot, axe_check, mode):
    paths = public_paths(page, live_server)
    page.context.add_cookies([{"name": "text_size", "value": "large" if mode == "large" else "normal",
                               "url": live_server("/")}])
    page.set_viewport_size(PHONE)
    problems = []
    for number, path in enumerate(paths, start=1):
        response = page.goto(live_server(path))
        assert response.status == 200, f"{path}: HTTP {response.status}"
        assert ("large-text" in (page.locator("body").get_attribute("class") or "")) == (mode == "large")
        found = page.evaluate(MEASURE, TOUCH_TARGET)
        if found["overflow"] > 0:
            problems.append(f"{path}: {found['overflow']}px wider than the screen: {found['wide']}")
        if found["small"]:
            problems.append(f"{path}: targets under {TOUCH_TARGET}px: {found['small'][:8]}")
        # The page's own content starts within the first screen (the navigation is collapsed).
        top = page.evaluate("document.querySelector('main h1, main').getBoundingClientRect().top + window.scrollY")
        if top > PHONE["height"] * 0.6:
            problems.append(f"{path}: the content starts {round(top)}px down")
        try:
            axe_check(path)
        except AssertionError as error:
            problems.append(str(error))
        shot(f"{mode}-{number:02d}-{re.sub(r'[^0-9A-Za-z]+', '_', path).strip('_') or 'home'}")
    assert not problems, "\n".join(problems)

"""With the demo data, whatever the date, the dashboard shows units meeting some targets and
missing others."""
from __future__ import annotations

from datetime import datetime

import pytest

from portal import clock
from portal.demo import seed
from portal.extensions import db
from portal.oversight import services as svc

from .conftest import at


@pytest.mark.parametrize("moment", [datetime(2026, 10, 9, 10, 0), datetime(2027, 9, 15, 10, 0)])
def test_demo_meets_some_targets_and_misses_others(app, client, f, login, moment):
    at(app, moment)
    seed()
    db.session.commit()
    overview = svc.compliance(clock.today().year)
    states = [state for unit in overview.units for state in unit.states.values()]
    assert svc.MET in states and svc.NOT_MET in states
    assert any(unit.met_count for unit in overview.units)
    login(f.admin())
    db.session.commit()
    html = client.get("/admin/compliance").get_data(as_text=True)
    assert f"yearly targets, {moment.year}" in html
    assert "state-met\"" in html and "state-not_met\"" in html


def test_demo_has_an_online_activity_counted_and_one_not_counted(app, client, f, login):
    """盈溪街道's online activity, held with its summary published, counts as an open day; the
    规划资源局's, held without one, is shown and not counted."""
    at(app, datetime(2026, 10, 9, 10, 0))
    seed()
    db.session.commit()
    overview = svc.compliance(2026)
    by_slug = {u.unit.slug: u.open_days for u in overview.units}
    assert (by_slug["yingxi"].online, by_slug["yingxi"].awaiting_summary) == (1, 0)
    assert (by_slug["qingsong-ghzy"].online, by_slug["qingsong-ghzy"].awaiting_summary) == (0, 1)
    login(f.admin())
    db.session.commit()
    client.set_cookie("lang", "zh_Hans_CN")
    html = client.get("/admin/compliance?year=2026").get_data(as_text=True)
    ghzy = html[html.index('id="unit-qingsong-ghzy"'):]
    assert "线上活动已举办但总结未公布1场（不计入）" in ghzy[:ghzy.index("</tr>")]
    yingxi = html[html.index('id="unit-yingxi"'):]
    assert "其中线上开放活动1场（已公布总结）" in yingxi[:yingxi.index("</tr>")]

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

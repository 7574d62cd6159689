from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.meetings.models import Meeting


def test_demo_seeds_three_meetings_at_any_date(app, client):
    from portal.demo import FEATURE_DEMOS, seed

    assert "portal.meetings.demo" in FEATURE_DEMOS
    app.config["CLOCK_NOW"] = datetime(2027, 8, 9, 10, 0)
    seed()
    db.session.commit()
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.id)).all()
    phases = [m.phase() for m in meetings]
    assert phases == ["signup", "selected", "recorded"]
    assert all(m.decisions for m in meetings)
    drawn = client.get(f"/api/v1/meetings/{meetings[1].id}").get_json()
    assert drawn["lottery"]["seed"] and drawn["lottery"]["categories"]
    assert client.get(f"/meetings/{meetings[2].id}").status_code == 200
    assert client.get("/meetings").status_code == 200


def test_demo_id_numbers_are_valid():
    from stdnum.cn import ric

    from portal.meetings.demo import fake_id_number

    numbers = [fake_id_number(i) for i in range(30)]
    assert all(ric.is_valid(n) for n in numbers) and len(set(numbers)) == 30

import hashlib
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.meetings.models import Meeting


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_demo_seeds_three_meetings_at_any_date(app, client):
    from portal.demo import FEATURE_DEMOS, seed

    assert "portal.meetings.demo" in FEATURE_DEMOS
    app.config["CLOCK_NOW"] = datetime(2027, 8, 9, 10, 0)
    seed()
    db.session.commit()
    # The meetings demo's three (the oversight demo adds a past meeting of its own afterwards).
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.id).limit(3)).all()
    phases = [m.phase() for m in meetings]
    assert phases == ["signup", "selected", "recorded"]
    assert all(m.decisions for m in meetings)
    drawn = client.get(f"/api/v1/meetings/{meetings[1].id}").get_json()["lottery"]
    assert drawn["seed"] and drawn["categories"]
    # A complete, verifiable lottery: commitment, public value, frozen list, extension, exclusion,
    # a withdrawal after the freeze, and the same result when redone from the record alone.
    assert sha256(drawn["secret"]) == drawn["commitment"]
    lines = "\n".join(f"{e['number']}|{e['category']}|{e['name']}" for e in drawn["input"])
    assert sha256(lines) == drawn["input_hash"]
    seed = sha256(drawn["secret"] + "|" + "".join(c for c in drawn["public_value"] if c.isdigit()))
    assert seed == drawn["seed"]
    assert drawn["signup_extensions"] and drawn["excluded"] and drawn["withdrawn_after_freeze"]
    skipped = {w["number"] for w in drawn["withdrawn_after_freeze"] if w["before_draw"]}
    for category in drawn["categories"]:
        numbers = [e["number"] for e in drawn["input"] if e["category"] == category["category"]]
        order = [n for n in sorted(numbers, key=lambda n: (sha256(seed + ":" + n), n)) if n not in skipped]
        assert category["selected"] + category["alternates"] == order
        assert len(category["selected"]) == min(category["seats"], len(order))
    upcoming = client.get(f"/api/v1/meetings/{meetings[0].id}").get_json()["lottery"]
    assert upcoming["commitment"] and upcoming["secret"] is None and upcoming["public_source"]
    assert client.get(f"/meetings/{meetings[2].id}").status_code == 200
    assert client.get("/meetings").status_code == 200


def test_demo_id_numbers_are_valid():
    from stdnum.cn import ric

    from portal.meetings.demo import fake_id_number

    numbers = [fake_id_number(i) for i in range(30)]
    assert all(ric.is_valid(n) for n in numbers) and len(set(numbers)) == 30

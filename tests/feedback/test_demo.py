from datetime import datetime

from portal.demo import seed
from portal.extensions import db
from portal.feedback import deadlines as due_dates


def test_demo_has_a_report_on_time_an_item_due_and_one_overdue(app, client):
    app.config["CLOCK_NOW"] = datetime(2026, 6, 10, 10, 0)
    seed()
    db.session.commit()
    states = {d.state for d in due_dates.deadlines(db.session.execute(due_dates.decided_items()).all())}
    assert {"on_time", "due", "overdue"} <= states
    assert client.get("/feedback").status_code == 200

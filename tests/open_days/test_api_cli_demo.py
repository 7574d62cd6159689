from datetime import datetime

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import InboxMessage
from portal.open_days import services
from portal.open_days.models import OpenActivity, OpenRegistration, OpenSlot


def test_api_detail_and_list_shapes(client, f, person_data):
    activity = f.open_activity(slots=[(datetime(2026, 8, 10, 9), datetime(2026, 8, 10, 11), 1)])
    for n in range(3):
        services.register(activity.slots[0], f.resident(), person_data(n))
    db.session.commit()
    data = client.get(f"/api/v1/open-days/{activity.id}").get_json()
    assert data["id"] == activity.id and data["type"] == "open_day" and data["unit"]["id"] == activity.unit_id
    assert data["slots"] == [{"id": activity.slots[0].id, "starts_at": "2026-08-10T09:00:00",
                              "ends_at": "2026-08-10T11:00:00", "capacity": 1, "confirmed": 1, "waiting": 2}]
    listing = client.get("/api/v1/open-days?year=2026&month=8").get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == activity.id
    assert client.get("/api/v1/open-days?year=2026&month=9").get_json()["total"] == 0
    assert client.get(f"/api/v1/open-days?unit={activity.unit.slug}").get_json()["total"] == 1
    assert client.get("/api/v1/open-days?month=8").status_code == 400
    assert client.get("/api/v1/open-days/999999").status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/open-days" in spec["paths"] and "/open-days/{activity_id}" in spec["paths"]
    assert "OpenActivity" in spec["components"]["schemas"]


def test_cli_remind_is_idempotent(app, runner, f, person_data):
    reg_id = services.register(f.open_activity().slots[0], f.resident(), person_data()).id
    db.session.commit()
    app.config["CLOCK_NOW"] = datetime(2026, 8, 9, 8, 0)
    result = runner.invoke(args=["open-days", "remind"])
    assert result.exit_code == 0 and "reminders sent: 1" in result.output
    assert "reminders sent: 0" in runner.invoke(args=["open-days", "remind"]).output
    db.session.remove()
    assert db.session.get(OpenRegistration, reg_id).reminded_at == datetime(2026, 8, 9, 8, 0)


def test_cli_no_shows_and_purge(app, runner, f, person_data):
    reg_id = services.register(f.open_activity().slots[0], f.resident(), person_data()).id
    db.session.commit()
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 12, 0)
    assert "no-shows recorded: 1" in runner.invoke(args=["open-days", "no-shows"]).output
    app.config["CLOCK_NOW"] = datetime(2026, 11, 9, 12, 0)  # 90 days after
    assert "registrations purged: 1" in runner.invoke(args=["open-days", "purge"]).output
    db.session.remove()
    stored = db.session.get(OpenRegistration, reg_id)
    assert stored.status == "no_show" and stored.name == "" and stored.mobile == ""


def _demo_context(f):
    from portal.open_days.demo import seed  # noqa: F401

    slugs = ["qingsong-sthj", "qingsong-fgw", "yingxi", "songze", "qingsong-ghzy", "qingsong-mz"]
    units = {slug: f.unit(slug=slug) for slug in slugs}
    return {"units": units, "staff": {slug: f.staff(unit) for slug, unit in units.items()},
            "residents": [f.resident() for _ in range(6)], "admin": f.admin()}


def _seed_at(app, f, now):
    from portal.open_days.demo import seed

    app.config["CLOCK_NOW"] = now
    seed(_demo_context(f))
    db.session.flush()


@pytest.mark.parametrize("now", [datetime(2026, 3, 2, 9), datetime(2026, 8, 12, 9), datetime(2026, 10, 20, 9)])
def test_demo_seed_at_any_date(app, f, now):
    _seed_at(app, f, now)
    year_august = db.session.scalar(select(func.count(OpenActivity.id)).where(
        OpenActivity.starts_at >= datetime(now.year, 8, 1), OpenActivity.starts_at < datetime(now.year, 9, 1)))
    assert year_august >= 4
    full = db.session.scalar(select(OpenSlot).where(OpenSlot.capacity == 3, OpenSlot.starts_at > now)
                             .order_by(OpenSlot.id.desc()))
    assert full.confirmed_count == 3 and full.waiting_count == 2
    published = db.session.scalar(select(OpenActivity).where(OpenActivity.summary_published_at.is_not(None),
                                                             OpenActivity.ends_at < now)
                                  .order_by(OpenActivity.id.desc()))
    assert published.summary_items
    assert db.session.scalar(select(func.count(InboxMessage.id))) > 0

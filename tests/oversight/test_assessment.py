"""The published yearly assessment: a private draft until the district office publishes it once the
year is over; the published figures are frozen (a re-publication is a new version); the page is
public, in the API (and its OpenAPI document) and in the Atom feed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.oversight import assessment
from portal.oversight.models import Assessment

from .conftest import NOW, YEAR, at, meeting

AFTER = datetime(2027, 2, 10, 10, 0)  # Q1 of the next year


def _publish(client, note=""):
    return client.post(f"/admin/oversight/{YEAR}", data={"note": note})


def test_the_draft_is_private_until_published(app, world, client, f, login):
    at(app, AFTER)
    assert client.get(f"/oversight/{YEAR}").status_code == 404
    assert client.get(f"/api/v1/oversight/{YEAR}").status_code == 404
    assert client.get(f"/admin/oversight/{YEAR}").status_code in (302, 401, 403)
    login(f.staff(world.district))
    db.session.commit()
    assert client.get(f"/admin/oversight/{YEAR}").status_code == 403
    login(f.admin())
    db.session.commit()
    html = client.get(f"/admin/oversight/{YEAR}").get_data(as_text=True)
    assert 'id="assessment-draft"' in html and 'id="unit-district"' in html
    assert db.session.scalar(select(Assessment)) is None  # previewing writes nothing


def test_published_once_the_year_is_over_frozen_and_versioned(app, world, client, f, login):
    login(f.admin())
    db.session.commit()
    at(app, datetime(2026, 12, 31, 23, 0))
    response = _publish(client, "首次公布")
    assert response.status_code == 422 and "once the year is over" in response.get_data(as_text=True)
    assert "首次公布" in response.get_data(as_text=True)  # what was typed is kept
    at(app, AFTER)
    response = _publish(client, "首次公布")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/oversight/{YEAR}")
    client.post("/logout")
    html = client.get(f"/oversight/{YEAR}").get_data(as_text=True)
    assert 'id="assessment-published"' in html and "首次公布" in html
    # Per unit, each target, met or missed, with links to the evidence.
    district = html[html.index('id="unit-district"'):html.index('id="unit-bureau"')]
    assert 'data-target="meetings"' in district and "state-met" in district
    assert district.count('href="/meetings/') == 3  # the three meetings that count
    assert district.count('href="/open-days/') == 3
    assert f'href="/catalogue/{YEAR}/district"' in district
    bureau = html[html.index('id="unit-bureau"'):]
    assert "state-not_met" in bureau

    # The data changes afterwards: the published page does not.
    meeting(f, world.bureau, datetime(2026, 11, 5, 9, 0), recorded=True)
    db.session.commit()
    frozen = client.get(f"/api/v1/oversight/{YEAR}").get_json()
    bureau_meetings = next(u for u in frozen["units"] if u["slug"] == "bureau")["targets"]["meetings"]
    assert (bureau_meetings["state"], bureau_meetings["figures"]["counted"]) == ("not_met", 0)
    assert frozen["version"] == 1 and frozen["versions"] == [1]

    # Re-publication: a new version; the first stays readable.
    login(f.admin())
    db.session.commit()
    assert _publish(client, "更正：补录会议记录").status_code == 302
    latest = client.get(f"/api/v1/oversight/{YEAR}").get_json()
    assert latest["version"] == 2 and latest["versions"] == [2, 1]
    assert next(u for u in latest["units"] if u["slug"] == "bureau")["targets"]["meetings"]["state"] == "met"
    first = client.get(f"/api/v1/oversight/{YEAR}?version=1").get_json()
    assert next(u for u in first["units"] if u["slug"] == "bureau")["targets"]["meetings"]["state"] == "not_met"
    assert client.get(f"/oversight/{YEAR}?version=1").status_code == 200
    assert client.get(f"/oversight/{YEAR}?version=9").status_code == 404
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "oversight.publish_assessment"))
    assert len(list(actions)) == 2


def test_in_the_api_document_and_the_feed(app, world, client, f, login):
    from tests.api.schema_check import errors

    at(app, AFTER)
    assessment.publish(f.admin(), YEAR, "")
    db.session.commit()
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/oversight/{year}" in document["paths"]
    schema = document["paths"]["/oversight/{year}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert errors(client.get(f"/api/v1/oversight/{YEAR}").get_json(), schema, document) == []
    feed = client.get("/oversight/feed.atom")
    assert feed.mimetype == "application/atom+xml"
    text = feed.get_data(as_text=True)
    assert f"tag:portal,{YEAR}:oversight-{YEAR}-v1" in text and f"/oversight/{YEAR}?version=1" in text
    index = client.get("/oversight").get_data(as_text=True)
    assert f'href="/oversight/{YEAR}"' in index
    at(app, NOW)

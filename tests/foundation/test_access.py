"""Role guards on every /staff and /admin route, and the object-level unit check."""
from __future__ import annotations

import re

import pytest
from flask import Blueprint
from werkzeug.exceptions import Forbidden, NotFound

from portal.auth.access import can_manage_unit, ensure_unit_access, get_for_unit, staff_required
from portal.extensions import db
from portal.units.models import Unit

SAMPLE_VALUES = {"int": "2026", "string": "x", "default": "x", "path": "x"}


def _guarded_urls(app):
    for rule in app.url_map.iter_rules():
        if not re.match(r"^/(staff|admin)(/|$)", rule.rule):
            continue

        def fill(match):
            converter = match.group(1) or "default"
            return SAMPLE_VALUES.get(converter, "1")

        url = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_there_are_guarded_routes_to_walk(app):
    endpoints = {endpoint for endpoint, _m, _u in _guarded_urls(app)}
    assert {"main.staff_home", "admin.index", "admin.accounts", "units.admin_list", "audit.index",
            "calendar.index", "calendar.year"} <= endpoints


def test_every_staff_and_admin_route_sends_anonymous_to_login(app):
    client = app.test_client()
    for endpoint, method, url in _guarded_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method, url, response.status_code)
        assert "/auth/login" in response.headers["Location"], (endpoint, url)


def test_every_staff_and_admin_route_refuses_residents(app, client, f, login):
    login(f.resident())
    db.session.commit()
    for endpoint, method, url in _guarded_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 403, (endpoint, method, url, response.status_code)


def test_every_admin_route_refuses_staff(app, client, f, login):
    login(f.staff())
    db.session.commit()
    for endpoint, method, url in _guarded_urls(app):
        if url.startswith("/admin"):
            response = client.open(url, method=method)
            assert response.status_code == 403, (endpoint, method, url, response.status_code)


class Thing:
    """A stand-in for a feature object that belongs to a unit."""

    def __init__(self, unit_id):
        self.unit_id = unit_id


class OwnedThing:
    def __init__(self, unit_id):
        self.owner_unit_id = unit_id


@pytest.fixture
def probe_app(make_app):
    """An app with a tiny staff route that loads a unit-owned object through get_for_unit."""
    app = make_app()
    bp = Blueprint("probe", __name__)

    @bp.route("/staff/probe/units/<int:unit_id>")
    @staff_required
    def unit_page(unit_id):
        unit = get_for_unit(Unit, unit_id)
        return f"ok {unit.slug}"

    @bp.route("/staff/probe/thing/<int:unit_id>")
    @staff_required
    def thing_page(unit_id):
        ensure_unit_access(OwnedThing(unit_id))
        return "ok"

    app.register_blueprint(bp)
    return app


def test_staff_get_403_on_another_units_object(probe_app, f, login):
    with probe_app.app_context():
        unit_a, unit_b = f.unit(slug="unit-a"), f.unit(slug="unit-b")
        staff_a, admin = f.staff(unit_a), f.admin()
        db.session.commit()
        a, b, staff_login, admin_login = unit_a.id, unit_b.id, staff_a.get_id(), admin.get_id()
    client = probe_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = staff_login
    assert client.get(f"/staff/probe/units/{a}").get_data(as_text=True) == "ok unit-a"
    assert client.get(f"/staff/probe/units/{b}").status_code == 403
    assert client.get("/staff/probe/units/99999").status_code == 404
    assert client.get(f"/staff/probe/thing/{a}").status_code == 200
    assert client.get(f"/staff/probe/thing/{b}").status_code == 403
    with client.session_transaction() as session:
        session["_user_id"] = admin_login
    assert client.get(f"/staff/probe/units/{b}").status_code == 200
    assert client.get(f"/staff/probe/thing/{b}").status_code == 200


def test_ensure_unit_access_in_a_request_context(app, f):
    from flask import g
    from flask_login import login_user

    unit_a, unit_b = f.unit(), f.unit()
    staff_a, resident, admin = f.staff(unit_a), f.resident(), f.admin()
    with app.test_request_context():
        login_user(staff_a)
        ensure_unit_access(Thing(unit_a.id))
        ensure_unit_access(unit_a)  # a Unit is its own unit
        ensure_unit_access(unit_a.id)
        for other in (Thing(unit_b.id), unit_b, unit_b.id, Thing(None)):
            with pytest.raises(Forbidden):
                ensure_unit_access(other)
        with pytest.raises(NotFound):
            get_for_unit(Unit, 10**6)
    with app.test_request_context():
        login_user(resident)
        with pytest.raises(Forbidden):
            ensure_unit_access(Thing(resident.unit_id))
    with app.test_request_context():
        login_user(admin)
        ensure_unit_access(Thing(unit_b.id))
        assert get_for_unit(Unit, unit_b.id) is unit_b
    g.pop("_login_user", None)  # the app context outlives the request contexts above
    with app.test_request_context():
        with pytest.raises(Forbidden):
            ensure_unit_access(Thing(unit_a.id))  # anonymous


def test_can_manage_unit_rules(f):
    unit = f.unit()
    staff = f.staff(unit)
    assert can_manage_unit(staff, unit.id)
    assert not can_manage_unit(staff, unit.id + 1)
    assert not can_manage_unit(staff, None)
    assert not can_manage_unit(None, unit.id)
    assert can_manage_unit(f.admin(), None)

"""Schemathesis fuzzing of the open data API against its own OpenAPI document (/api/v1/openapi.json).

Guards DESIGN §5: every operation, called over WSGI (no network) on a seeded portal with valid and
invalid parameters (positive and negative generation), answers without a server error, only with
documented status codes and content types, and with bodies that conform to the declared schemas.
Deterministic (derandomized hypothesis) and bounded (a few dozen cases per operation).
"""
from __future__ import annotations

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, event, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from portal import create_app

from ..conftest import BASE_CONFIG
from .conftest import NOW
from .world import seed_world


def _document() -> dict:
    """The OpenAPI document, as served (it is built from the route declarations, not the database)."""
    with tempfile.TemporaryDirectory(prefix="portal-openapi-") as folder:
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=folder)
        return app.test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document())
schema.config.generation.update(max_examples=40)


def _documented_refusal(case, known: dict[str, set[str]]) -> str | None:
    """Schema-valid requests that the API refuses with a clear 400 by design, because OpenAPI 3.0
    cannot express the rule: why, else None."""
    query = case.query or {}
    if case.operation.path == "/open-days" and query.get("month") not in (None, "") and \
            query.get("year") in (None, ""):
        return "'month' needs 'year'"  # "month" only means something with "year" (tests/open_days too)
    if case.operation.path == "/decisions":
        for name in ("unit", "topic"):  # a unit or topic that does not exist (tests/catalogue too)
            value = str(query.get(name) or "").strip()
            if value and value not in known[name]:
                return f"unknown {name}"
    return None


@pytest.fixture
def seeded(app):
    return seed_world(app, NOW)


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_conforms_to_its_openapi_document(case, app, seeded):
    """No 5xx, documented status codes, conforming bodies and content types, no personal data."""
    ids = seeded.ids()
    known = {"unit": {u.slug for u in seeded.units} | {str(u.id) for u in seeded.units},
             "topic": {t.slug for t in seeded.topics} | {str(t.id) for t in seeded.topics}}
    # Half of the path ids point at seeded objects, so that 200 responses are validated too.
    for name, values in (("item_id", ids["decisions"]), ("consultation_id", ids["consultations"]),
                         ("meeting_id", ids["meetings"]), ("activity_id", ids["activities"]),
                         ("decision_id", ids["feedback"])):
        if case.path_parameters and name in case.path_parameters:
            value = case.path_parameters[name]
            if isinstance(value, int) and value % 2 == 0:
                case.path_parameters[name] = values[(value // 2) % len(values)]
    reason = _documented_refusal(case, known)
    if reason:
        response = case.call_and_validate(app=app, excluded_checks=[positive_data_acceptance])
        assert response.status_code in (400, 404), (reason, response.text)
    else:
        response = case.call_and_validate(app=app)
    event(f"status {response.status_code}")
    # no personal data: full names, mobiles, residents' email addresses
    assert not any(secret in response.text for secret in ("张三丰", "13800138000", "@example.com"))

"""Each server error found by probing (issue 12 point 5), at its exact input: now a clear 4xx, or
the page with a message, and nothing saved is lost. The walk in ``test_hostile_queries.py`` finds
such errors anywhere; these pin the known ones and the shared helpers behind their fixes."""
from __future__ import annotations

import io

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from portal.audit.services import record
from portal.consultation.models import Comment, OfflineOpinion
from portal.extensions import db
from portal.requestargs import DB_INT_MAX, link_args, parse_int

from .conftest import NOW
from .world import _pending_comment

HUGE = "9" * 23


@pytest.fixture
def setup(app, f, login):
    unit = f.unit()
    staff = f.staff(unit)
    consultation = f.consultation(f.decision(unit, status="consulting"), status="open")
    resident = f.resident()
    comment = _pending_comment(consultation, resident, "请公布时间表。", consultation.sections[1])
    db.session.commit()
    login(staff)
    return {"unit": unit, "staff": staff, "consultation": consultation, "comment": comment}


# --- the helper --------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("1", 1), ("0", 0), ("-1", -1), (str(DB_INT_MAX), DB_INT_MAX), (str(DB_INT_MAX + 1), None),
    (str(-(2**31)), -(2**31)), (str(-(2**31) - 1), None), (HUGE, None), ("²", None), ("٣", None),
    (" 3 ", None), ("1.5", None), ("", None), ("中文", None), ("😀", None), (None, None)])
def test_parse_int_accepts_ascii_integers_within_a_database_integer(raw, expected):
    assert parse_int(raw) == expected


# --- moderation and the feedback comment list: section and campaign filters ---------------------

@pytest.mark.parametrize("page", ["/staff/consultations/{}/moderation", "/staff/feedback/consultations/{}/comments"])
@pytest.mark.parametrize("query", [{"section": "²"}, {"section": HUGE}, {"campaign": HUGE}, {"campaign": "²"},
                                   {"section": str(DB_INT_MAX + 1)}, {"campaign": "-1"}])
def test_comment_filters_ignore_bad_numbers(client, setup, page, query):
    """Like any malformed filter, a bad number is ignored: the page lists everything."""
    response = client.get(page.format(setup["consultation"].id), query_string=query)
    assert response.status_code == 200
    if page.startswith("/staff/consultations"):
        assert "请公布时间表。" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["/staff/consultations/{}/moderation", "/staff/feedback/consultations/{}/comments"])
def test_comment_filters_still_filter(client, setup, page):
    consultation = setup["consultation"]
    url = page.format(consultation.id)
    for query in ({"section": str(consultation.sections[1].id)}, {"section": "general"},
                  {"campaign": str(DB_INT_MAX)}, {"section": ""}, {"campaign": ""}):
        assert client.get(url, query_string=query).status_code == 200, query
    moderation = page.startswith("/staff/consultations")
    if moderation:  # the pending comment is listed under its section, not under another one
        body = client.get(url, query_string={"section": consultation.sections[1].id}).get_data(as_text=True)
        assert "请公布时间表。" in body
        body = client.get(url, query_string={"section": consultation.sections[2].id}).get_data(as_text=True)
        assert "请公布时间表。" not in body
        assert client.get(url, query_string={"campaign": "any"}).status_code == 200


def test_moderation_with_url_parameters_in_the_query_saves_and_says_so(client, setup):
    """``?consultation_id=`` (and ``?endpoint=``) once made the redirect after saving fail: the
    comment was published, then a 500 said nothing was saved."""
    consultation, comment = setup["consultation"], setup["comment"]
    url = f"/staff/consultations/{consultation.id}/moderation"
    query = {"consultation_id": "x", "endpoint": "y", "_external": "1", "status": "pending"}
    page = client.get(url, query_string=query)
    assert page.status_code == 200
    assert "consultation_id=x" not in page.get_data(as_text=True)
    response = client.post(url, query_string=query, data={"comment_ids": [comment.id], "action": "publish"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "status=pending" in location and "consultation_id" not in location and "endpoint" not in location
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "published"


# --- offline opinions: participants ----------------------------------------------------------

@pytest.mark.parametrize("participants", [HUGE, str(DB_INT_MAX + 1), "1000001", "-1", "²", "中文", ""])
def test_offline_opinion_with_bad_participants_is_refused_on_the_form(client, setup, participants):
    consultation = setup["consultation"]
    response = client.post(f"/staff/consultations/{consultation.id}/offline", data={
        "channel": "symposium", "held_on": NOW.date().isoformat(), "participants": participants,
        "summary": "座谈会纪要：居民代表希望延长投放时间。"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "座谈会纪要：居民代表希望延长投放时间。" in body  # what was typed stays
    assert db.session.scalar(select(func.count()).select_from(OfflineOpinion)) == 0


def test_offline_opinion_at_the_participants_limit_is_saved(client, setup):
    consultation = setup["consultation"]
    response = client.post(f"/staff/consultations/{consultation.id}/offline", data={
        "channel": "symposium", "held_on": NOW.date().isoformat(), "participants": "1000000",
        "summary": "座谈会纪要。"})
    assert response.status_code == 302
    assert db.session.scalar(select(OfflineOpinion.participants)) == 1_000_000


# --- admin pages ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["object_id", "actor_id", "unit_id"])
@pytest.mark.parametrize("value", [HUGE, "²", str(DB_INT_MAX + 1)])
def test_audit_filters_ignore_bad_numbers(client, login, f, name, value):
    admin = f.admin()
    record(admin, "test.entry", object_type="probe", object_id=1, summary="probe-entry")
    db.session.commit()
    login(admin)
    response = client.get("/admin/audit", query_string={name: value})
    assert response.status_code == 200 and "probe-entry" in response.get_data(as_text=True)


def test_audit_filter_at_the_largest_id_finds_nothing(client, login, f):
    admin = f.admin()
    record(admin, "test.entry", object_type="probe", object_id=1, summary="probe-entry")
    db.session.commit()
    login(admin)
    response = client.get("/admin/audit", query_string={"object_id": str(DB_INT_MAX)})
    assert response.status_code == 200 and "probe-entry" not in response.get_data(as_text=True)


def test_strict_int_arg_is_a_400(app):
    from werkzeug.exceptions import BadRequest

    from portal.requestargs import int_arg

    for raw, expected in ((HUGE, None), ("²", None), ("7", 7), ("", 3)):
        with app.test_request_context("/x", query_string={"n": raw}):
            assert int_arg("n", 3) == (3 if expected is None else expected)
            if expected is None:
                with pytest.raises(BadRequest):
                    int_arg("n", strict=True)
            else:
                assert int_arg("n", 3, strict=True) == expected


def test_pagination_links_keep_filters_and_drop_url_for_arguments(client, login, f):
    """``?endpoint=x`` once reached ``url_for(endpoint, **request.args)`` in the pagination macro."""
    admin = f.admin()
    for n in range(51):  # more than one page of 50
        record(admin, "test.entry", object_type="probe", object_id=n + 1)
    db.session.commit()
    login(admin)
    response = client.get("/admin/audit", query_string=[
        ("object_type", "probe"), ("endpoint", "x"), ("_external", "1"), ("_anchor", "y"), ("page", "1")])
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'href="/admin/audit?object_type=probe&amp;page=2"' in body
    links = [part.split('"')[0] for part in body.split('href="/admin/audit?')[1:]]
    assert links and all("endpoint" not in link and "_external" not in link and "_anchor" not in link
                         for link in links), links


def test_link_args_drops_url_parameters_and_url_for_arguments(app):
    with app.test_request_context("/staff/consultations/1/moderation?consultation_id=2&endpoint=x&_scheme=js"
                                  "&status=pending&page=3"):
        from flask import request

        request.view_args = {"consultation_id": 1}
        assert link_args(page=4) == {"status": "pending", "page": 4}
        assert render_template_string("{{ link_args()|length }}") == "2"  # a template global


@pytest.mark.parametrize("value", [HUGE, "²", "-1"])
def test_staff_catalogue_unit_bad_numbers_list_the_units(client, login, f, value):
    login(f.admin())
    assert client.get("/staff/catalogue", query_string={"unit": value}).status_code == 200


def test_staff_catalogue_unit_that_does_not_exist_lists_the_units(client, login, f):
    login(f.admin())
    response = client.get("/staff/catalogue", query_string={"unit": str(DB_INT_MAX)})
    assert response.status_code == 200


def test_working_days_beyond_the_last_date_are_a_message(client, login, f):
    login(f.admin())
    response = client.get("/admin/calendar", query_string={"start": "9999-12-20", "n": "500"})
    assert response.status_code == 200
    assert "beyond the year 9999" in response.get_data(as_text=True)
    ok = client.get("/admin/calendar", query_string={"start": "2026-01-05", "n": "5"})
    assert ok.status_code == 200 and "beyond the year 9999" not in ok.get_data(as_text=True)


# --- uploads over the size limit ----------------------------------------------------------------

@pytest.mark.parametrize("signed_in", [True, False])
def test_upload_over_the_size_limit_is_the_413_page(app, client, login, f, signed_in):
    unit = f.unit()
    staff = f.staff(unit)
    item = f.decision(unit)
    db.session.commit()
    app.config["MAX_CONTENT_LENGTH"] = 1000
    if signed_in:
        login(staff)
    response = client.post(f"/staff/catalogue/items/{item.id}/documents/new", data={
        "kind": "other", "title": "附件", "file": (io.BytesIO(b"%PDF-1.4" + b"x" * 5000), "a.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "The upload is larger than allowed." in response.get_data(as_text=True)



# --- ids posted in lists (checkboxes) --------------------------------------------------------------

@pytest.mark.parametrize("value", [HUGE, str(DB_INT_MAX + 1), "²", "-1"])
def test_moderation_with_bad_comment_ids_saves_nothing(client, setup, value):
    consultation, comment = setup["consultation"], setup["comment"]
    response = client.post(f"/staff/consultations/{consultation.id}/moderation",
                           data={"comment_ids": [str(comment.id), value], "action": "publish"})
    assert response.status_code < 500
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status in ("pending", "published")


@pytest.mark.parametrize("value", [HUGE, str(DB_INT_MAX + 1), "²", "-1"])
def test_assigning_bad_comment_ids_to_a_theme_saves_nothing(client, login, f, app, value):
    from portal.feedback import themes as feedback_services
    from portal.feedback.models import ThemeAssignment

    unit = f.unit()
    staff = f.staff(unit)
    consultation = f.consultation(f.decision(unit, status="consulting"), status="closed")
    theme = feedback_services.create_theme(staff, consultation, {"title": "延长投放时间"})
    db.session.commit()
    login(staff)
    response = client.post(f"/staff/feedback/consultations/{consultation.id}/comments",
                           data={"theme_id": str(theme.id), "comment_ids": [value]})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ThemeAssignment)) == 0

"""Flash-crowd pages: an open day, a consultation and a meeting whose sign-up is open are what a
news story sends thousands of anonymous visitors to. For someone who is not logged in the page
holds no form (so no CSRF token, no session, no cookie) and is served from the page cache; the
form is there once the resident has logged in (through the link, which comes back to the page)."""
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.extensions import db

OPEN_DAY_NOW = datetime(2026, 7, 15, 10, 0)   # registration 1 July – 9 August
MEETING_NOW = datetime(2026, 3, 5, 10, 0)     # sign-up 1–10 March


def _page(kind, f):
    """(moment, path, login text, where the login link leads back to, a field of the form)."""
    if kind == "open_day":
        activity = f.open_activity()
        path = f"/open-days/{activity.id}"
        return OPEN_DAY_NOW, path, "登录后报名", path, 'name="slot_id"'
    if kind == "consultation":
        consultation = f.consultation(status="open")
        path = f"/consultations/{consultation.id}"
        return None, path, "登录后发表意见", path, 'name="text"'
    meeting = f.meeting()
    path = f"/meetings/{meeting.id}"
    return MEETING_NOW, path, "登录后申请", f"/meetings/{meeting.id}/apply", None


@pytest.fixture
def cached_app(make_app):
    # CSRF on, as in production: building a form then puts a token into a new session.
    app = make_app(PAGE_CACHE_SECONDS=300, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.mark.parametrize("kind", ["open_day", "consultation", "meeting"])
def test_anonymous_page_sets_no_cookie_and_is_served_from_the_cache(cached_app, f, kind):
    app = cached_app
    now, path, login_text, back_to, _field = _page(kind, f)
    if now is not None:
        app.config["CLOCK_NOW"] = now
    db.session.commit()
    client = app.test_client()

    first = client.get(path)
    assert first.status_code == 200
    assert "Set-Cookie" not in first.headers
    assert first.headers["X-Cache"] == "miss"
    html = first.get_data(as_text=True)
    assert "csrf_token" not in html and "<form method=\"post\"" not in html
    assert login_text in html
    # The link goes to the login page and comes back to the page (or the application form).
    link = html.split(login_text)[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert urlsplit(link).path == "/auth/login"
    assert parse_qs(urlsplit(link).query)["next"] == [back_to]

    second = client.get(path)
    assert second.headers["X-Cache"] == "hit" and "Set-Cookie" not in second.headers
    assert second.get_data(as_text=True) == html
    assert not client.get_cookie("session")


@pytest.mark.parametrize("kind", ["open_day", "consultation"])
def test_logged_in_resident_gets_the_form(cached_app, f, kind):
    app = cached_app
    now, path, login_text, _back, field = _page(kind, f)
    if now is not None:
        app.config["CLOCK_NOW"] = now
    resident = f.resident()
    db.session.commit()
    client = app.test_client()
    assert client.get(path).headers["X-Cache"] == "miss"   # an anonymous copy is stored
    with client.session_transaction() as session:
        session["_user_id"] = resident.get_id()
        session["_fresh"] = True
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert "X-Cache" not in page.headers                      # never the anonymous copy
    assert field in html and 'name="csrf_token"' in html and login_text not in html


def test_logged_in_resident_gets_the_apply_button_of_a_meeting(cached_app, f):
    app = cached_app
    app.config["CLOCK_NOW"] = MEETING_NOW
    meeting = f.meeting()
    resident = f.resident()
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = resident.get_id()
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/apply"' in html and "登录后申请" not in html
    form = client.get(f"/meetings/{meeting.id}/apply").get_data(as_text=True)
    assert 'name="csrf_token"' in form


def test_closed_open_day_is_cached_too_and_says_so(cached_app, f):
    app = cached_app
    app.config["CLOCK_NOW"] = datetime(2026, 8, 9, 17, 1)    # a minute after registration closed
    activity = f.open_activity()
    db.session.commit()
    client = app.test_client()
    first = client.get(f"/open-days/{activity.id}")
    assert "Set-Cookie" not in first.headers and "登录后报名" not in first.get_data(as_text=True)
    assert client.get(f"/open-days/{activity.id}").headers["X-Cache"] == "hit"

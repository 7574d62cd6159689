"""The page cache serves anonymous visitors the same page until the data changes."""
from portal.audit.services import record
from portal.extensions import db


def test_anonymous_pages_are_cached_until_an_audited_change(make_app, f):
    app = make_app(PAGE_CACHE_SECONDS=300)
    client = app.test_client()
    with app.app_context():
        unit = f.unit(name="青松区缓存测试局", slug="cache-unit")
        db.session.commit()
        first = client.get("/units")
        assert first.headers["X-Cache"] == "miss" and "青松区缓存测试局" in first.get_data(as_text=True)
        assert client.get("/units").headers["X-Cache"] == "hit"

        # A change made without an audit entry is not seen while the copy is valid...
        unit.name = "青松区改名测试局"
        db.session.commit()
        stale = client.get("/units")
        assert stale.headers["X-Cache"] == "hit" and "青松区缓存测试局" in stale.get_data(as_text=True)

        # ...and every audited change, from any process, invalidates every copy at once.
        record(None, "unit.update", unit, after={"name": unit.name})
        db.session.commit()
        fresh = client.get("/units")
        assert fresh.headers["X-Cache"] == "miss" and "青松区改名测试局" in fresh.get_data(as_text=True)


def test_copies_expire_and_vary_by_language_and_text_size(make_app, f):
    app = make_app(PAGE_CACHE_SECONDS=300)
    client = app.test_client()
    with app.app_context():
        f.unit()
        db.session.commit()
        assert client.get("/units").headers["X-Cache"] == "miss"
        client.set_cookie("lang", "en")
        english = client.get("/units")
        assert english.headers["X-Cache"] == "miss" and 'lang="en"' in english.get_data(as_text=True)
        client.set_cookie("text_size", "large")
        assert client.get("/units").headers["X-Cache"] == "miss"
        app.extensions["page_cache"]._entries.clear()
        assert client.get("/units").headers["X-Cache"] == "miss"


def test_logged_in_users_forms_and_staff_pages_are_never_cached(make_app, f):
    from flask import session as flask_session

    app = make_app(PAGE_CACHE_SECONDS=300)

    def page_with_a_form():
        flask_session["csrf_token"] = "per-visitor"  # what rendering a CSRF-protected form does
        return "<form></form>"

    app.add_url_rule("/public-form", "public_form", page_with_a_form)
    client = app.test_client()
    with app.app_context():
        resident = f.resident()
        db.session.commit()
        assert "X-Cache" not in client.get("/auth/login").headers
        # A page that writes the session (CSRF token, flash message) is never stored.
        client.delete_cookie("session")
        assert client.get("/public-form").headers["X-Cache"] == "miss"
        client.delete_cookie("session")
        assert client.get("/public-form").headers["X-Cache"] == "miss"
        with client.session_transaction() as session:
            session["_user_id"] = resident.get_id()
        home = client.get("/")
        assert "X-Cache" not in home.headers and resident.name in client.get("/me").get_data(as_text=True)
        assert "X-Cache" not in client.get("/me").headers


def test_cache_is_off_when_configured_to_zero(make_app):
    app = make_app(PAGE_CACHE_SECONDS=0)
    assert "page_cache" not in app.extensions
    with app.app_context():
        assert "X-Cache" not in app.test_client().get("/units").headers


def test_a_change_made_by_another_process_is_seen_within_the_version_interval(make_app, f, monkeypatch):
    import portal.pagecache as pagecache

    clock = [1000.0]
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: clock[0])
    app = make_app(PAGE_CACHE_SECONDS=300, PAGE_CACHE_VERSION_SECONDS=1.0)
    client = app.test_client()
    with app.app_context():
        unit = f.unit(name="青松区甲局", slug="other-process")
        db.session.commit()
        assert client.get("/units").headers["X-Cache"] == "miss"
        # Another process renames the unit and writes its audit entry: not through this
        # process's session, so only the periodic read of the version can tell.
        from sqlalchemy import text

        with db.engine.begin() as conn:
            conn.execute(text("UPDATE unit SET name = '青松区乙局' WHERE id = :id"), {"id": unit.id})
            conn.execute(text("INSERT INTO audit_entry (at, actor_label, object_type, object_id, action, summary) "
                              "VALUES (CURRENT_TIMESTAMP, 'system', 'unit', :id, 'unit.update', '')"),
                         {"id": unit.id})
            conn.execute(pagecache._BUMP)  # what that process's commit does (see pagecache.py)
        clock[0] += 0.5
        assert client.get("/units").headers["X-Cache"] == "hit"  # within the interval
        clock[0] += 0.6
        db.session.expire_all()  # a real request would start with a fresh session
        fresh = client.get("/units")
        assert fresh.headers["X-Cache"] == "miss" and "青松区乙局" in fresh.get_data(as_text=True)


def test_the_data_version_moves_with_every_audited_commit_and_only_then(make_app, f):
    from portal.pagecache import data_version

    app = make_app(PAGE_CACHE_SECONDS=300)
    with app.app_context():
        start = data_version()
        unit = f.unit()
        db.session.commit()
        assert data_version() == start  # no audit entry: nothing public changed
        record(None, "unit.update", unit, after={"name": unit.name})
        assert data_version() == start  # written, not yet committed
        db.session.commit()
        assert data_version() == start + 1
        record(None, "unit.update", unit, after={"name": unit.name})
        db.session.rollback()
        assert data_version() == start + 1


def test_a_commit_held_back_is_seen_when_it_lands_whatever_the_commit_order(make_app, f, database):
    """On PostgreSQL audit ids are assigned at insert: a transaction that inserted id 1 and
    commits after one that inserted id 2 used to stay invisible to the cache."""
    import pytest
    from sqlalchemy.orm import Session

    from portal.audit.models import AuditEntry

    if database["kind"] != "postgresql":
        pytest.skip("SQLite serialises writers: commits cannot overtake each other")
    app = make_app(PAGE_CACHE_SECONDS=300, PAGE_CACHE_VERSION_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        unit = f.unit(name="青松区先写后提交局", slug="held-unit")
        db.session.commit()
        assert client.get("/units").headers["X-Cache"] == "miss"
        held = Session(db.engine)
        held_unit = held.get(type(unit), unit.id)
        held_unit.name = "青松区迟到的改名局"
        held.add(AuditEntry(object_type="unit", object_id=unit.id, action="unit.update"))
        held.flush()  # takes the lower audit id and keeps it uncommitted
        other = f.unit(name="青松区先提交局", slug="quick-unit")
        record(None, "unit.create", other)
        db.session.commit()  # the higher id commits first
        page = client.get("/units")
        assert "青松区先提交局" in page.get_data(as_text=True)
        assert client.get("/units").headers["X-Cache"] == "hit"
        held.commit()  # the held change lands: the cache must not keep serving the old name
        held.close()
        db.session.expire_all()  # a real request would start with a fresh session
        fresh = client.get("/units")
        assert fresh.headers["X-Cache"] == "miss" and "青松区迟到的改名局" in fresh.get_data(as_text=True)

"""A logged-in visitor gets the Chinese 503 page while the database is unreachable: the error page
itself needs no database (no user loaded, no unread count)."""
from __future__ import annotations

import shutil

from portal.extensions import db


def test_logged_in_visitor_gets_the_503_page_when_the_database_is_gone(make_app, f, tmp_path):
    folder = tmp_path / "dbdir"
    folder.mkdir()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'portal.sqlite3'}")
    with app.app_context():
        db.create_all()
        resident = f.resident()
        db.session.commit()
        user_id = resident.get_id()
        db.session.remove()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
        assert client.get("/me").status_code == 200
        shutil.move(folder, tmp_path / "gone")  # the database disappears...
        db.session.remove()                      # (each real request starts a new session)
        db.engine.dispose()                      # ...and the pool's open connections with it
        for path in ("/me", "/", "/consultations"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert "服务暂时不可用" in response.get_data(as_text=True), path
            assert "Traceback" not in response.get_data(as_text=True)


def test_error_pages_of_a_logged_in_visitor_need_no_database_either(make_app, f, tmp_path):
    """A refused form (CSRF 400) or a missing page (404) of a logged-in visitor during an outage:
    the error page loaded the account for its header and failed again (gunicorn then answered its
    bare "Internal Server Error"). Now the Chinese 503 page."""
    folder = tmp_path / "dbdir"
    folder.mkdir()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'portal.sqlite3'}", WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        resident = f.resident()
        db.session.commit()
        user_id = resident.get_id()
        db.session.remove()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
        assert client.get("/nowhere").status_code == 404
        shutil.move(folder, tmp_path / "gone")
        db.session.remove()
        db.engine.dispose()
        for response in (client.post("/auth/logout", data={"csrf_token": "forged"}), client.get("/nowhere")):
            assert response.status_code == 503
            assert "服务暂时不可用" in response.get_data(as_text=True)

"""i18n, security headers, cookies, error pages, accessibility basics and CSRF."""
from __future__ import annotations

import pytest
from flask import Blueprint, abort

from portal.extensions import db
from tests.factories import PASSWORD

from .conftest import csrf_token

REAL_KEY = "k3y-" + "y" * 40


# --- i18n ------------------------------------------------------------------------------------------

def test_default_language_is_simplified_chinese(app):
    html = app.test_client().get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html


def test_switching_to_english_sets_a_cookie_and_renders_english(app):
    client = app.test_client()
    response = client.get("/preferences/language/en?next=/units")
    assert response.status_code == 302 and response.headers["Location"] == "/units"
    cookie = client.get_cookie("lang")
    assert cookie.value == "en" and cookie.http_only
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Skip to main content" in html and "Log in" in html
    client.get("/preferences/language/zh_CN")
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("code", ["fr", "xx", "zh_TW", "EN"])
def test_unknown_language_codes_are_ignored(app, code):
    client = app.test_client()
    response = client.get(f"/preferences/language/{code}")
    assert response.status_code == 302 and client.get_cookie("lang") is None
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_a_forged_language_cookie_falls_back_to_chinese(app):
    client = app.test_client()
    client.set_cookie("lang", "de")
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(app):
    response = app.test_client().get("/preferences/language/en?next=//evil.example/")
    assert response.headers["Location"] == "/"


# --- headers and cookies ----------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/units", "/auth/login", "/no-such-page", "/api/v1/units",
                                 "/admin"])
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives.get("default-src", [])
    assert directives["frame-ancestors"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_or_style(client):
    import re

    html = client.get("/auth/register").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html


def _login_cookie_header(client, f):
    f.resident(email="li@example.com")
    db.session.commit()
    response = client.post("/auth/login", data={"login": "li@example.com", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return response.headers.getlist("Set-Cookie")


def test_session_cookie_is_httponly_and_lax(client, f):
    cookies = _login_cookie_header(client, f)
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember


def test_session_cookie_is_secure_in_production(make_app, f):
    app = make_app(TESTING=False, SECRET_KEY=REAL_KEY, PORTAL_BASE_URL="https://portal.example.gov.cn")
    with app.app_context():
        client = app.test_client()
        cookies = _login_cookie_header(client, f)
    session = next(c for c in cookies if c.startswith("session="))
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "Secure" in remember


# --- error pages ----------------------------------------------------------------------------------

@pytest.fixture
def failing_app(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    bp = Blueprint("boom", __name__)

    @bp.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail from the traceback")

    @bp.route("/boom/<int:code>")
    def status(code):
        abort(code)

    app.register_blueprint(bp)
    return app


@pytest.mark.parametrize("code", [400, 403, 404, 429, 500])
def test_error_pages_are_generic(failing_app, code):
    client = failing_app.test_client()
    client.set_cookie("lang", "en")
    response = client.get(f"/boom/{code}")
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert f"({code})" in html and "Back to the home page" in html
    assert "Traceback" not in html


def test_an_unhandled_exception_shows_the_generic_500_page(failing_app):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret internal detail" not in html and "Traceback" not in html and "RuntimeError" not in html
    assert '<html lang="zh-CN">' in html and "(500)" in html
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.json["error"]["status"] == 404


# --- accessibility basics -----------------------------------------------------------------------

def test_skip_link_and_main_landmark(client):
    html = client.get("/").get_data(as_text=True)
    assert 'class="skip-link' in html and 'href="#main"' in html
    assert '<main id="main"' in html


def test_large_text_mode_toggles_the_body_class(client):
    assert '<body class="">' in client.get("/").get_data(as_text=True)
    response = client.get("/preferences/text-size/large?next=/units")
    assert response.headers["Location"] == "/units"
    assert '<body class="large-text">' in client.get("/").get_data(as_text=True)
    client.get("/preferences/text-size/huge")
    assert '<body class="large-text">' in client.get("/").get_data(as_text=True)
    client.get("/preferences/text-size/normal")
    assert '<body class="">' in client.get("/").get_data(as_text=True)


# --- CSRF -------------------------------------------------------------------------------------------

@pytest.fixture
def csrf_client(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        client.set_cookie("lang", "en")
        yield app, client


SECURITY_MESSAGE = "The security check of this form failed"


def test_register_without_token_rerenders_with_the_typed_values(csrf_client, register_data):
    app, client = csrf_client
    client.get("/auth/register")
    response = client.post("/auth/register", data=register_data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert SECURITY_MESSAGE in html
    assert 'value="new.resident@example.com"' in html and 'value="王小明"' in html
    from portal.accounts.models import Account

    assert db.session.query(Account).count() == 0
    # With the fresh token from the re-rendered page the same data goes through.
    response = client.post("/auth/register", data={**register_data, "csrf_token": csrf_token(html)})
    assert response.status_code == 302


def test_login_with_a_forged_token_rerenders(csrf_client, f):
    app, client = csrf_client
    f.resident(email="li@example.com")
    db.session.commit()
    client.get("/auth/login")
    response = client.post("/auth/login", data={"login": "li@example.com", "password": PASSWORD,
                                                "csrf_token": "forged"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert SECURITY_MESSAGE in html and 'value="li@example.com"' in html
    response = client.post("/auth/login", data={"login": "li@example.com", "password": PASSWORD,
                                                "csrf_token": csrf_token(html)})
    assert response.status_code == 302


def test_plain_posts_without_token_get_the_400_page(csrf_client, f):
    app, client = csrf_client
    account = f.resident(email="li@example.com")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = account.get_id()
    for url in ("/auth/logout", "/me/inbox/read-all"):
        response = client.post(url)
        assert response.status_code == 400, url
        html = response.get_data(as_text=True)
        assert "(400)" in html and "did not come from this site" in html
    assert client.get("/me").status_code == 200  # still logged in: the logout was refused
    page = client.get("/me/inbox").get_data(as_text=True)
    assert client.post("/auth/logout", data={"csrf_token": csrf_token(page)}).status_code == 302

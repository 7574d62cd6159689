"""Every form page of the portal (staff, admin and resident forms), posted with hostile values: a
refusal (4xx, or 422 with the form again), never a 5xx (issue 12 point 5).

The forms are read from the pages themselves: each POST form posting back to its page is sent
once per field and hostile value, with the other fields as the page rendered them (an edit page
renders a valid form, so the hostile value reaches the service and the database). The public
forms' full checks (what was typed stays, nothing partial is saved) are in ``test_forms.py``.
"""
from __future__ import annotations

import logging
from datetime import datetime
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from .walk import build, clients, fillings, populate

NOW = datetime(2026, 4, 1, 10, 0)
HUGE = "9" * 23
VALUES = [HUGE, "-1", "²", "中文😀", "", "意" * 5000]
# Covered with their own checks by test_forms.py; deleting the account would end the walk early.
# verify and reset need a pending code or a signed token: tests/foundation/test_account_rules.py
# The subscriptions' form pages need a target (?target=) or a signed token: tests/subscriptions/test_routes.py
SKIPPED = {"auth.login", "auth.register", "auth.password", "accounts.delete", "auth.verify", "auth.reset",
           "subscriptions.new", "subscriptions.confirm", "subscriptions.unsubscribe",
           # a confirmation page whose form is one button (no field to make hostile), shown only to
           # the applicant while a withdrawal is possible: tests/a11y/test_confirmations.py
           "meetings.withdraw"}
ROLE_ORDER = ("staff", "admin", "resident")


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields (name → value as rendered)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._fields = []
            self.forms.append((a.get("action") or "", self._fields))
        elif self._fields is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._fields.append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if self._fields is None:
            return
        if tag == "select" and self._select is not None:
            self._fields.append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._fields.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self._fields = None


class _Exceptions(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            self.seen.append(f"{type(record.exc_info[1]).__name__}: {str(record.exc_info[1])[:160]}")


@pytest.fixture
def walk(app):
    populated = populate(app, NOW)
    handler = _Exceptions()
    app.logger.addHandler(handler)
    yield app, populated, handler
    app.logger.removeHandler(handler)


def test_no_form_answers_5xx_to_hostile_values(walk):
    app, populated, handler = walk
    by_role = clients(app, populated)
    failures: list[str] = []
    posted = 0
    rules = [r for r in app.url_map.iter_rules()
             if {"GET", "POST"} <= set(r.methods or ()) and r.endpoint not in SKIPPED]
    for rule in sorted(rules, key=lambda r: r.rule):
        real, arguments = next(fillings(rule, populated))
        url = build(app, rule, arguments)
        for role in ROLE_ORDER:
            page = by_role[role].get(url)
            if page.status_code == 200:
                break
        else:
            failures.append(f"no role may open {url}")
            continue
        parser = _Forms()
        parser.feed(page.get_data(as_text=True))
        forms = [fields for action, fields in parser.forms if action in ("", url) or action.startswith(url + "?")]
        for fields in forms:
            for index, (name, _) in enumerate(fields):
                if name == "csrf_token":
                    continue
                for value in VALUES:
                    data = list(fields)
                    data[index] = (name, value)
                    handler.seen.clear()
                    response = by_role[role].post(url, data=MultiDict(data))
                    posted += 1
                    if response.status_code >= 500 or response.status_code not in (200, 302, 303, 400, 403, 404, 409, 422):
                        failures.append(f"{response.status_code} {role} POST {url} {name}={value[:30]!r} "
                                        + "; ".join(handler.seen))
    assert not failures, f"{len(failures)} of {posted} posts failed:\n" + "\n".join(failures)
    assert posted > 300, posted

"""Property-based tests of every public form (register, login, password change, account deletion,
comment on a consultation section, representative application, open-day registration, open-day
questionnaire).

Guards DESIGN §6 "Bad input" and "Security": whatever a visitor types (any Unicode, CJK, emoji, RTL,
combining marks, control characters, 10,000-character values, HTML/script, template and SQL-ish
payloads) into any field, the portal never answers 5xx, never reflects it unescaped nor evaluates
it, re-renders a refused form (422) with the field error and what was typed, and never writes a
duplicate or partial row (a refused submission adds nothing; an accepted one adds exactly one, and
the same submission again is refused). Each form is run twice: hypothesis attacks one or two fields
at random, and a fixed matrix puts every payload of ``MATRIX`` into every field.
"""
from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from hypothesis import event, example, given
from hypothesis.control import currently_in_test_context
from sqlalchemy import func, select

from portal.accounts.models import Account
from portal.audit.models import AuditEntry
from portal.consultation.models import Comment
from portal.extensions import db
from portal.meetings.models import MeetingApplication
from portal.open_days.models import OpenRegistration, OpenSlot, QuestionnaireAnswer

from ..factories import PASSWORD, id_number
from .conftest import FAST, MATRIX, attack, check_page, check_refused_form

GOOD_PASSWORD = "Qs-Robust-Pass-2026!"
_emails = itertools.count(1)


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def accepted(response) -> int:
    if currently_in_test_context():
        event(f"status {response.status_code}")
    return int(response.status_code == 302)


# --- one submission of each form, with every check; ``data`` may contain placeholders ------------

def register(app, new_client, f, data):
    if data["login"] == "NEW":
        data["login"] = f"robust{next(_emails)}@example.com"
    accounts = count(Account)
    response = new_client().post("/auth/register", data=data)
    check_refused_form(response, data, ("login", "name"))
    if accepted(response):
        # The same login again: answered like a new one (no account is revealed), nothing created.
        assert new_client().post("/auth/register", data=data).status_code == 302
    assert count(Account) == accounts + accepted(response)


def login(app, new_client, f, data):
    if db.session.scalar(select(Account.id).where(Account.email == "user@example.com")) is None:
        f.resident(email="user@example.com")
        db.session.commit()
    entries = count(AuditEntry)
    response = new_client().post("/auth/login", data=data)
    check_refused_form(response, data, ("login",))
    assert count(AuditEntry) == entries


def password_change(app, new_client, f, data):
    account = f.resident()
    db.session.commit()
    before = account.password_hash
    response = new_client(account).post("/auth/password", data=data)
    check_refused_form(response, data)
    db.session.refresh(account)
    assert (account.password_hash != before) == bool(accepted(response))


def account_deletion(app, new_client, f, data):
    account = f.resident()
    db.session.commit()
    response = new_client(account).post("/me/delete", data=data)
    check_refused_form(response, data)
    db.session.expire_all()
    assert (db.session.get(Account, account.id) is None) == bool(accepted(response))


def comment(app, new_client, f, data):
    consultation = f.consultation(f.decision(status="consulting"), status="open")
    author = f.resident(name="<b>王</b>五")
    db.session.commit()
    if data["section_id"] == "SECTION":
        data["section_id"] = str(consultation.sections[1].id)
    url = f"/consultations/{consultation.id}/comments"
    comments = count(Comment)
    response = new_client(author).post(url, data=data)
    check_refused_form(response, data, ("text",))
    if accepted(response):
        check_page(new_client(author).get(response.headers["Location"]), data["text"])  # the receipt
        assert new_client(author).post(url, data=data).status_code == 422  # the same text: a duplicate
    assert count(Comment) == comments + accepted(response)
    check_page(new_client(author).get("/me/comments"), data["text"])


def application(app, new_client, f, data):
    app.config["CLOCK_NOW"] = datetime(2026, 3, 5, 10, 0)  # sign-up open 1–10 March 2026
    meeting = f.meeting(seats={"citizen": 2, "enterprise": 1})
    applicant = f.resident()
    db.session.commit()
    if data["id_number"] == "ID":
        data["id_number"] = id_number()
    url = f"/meetings/{meeting.id}/apply"
    response = new_client(applicant).post(url, data=data)
    check_refused_form(response, data, ("name", "mobile", "organisation", "relation", "points", "interests"))
    if accepted(response):
        check_page(new_client(applicant).post(url, data=data), *data.values())  # applied already
    assert count(MeetingApplication, MeetingApplication.meeting_id == meeting.id) == accepted(response)
    check_page(new_client().get(f"/meetings/{meeting.id}"), *data.values())


def registration(app, new_client, f, data):
    app.config["CLOCK_NOW"] = datetime(2026, 7, 15, 10, 0)  # registration open 1 July – 9 August 2026
    activity = f.open_activity(id_check_required=True,
                               slots=[(datetime(2026, 8, 10, 9, 30), datetime(2026, 8, 10, 11, 0), 1)])
    visitors = [f.resident(), f.resident()]
    db.session.commit()
    slot_id = activity.slots[0].id
    if data["slot_id"] == "SLOT":
        data["slot_id"] = str(slot_id)
    url = f"/open-days/{activity.id}"
    for visitor in visitors:  # the second one goes to the waiting list when the first got the seat
        response = new_client(visitor).post(url, data=data)
        check_refused_form(response, data, ("name", "mobile", "id_last4", "needs"))
        assert count(OpenRegistration, OpenRegistration.account_id == visitor.id) == accepted(response)
        check_page(new_client(visitor).post(url, data=data), *data.values())  # registered already
        assert count(OpenRegistration, OpenRegistration.account_id == visitor.id) == accepted(response)
        if accepted(response):
            check_page(new_client(visitor).get(response.headers["Location"]), *data.values())
    confirmed = count(OpenRegistration, OpenRegistration.slot_id == slot_id, OpenRegistration.status == "confirmed")
    assert confirmed <= 1 and db.session.get(OpenSlot, slot_id).confirmed_count == confirmed
    check_page(new_client().get(url), *data.values())


def questionnaire(app, new_client, f, data):
    app.config["CLOCK_NOW"] = datetime(2026, 7, 15, 10, 0)
    activity = f.open_activity()
    visitor = f.resident()
    db.session.commit()
    client = new_client(visitor)
    registered = client.post(f"/open-days/{activity.id}", data={
        "slot_id": activity.slots[0].id, "name": "王五", "mobile": "13912345678", "consent": "y"})
    assert registered.status_code == 302
    mine = db.session.scalar(select(OpenRegistration).where(OpenRegistration.account_id == visitor.id))
    mine.checked_in_at = datetime(2026, 8, 10, 9, 35)
    db.session.commit()
    app.config["CLOCK_NOW"] = datetime(2026, 8, 10, 12, 0)  # after the visit
    url = f"/me/open-days/{mine.id}/questionnaire"
    response = client.post(url, data=data)
    check_refused_form(response, data, ("suggestions",))
    if accepted(response):
        check_page(client.post(url, data={"rating": "5", "suggestions": "again"}))  # answered already
    assert count(QuestionnaireAnswer, QuestionnaireAnswer.registration_id == mine.id) == accepted(response)


# --- the forms: valid data (with placeholders), and the longest value worth attacking per field -----

FORMS = {
    "register": (register, {"login": "NEW", "name": "张三", "password": GOOD_PASSWORD,
                            "confirm": GOOD_PASSWORD, "agree": "y"}, {}),
    "login": (login, {"login": "user@example.com", "password": PASSWORD, "remember": "y"}, {}),
    "password_change": (password_change, {"current": PASSWORD, "password": GOOD_PASSWORD,
                                          "confirm": GOOD_PASSWORD}, {}),
    "account_deletion": (account_deletion, {"password": PASSWORD, "confirm": "y"}, {}),
    "comment": (comment, {"section_id": "SECTION", "text": "建议在小区增设夜间投放点。",
                          "respondent_type": "citizen", "show_as": "masked", "consent": "y"}, {"text": 300}),
    "application": (application, {"name": "李四", "mobile": "13812345678", "id_number": "ID",
                                  "category": "citizen", "organisation": "青松科技有限公司",
                                  "relation": "住在附近", "points": "增加停车位", "interests": "无", "consent": "y"},
                    {"relation": 200, "points": 200}),
    "registration": (registration, {"slot_id": "SLOT", "name": "王五", "mobile": "13912345678",
                                    "id_last4": "123X", "needs": "需要轮椅通道", "consent": "y"}, {"needs": 600}),
    "questionnaire": (questionnaire, {"rating": "4", "suggestions": "希望多开放几次。"}, {"suggestions": 300}),
}


def _property_test(name):
    case, valid, sizes = FORMS[name]

    @FAST
    @example(data=dict(valid))
    @given(data=attack(valid, sizes))
    def test(app, new_client, f, data):
        case(app, new_client, f, data)

    test.__name__ = f"test_{name}_with_hostile_input"
    return test


for _name in FORMS:
    globals()[f"test_{_name}_with_hostile_input"] = _property_test(_name)


@pytest.mark.parametrize("name", list(FORMS))
def test_every_payload_in_every_field(app, new_client, f, name):
    case, valid, _sizes = FORMS[name]
    for field in valid:
        for payload in MATRIX:
            case(app, new_client, f, {**valid, field: payload})

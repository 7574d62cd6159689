from datetime import date, datetime

import pytest
from sqlalchemy import select, text

from portal.errors import RuleViolation, UserInputError
from portal.extensions import db
from portal.meetings import identity
from portal.meetings import services as svc
from portal.meetings.models import MeetingApplication
from portal.textutil import MOBILE_MESSAGE

from .helpers import AFTER_SIGNUP, DURING_SIGNUP, application_form, inbox, set_now


@pytest.fixture
def open_meeting(app, f):
    set_now(app, DURING_SIGNUP)
    return f.meeting(seats={"citizen": 2, "enterprise": 1})


def _apply(client, meeting, **overrides):
    return client.post(f"/meetings/{meeting.id}/apply", data=application_form(**overrides))


def test_resident_applies_and_gets_a_public_application_number(client, login, f, open_meeting):
    resident = login(f.resident(name="张晓明"))
    db.session.commit()
    response = _apply(client, open_meeting)
    assert response.status_code == 302
    application = db.session.scalar(select(MeetingApplication))
    assert application.application_number == f"M{open_meeting.id}-0001"
    assert application.mobile == "13912345678"
    assert application.status == "pending"
    page = client.get(f"/meetings/{open_meeting.id}").get_data(as_text=True)
    assert f"M{open_meeting.id}-0001" in page
    assert any("M%d-0001" % open_meeting.id in m.body for m in inbox(resident))


def test_full_id_number_is_never_stored(client, login, f, open_meeting):
    login(f.resident())
    db.session.commit()
    number = f.id_number(birth="19851120", sequence=456)
    assert _apply(client, open_meeting, id_number=number).status_code == 302
    application = db.session.scalar(select(MeetingApplication))
    assert application.id_last4 == number[-4:]
    assert len(application.id_hash) == 64 and number not in application.id_hash
    row = db.session.execute(text("SELECT * FROM meeting_application")).one()
    assert not any(number in str(value) for value in row)


def test_invalid_checksum_is_refused_on_the_form_with_typed_values_kept(client, login, f, open_meeting):
    login(f.resident())
    db.session.commit()
    good = f.id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = _apply(client, open_meeting, id_number=bad, points="我的具体建议是多建停车场")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "check digit" in html or "校验" in html
    assert bad in html and "我的具体建议是多建停车场" in html
    assert db.session.scalar(select(MeetingApplication)) is None


@pytest.mark.parametrize("number, fragment", [
    ("11010119900231123", "18 characters"),          # 17 characters
    ("110101199002311231", "date of birth"),         # 31 February
])
def test_malformed_id_numbers_are_refused(app, f, open_meeting, number, fragment):
    from stdnum.cn import ric

    if len(number) == 18:
        number = number[:-1] + ric.calc_check_digit(number)
    with pytest.raises(UserInputError) as error:
        identity.check_id_number(number, open_meeting.starts_at.date())
    assert error.value.field == "id_number"
    assert fragment in error.value.message


def _with_check_digit(base17: str) -> str:
    from stdnum.cn import ric

    return base17 + ric.calc_check_digit(base17 + "0")


def test_a_number_issued_under_a_renamed_county_code_is_accepted(client, login, f, open_meeting):
    """青浦县 (310229) became 青浦区 in 1999; its residents keep their numbers for life."""
    assert identity.check_id_number("310229196503120025", open_meeting.starts_at.date()) == "310229196503120025"
    # A county code used outside its lifetime (born after it was abolished) is not refused either.
    later = _with_check_digit("31022920010101002")
    assert identity.check_id_number(later, open_meeting.starts_at.date()) == later
    login(f.resident())
    db.session.commit()
    assert _apply(client, open_meeting, id_number="310229196503120025").status_code == 302


@pytest.mark.parametrize("number, fragment", [
    ("", "enter your ID number"),
    ("31022919650312002", "18 characters"),             # 17 characters
    ("3102291965031200255", "18 characters"),           # 19 characters
    ("31022919650312A025", "18 characters"),            # a letter inside
    ("310229196503120024", "check digit"),              # the check digit does not match
])
def test_format_and_check_digit(app, number, fragment):
    with pytest.raises(UserInputError) as error:
        identity.validate_id_number(number, date(2026, 3, 5))
    assert error.value.field == "id_number" and fragment in error.value.message


@pytest.mark.parametrize("province, valid", [("11", True), ("65", True), ("83", True), ("10", False),
                                             ("20", False), ("99", False)])
def test_the_province_code_must_exist(app, province, valid):
    number = _with_check_digit(province + "010119800101001")
    if valid:
        assert identity.validate_id_number(number, date(2026, 3, 5)) == number
    else:
        with pytest.raises(UserInputError, match="province"):
            identity.validate_id_number(number, date(2026, 3, 5))


@pytest.mark.parametrize("birth, fragment", [
    ("19800230", "does not exist"),     # 30 February
    ("19801301", "does not exist"),     # month 13
    ("18991231", "does not exist"),     # before 1900
    ("20260306", "in the future"),      # the day after today
])
def test_the_date_of_birth_must_be_real_and_past(app, birth, fragment):
    number = _with_check_digit(f"310104{birth}001")
    with pytest.raises(UserInputError, match=fragment):
        identity.validate_id_number(number, date(2026, 3, 5))


def test_born_today_or_on_1_january_1900_is_a_real_date(app):
    for birth in ("20260305", "19000101"):
        number = _with_check_digit(f"310104{birth}001")
        assert identity.validate_id_number(number, date(2026, 3, 5)) == number


def test_applicant_must_be_adult_on_the_meeting_day(app, f, open_meeting):
    meeting_day = open_meeting.starts_at.date()  # 2026-03-15
    turns_18_on_the_day = f.id_number(birth="20080315")
    turns_18_the_day_after = f.id_number(birth="20080316")
    assert identity.check_id_number(turns_18_on_the_day, meeting_day) == turns_18_on_the_day
    with pytest.raises(UserInputError, match="18"):
        identity.check_id_number(turns_18_the_day_after, meeting_day)


def test_second_application_of_the_same_account_is_refused(client, login, f, open_meeting):
    login(f.resident())
    db.session.commit()
    assert _apply(client, open_meeting).status_code == 302
    response = _apply(client, open_meeting, id_number=f.id_number(sequence=777))
    assert response.status_code == 422
    assert "already applied" in response.get_data(as_text=True) or "已" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(MeetingApplication.id))) == 1


def test_same_id_number_under_another_account_is_refused(client, login, f, open_meeting):
    number = f.id_number(sequence=321)
    login(f.resident())
    db.session.commit()
    assert _apply(client, open_meeting, id_number=number).status_code == 302
    login(f.resident())
    db.session.commit()
    response = _apply(client, open_meeting, id_number=number.lower())
    assert response.status_code == 422
    assert "ID number has already" in response.get_data(as_text=True) or "身份证" in response.get_data(as_text=True)


def test_database_refuses_a_duplicate_even_when_the_checks_are_raced(app, f, open_meeting, monkeypatch):
    resident = f.resident()
    svc.apply(open_meeting, resident, application_form())
    # Two requests passing the checks at the same moment: the unique indexes decide.
    monkeypatch.setattr(svc, "find_application", lambda meeting, account: None)
    with pytest.raises(UserInputError):
        svc.apply(open_meeting, resident, application_form(id_number=f.id_number(sequence=901)))
    skipped = []
    real_scalar = db.session.scalar

    def scalar_without_hash_check(statement, *args, **kwargs):
        if "id_hash" in str(statement):
            skipped.append(statement)
            return None
        return real_scalar(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", scalar_without_hash_check)
    with pytest.raises(UserInputError) as error:
        svc.apply(open_meeting, f.resident(), application_form())
    assert skipped and error.value.field == "id_number"
    monkeypatch.undo()
    assert db.session.scalar(select(db.func.count(MeetingApplication.id))) == 1


def test_id_hash_is_keyed(app, f):
    number = f.id_number()
    first = identity.id_hash(number)
    app.config["ID_HASH_KEY"] = "another-key"
    assert identity.id_hash(number) != first
    import hashlib

    assert first != hashlib.sha256(number.encode()).hexdigest()


def test_signup_window_is_enforced_with_server_time(app, client, login, f, open_meeting):
    login(f.resident())
    db.session.commit()
    set_now(app, AFTER_SIGNUP)
    response = _apply(client, open_meeting)
    assert response.status_code == 422
    assert db.session.scalar(select(MeetingApplication)) is None
    set_now(app, datetime(2026, 2, 28, 23, 59))
    assert _apply(client, open_meeting).status_code == 422


def test_enterprise_representatives_must_name_their_enterprise(client, login, f, open_meeting):
    login(f.resident())
    db.session.commit()
    response = _apply(client, open_meeting, category="enterprise", organisation="")
    assert response.status_code == 422
    assert db.session.scalar(select(MeetingApplication)) is None
    assert _apply(client, open_meeting, category="enterprise", organisation="青松环境公司").status_code == 302


def test_consent_and_a_valid_mobile_are_required(app, f, open_meeting):
    resident = f.resident()
    with pytest.raises(UserInputError) as error:
        svc.apply(open_meeting, resident, application_form(consent=None))
    assert error.value.field == "consent"
    with pytest.raises(UserInputError) as error:
        svc.apply(open_meeting, resident, application_form(mobile="12345"))
    assert error.value.field == "mobile" and error.value.message == str(MOBILE_MESSAGE)
    # Written with +86, spaces and dashes, it is the same number (portal.textutil.normalize_mobile).
    application = svc.apply(open_meeting, resident, application_form(mobile="+86 139-1234-5678"))
    assert application.mobile == "13912345678"


def test_category_without_seats_is_refused(app, f, open_meeting):
    with pytest.raises(UserInputError) as error:
        svc.apply(open_meeting, f.resident(), application_form(category="stakeholder"))
    assert error.value.field == "category"


def test_staff_accounts_cannot_apply(app, f, open_meeting):
    with pytest.raises(RuleViolation):
        svc.apply(open_meeting, f.staff(), application_form())


def test_applicant_withdraws_a_pending_application(client, login, f, open_meeting):
    login(f.resident())
    db.session.commit()
    _apply(client, open_meeting)
    assert client.post(f"/meetings/{open_meeting.id}/withdraw").status_code == 302
    application = db.session.scalar(select(MeetingApplication))
    assert application.status == "withdrawn" and application.withdrawn_from == "pending"


def test_apply_page_requires_login(client, f, open_meeting):
    db.session.commit()
    response = client.get(f"/meetings/{open_meeting.id}/apply")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_an_application_is_not_committed_by_its_savepoint(app, f, open_meeting):
    """The savepoint stays inside the request's transaction (on SQLite too): rolling the request
    back removes the application."""
    resident = f.resident()
    db.session.commit()
    svc.apply(open_meeting, resident, application_form())
    db.session.rollback()
    assert db.session.scalar(select(MeetingApplication.id)) is None

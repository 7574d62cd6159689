"""Mainland ID numbers (居民身份证号码) of applicants: the checks, and what is kept of the number.

The full number is never stored: only its last 4 characters and a keyed hash (HMAC-SHA-256), so
that one person cannot apply twice to the same meeting under two accounts.

Checks (GB 11643): 17 digits and a final digit or X; the check digit; a real date of birth, not
in the future; a known province-level code (the first 2 digits, GB/T 2260). The county code
(digits 3–6) is deliberately not checked against a table of counties: counties are renamed and
merged, and a person keeps the number issued under the old code for life (青浦县 310229 became
青浦区 310118 in 1999; its residents' numbers stay valid).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from .. import clock
from ..errors import UserInputError

# Province-level divisions (GB/T 2260), with 71 台湾 and 81/82/83 used on the residence permits
# of Hong Kong, Macao and Taiwan residents.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15",              # 北京 天津 河北 山西 内蒙古
    "21", "22", "23",                          # 辽宁 吉林 黑龙江
    "31", "32", "33", "34", "35", "36", "37",  # 上海 江苏 浙江 安徽 福建 江西 山东
    "41", "42", "43", "44", "45", "46",        # 河南 湖北 湖南 广东 广西 海南
    "50", "51", "52", "53", "54",              # 重庆 四川 贵州 云南 西藏
    "61", "62", "63", "64", "65",              # 陕西 甘肃 青海 宁夏 新疆
    "71", "81", "82", "83",                    # 台湾 香港 澳门 (居住证)
})

EARLIEST_BIRTH = date(1900, 1, 1)

_FORMAT = re.compile(r"^\d{17}[\dX]$")


def id_hash_key() -> bytes:
    key = current_app.config.get("ID_HASH_KEY")
    if key:
        return str(key).encode("utf-8")
    # Derived, so that the hash key is not the session-signing key itself.
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode("utf-8"), b"portal.meetings.id-hash",
                    hashlib.sha256).digest()


def id_hash(number: str) -> str:
    return hmac.new(id_hash_key(), ric.compact(number).encode("ascii"), hashlib.sha256).hexdigest()


def last4(number: str) -> str:
    return ric.compact(number)[-4:]


def birth_date(number: str) -> date | None:
    try:
        return ric.get_birth_date(number)
    except ValidationError:
        return None


def validate_id_number(raw: str, today: date) -> str:
    """The compact ID number if it is well formed; ``UserInputError`` on the ``id_number`` field
    saying which rule it breaks."""
    number = ric.compact(raw or "")
    if not number:
        raise UserInputError("id_number", _("Please enter your ID number."))
    if not _FORMAT.match(number):
        raise UserInputError("id_number", _("An ID number has 18 characters: 17 digits and a final "
                                            "digit or X."))
    if number[-1] != ric.calc_check_digit(number):
        raise UserInputError("id_number", _("This ID number is not valid: its last character (the "
                                            "check digit) does not match. Please check it."))
    if number[:2] not in PROVINCE_CODES:
        raise UserInputError("id_number", _("This ID number is not valid: its first two digits are "
                                            "not the code of a province, region or municipality."))
    born = birth_date(number)
    if born is None or born < EARLIEST_BIRTH:
        raise UserInputError("id_number", _("This ID number is not valid: its date of birth does "
                                            "not exist."))
    if born > today:
        raise UserInputError("id_number", _("This ID number is not valid: its date of birth is in "
                                            "the future."))
    return number


def adult_on(born: date, years: int) -> date:
    """The day someone born on ``born`` turns ``years`` (1 March for those born on 29 February)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def check_id_number(raw: str, on_day: date, today: date | None = None) -> str:
    """The compact ID number if it is valid and its holder is an adult on ``on_day``."""
    number = validate_id_number(raw, today or clock.today())
    min_age = current_app.config["MEETING_MIN_AGE"]
    born = birth_date(number)
    assert born is not None  # validated above
    if adult_on(born, min_age) > on_day:
        raise UserInputError("id_number", _("Representatives must be at least %(age)s years old on "
                                            "the day of the meeting.", age=min_age))
    return number

"""portal.privacy: each kind of personal data is found at its boundaries, published redacted,
and what only looks like it (years, dates, amounts, article and document numbers) is left alone."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import privacy
from portal.privacy import Finding, detect, manual, redact, scrub
from tests.factories import id_number


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start:f.end]) for f in detect(text)]


def id_ending_in_x() -> str:
    return next(n for n in (id_number(birth="19880229", sequence=s) for s in range(1000)) if n.endswith("X"))


@pytest.mark.parametrize("value, published", [
    ("13812345678", "138****5678"),
    ("139 1234 5678", "139****5678"),
    ("+86-137-0000-1111", "137****1111"),
    ("+86 13912345678", "139****5678"),
    ("0086 138-1234-5678", "138****5678"),
    ("（+86）15012345678", "150****5678"),
    ("１３８１２３４５６７８", "138****5678"),  # full-width digits
    ("＋８６　１３８－１２３４－５６７８", "138****5678"),
])
def test_mobile_numbers_are_found_and_masked(value, published):
    text = f"我的电话是{value}，欢迎联系"
    assert kinds(text) == [("mobile", value)]
    assert redact(text, detect(text)) == f"我的电话是{published}，欢迎联系"


@pytest.mark.parametrize("value", ["021-12345678", "(021)1234 5678", "（021）12345678", "0512-8765432",
                                   "0571 8888 8888", "02112345678", "010-62345678"])
def test_landline_numbers_are_found_and_hidden(value):
    text = f"办公电话：{value}。"
    assert kinds(text) == [("landline", value)]
    assert redact(text, detect(text)) == "办公电话：[已隐去]。"


def test_id_numbers_are_found_with_a_trailing_x_either_case_and_old_15_digit_ones():
    with_x = id_ending_in_x()
    for value in (with_x, with_x.lower(), id_number(), "110101880229123"):
        text = f"身份证号{value}号码"
        assert kinds(text) == [("id_number", value)], value
        assert redact(text, detect(text)) == "身份证号[已隐去]号码"


def test_an_id_number_with_a_wrong_check_digit_is_still_hidden_but_not_one_without_a_real_birth_date():
    good = id_number()
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert kinds(wrong_check) == [("id_number", wrong_check)]
    assert detect("110101199002301234") == []   # 30 February
    assert detect("110101199013011234") == []   # month 13
    assert detect("1101011990030712345") == []  # 19 digits: not an ID number (nor a mobile inside)


@pytest.mark.parametrize("value", ["a@b.cn", "zhang.san+portal@mail.example.com", "li_si@example.org.cn",
                                   "wang＠example.com"])
def test_email_addresses_are_found_and_hidden(value):
    text = f"请回复至{value}谢谢"
    assert kinds(text) == [("email", value)]
    assert redact(text, detect(text)) == "请回复至[已隐去]谢谢"


@pytest.mark.parametrize("text, house", [
    ("我家住在长宁路88号1202室。", "88号1202室"),
    ("住址：武夷路100弄5号", "100弄5号"),
    ("小区5号楼3单元502室噪音大", "5号楼3单元502室"),
    ("住3号 502 室", "3号 502 室"),
    ("延安西路1号甲12-3号1001室", "1号甲12-3号1001室"),
    ("我住在幸福路12号3单元，楼道灯坏了", "12号3单元"),
    ("幸福小区5号楼2单元电梯停了", "5号楼2单元"),
    ("7栋1单元", "7栋1单元"),
])
def test_house_numbers_are_found_and_the_street_stays(text, house):
    assert kinds(text) == [("address", house)]
    assert redact(text, detect(text)) == text.replace(house, "[已隐去]")


@pytest.mark.parametrize("text", [
    "2026年", "3000元", "第十二条", "第5条第3款", "2026-04-01", "2026年4月1日 10:00", "从2021-2025年",
    "沪府办〔2026〕12号", "青府发〔2026〕1号", "1号线", "12号楼", "第3号", "五号楼", "三楼", "面积120平方米",
    "13812345678元",  # an amount, not a phone number
    "共计1381234567人", "138123456789", "电话:12345678", "编号20260401123456789012",
    "投放点设在12号", "联系12345热线", "2026-2030年规划", "增加1000个车位",
])
def test_what_only_looks_like_personal_data_is_left_alone(text):
    assert detect(text) == []
    assert redact(text, detect(text)) == text


@pytest.mark.parametrize("text", [
    "1381234567",          # 10 digits
    "12812345678",         # no mobile starts with 12
    "138123456789",        # 12 digits
    "编号913812345678",     # the digits continue a longer number
    "138 1234 567",        # one digit short, grouped
    "021-123456",          # a local number of 6 digits
    "21-12345678",         # no area code
    "11010119900307123",   # 17 characters
    "a@b", "a@localhost", "@example.com",
    "长宁路88号", "100弄", "1202室", "3楼302",  # a house number needs 弄…号, …号…室 or …号…单元
    "3单元", "第3单元", "12号楼", "单元3号",
])
def test_boundaries_one_step_outside_each_pattern_are_not_found(text):
    assert detect(text) == [], kinds(text)


def test_boundaries_just_inside_each_pattern_are_found():
    assert kinds("19912345678") == [("mobile", "19912345678")]        # highest second digit
    assert kinds("13012345678") == [("mobile", "13012345678")]        # lowest
    assert kinds("010-2345678") == [("landline", "010-2345678")]      # 7-digit local number
    assert kinds("0999-23456789") == [("landline", "0999-23456789")]  # 4-digit area code, 8 digits
    assert kinds("110101200001011234") == [("id_number", "110101200001011234")]
    assert kinds("a@b.cn") == [("email", "a@b.cn")]
    assert kinds("1弄2号") == [("address", "1弄2号")]
    assert kinds("1号2室") == [("address", "1号2室")]
    assert kinds("1号2单元") == [("address", "1号2单元")]


def test_the_module_example_and_several_kinds_in_one_text():
    text = "我住长宁路88号1202室，电话139 1234 5678，邮箱a.b@example.com"
    assert kinds(text) == [("address", "88号1202室"), ("mobile", "139 1234 5678"), ("email", "a.b@example.com")]
    public, findings = scrub(text)
    assert public == "我住长宁路[已隐去]，电话139****5678，邮箱[已隐去]"
    assert findings == [f.as_dict() for f in detect(text)]
    assert redact(text, findings) == public  # dicts (as stored) work the same


def test_an_email_made_of_a_mobile_number_is_one_email():
    assert kinds("13812345678@example.com") == [("email", "13812345678@example.com")]


def test_manual_spans_every_occurrence_and_merge_with_findings():
    text = "张家宅的张家宅，电话13812345678"
    spans = manual(text, "张家宅")
    assert [(f.start, f.end) for f in spans] == [(0, 3), (4, 7)]
    assert manual(text, "  ") == [] and manual(text, "不存在") == []
    # A manual span overlapping a mobile number hides it entirely.
    overlap = [*detect(text), Finding(10, 14, "manual")]
    assert redact(text, spans + overlap) == "[已隐去]的[已隐去]，电话[已隐去]"
    # Out-of-range findings are clipped, empty ones ignored.
    assert redact("abc", [Finding(2, 99, "manual"), Finding(1, 1, "manual")]) == "ab[已隐去]"


mobiles = st.builds(lambda second, rest: f"1{second}{rest}", st.sampled_from("3456789"),
                    st.text(alphabet="0123456789", min_size=9, max_size=9))
separators = st.sampled_from(["", " ", "-"])
prefixes = st.sampled_from(["", "+86", "+86 ", "+86-", "0086 ", "(+86)"])
chinese = st.text(alphabet="的是我们建议投放点垃圾分类规定时间，。、", max_size=8)


@given(mobiles, separators, separators, prefixes, chinese, chinese)
def test_property_any_written_mobile_number_is_masked(mobile, sep1, sep2, prefix, before, after):
    written = f"{prefix}{mobile[:3]}{sep1}{mobile[3:7]}{sep2}{mobile[7:]}"
    text = f"{before}{written}{after}"
    assert kinds(text) == [("mobile", written)]
    public = redact(text, detect(text))
    assert public == f"{before}{mobile[:3]}****{mobile[7:]}{after}"


@given(st.integers(min_value=1900, max_value=2100), st.integers(min_value=1, max_value=12),
       st.integers(min_value=1, max_value=28), st.integers(min_value=0, max_value=10**9), chinese)
def test_property_dates_years_and_amounts_are_never_found(year, month, day, amount, words):
    for text in (f"{words}{year}年{month}月{day}日", f"{year}-{month:02d}-{day:02d}{words}",
                 f"{words}{amount}元", f"第{amount}条{words}", f"{year}年第{month}号"):
        assert detect(text) == [], text


@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2025, 12, 31)),
       st.integers(min_value=0, max_value=999), chinese)
def test_property_any_id_number_is_hidden(birth, sequence, before):
    value = id_number(birth=birth.strftime("%Y%m%d"), sequence=sequence)
    text = f"{before}身份证{value}"
    assert kinds(text) == [("id_number", value)]
    assert redact(text, detect(text)) == f"{before}身份证[已隐去]"


@given(st.text(max_size=80))
def test_property_findings_are_ordered_disjoint_and_known(text):
    findings = detect(text)
    assert all(f.kind in privacy.KINDS and 0 <= f.start < f.end <= len(text) for f in findings)
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))
    assert redact(text, []) == text

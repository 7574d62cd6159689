"""Personal data in free text (先审查、后公开): find it, and hide it in what is published.

A pure module (no database, no Flask): comments on drafts use it at submission, and any other
feature that publishes what residents type can reuse it the same way::

    >>> from portal import privacy
    >>> text = "我住长宁路88号1202室，电话139 1234 5678，邮箱a.b@example.com"
    >>> findings = privacy.detect(text)
    >>> [(f.kind, text[f.start:f.end]) for f in findings]
    [('address', '88号1202室'), ('mobile', '139 1234 5678'), ('email', 'a.b@example.com')]
    >>> privacy.redact(text, findings)
    '我住长宁路[已隐去]，电话139****5678，邮箱[已隐去]'

Keep the original text and its findings (``[f.as_dict() for f in findings]``, JSON-friendly);
publish only ``redact(text, findings)``. Staff may hide more by hand: ``manual(text, "张家宅")``
gives a ``manual`` finding for every occurrence, added to the stored findings before redacting
again (``redact`` accepts overlapping findings and merges them).

What is found (kinds, in order of precedence when two overlap):

- ``id_number``: 18-digit resident ID numbers (last character a digit or X/x) whose birth date
  is a real date, and old 15-digit ones (YYMMDD). The check digit is not required: a mistyped
  ID number still identifies its holder.
- ``email``: ``local@domain.tld`` (also with a full-width ＠).
- ``mobile``: mainland mobile numbers 1[3-9]x xxxx xxxx, contiguous or grouped 3-4-4 with spaces
  or dashes, optionally after +86 / 0086 / (+86).
- ``landline``: an area code 0xx / 0xxx (optionally in brackets, after +86) and a 7- or 8-digit
  number, optionally split by a space or dash: 021-12345678, (021)1234 5678, 0512-8765432.
  Numbers without an area code are not found (too many false positives).
- ``address``: the house-number part of an address: numbers followed by 弄 / 号 / 号楼 / 栋 /
  幢 / 座 / 单元 / 楼 / 层 / 室 / 户, when the chain holds 弄 then 号, or a 室 after 号 / 号楼 /
  栋 / 幢 / 单元 (…路…号…室, …弄…号, …号…室). The street name before it stays: a street alone
  does not identify a household, and the comment stays readable.
- ``manual``: spans hidden by staff.

Digits never count when they continue a longer number, and a number directly followed by a unit
of amount or count (元, 万, 亿, 年, 人, 个, 次, %...) is not a phone number, so years (2026年), dates,
amounts (3000元), article numbers (第十二条) and document numbers (〔2026〕12号) are left alone.
Full-width digits and signs (１３８, ＋８６, ＠) are read as their ASCII forms.

How each kind is published: a mobile number as ``138****5678`` (its first three and last four
digits, as the portal masks mobiles elsewhere); everything else as ``[已隐去]``, because a partly
shown ID number, landline, e-mail or house number still narrows down who wrote it.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

KINDS = ("id_number", "email", "mobile", "landline", "address", "manual")
REDACTED = "[已隐去]"


@dataclass(frozen=True, order=True)
class Finding:
    """Personal data of ``kind`` at ``text[start:end]``."""

    start: int
    end: int
    kind: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(start=int(data["start"]), end=int(data["end"]), kind=str(data["kind"]))


_SEP = r"[ \u3000\-－]?"
_STOP = r"(?![\d])(?![ \u3000]*[元万亿千百年人个次岁%％])"

_ID18_RE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                      r"(?![0-9A-Za-z])", re.ASCII)
_ID15_RE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])",
                      re.ASCII)
_EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*[@＠]"
                       r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
                       r"\.[A-Za-z]{2,}(?![A-Za-z0-9])")
_MOBILE_RE = re.compile(r"(?<![\d+])(?:(?:[(（]\s*)?(?:\+|00|＋)\s?86(?:\s*[)）])?[ \u3000\-－]*)?"
                        rf"1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}{_STOP}")
_LANDLINE_RE = re.compile(r"(?<![\d+])(?:(?:\+|00|＋)\s?86[ \-－]*)?"
                          r"(?:[(（]0\d{2,3}[)）][ \u3000\-－]?|0\d{2,3}[ \u3000\-－]?)"
                          rf"[1-9]\d{{2,3}}{_SEP}\d{{4}}{_STOP}")
_NUM = r"(?:[甲乙丙丁]?\d+(?:[-－]\d+)?[A-Za-z]?|[一二三四五六七八九十百零〇两]{1,4})"
_UNIT = r"(?:支弄|号楼|弄|号|栋|幢|座|单元|楼|层|室|户)"
_ADDRESS_RE = re.compile(rf"(?<![\d一二三四五六七八九十百零〇两第])(?:{_NUM}[ \u3000]?{_UNIT}[ \u3000]?)+")
_UNIT_IN_RE = re.compile(_UNIT)


# Full-width forms (１３８, ＋８６, （０２１）, ＠) read as their ASCII forms; one character for one, so
# that positions in the folded text are positions in the original.
_FOLD = {**{0xFF10 + n: 0x30 + n for n in range(10)}, **{0xFF21 + n: 0x41 + n for n in range(26)},
         **{0xFF41 + n: 0x61 + n for n in range(26)}, ord("＋"): ord("+"), ord("－"): ord("-"),
         ord("（"): ord("("), ord("）"): ord(")"), ord("＠"): ord("@"), ord("．"): ord(".")}


def _digits(text: str) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in text if ch.isdigit())


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _id_numbers(text: str) -> Iterable[Finding]:
    for match in _ID18_RE.finditer(text):
        try:
            ric.get_birth_date(match.group())  # a real date of birth (30 February is not)
        except ValidationError:
            continue
        yield Finding(match.start(), match.end(), "id_number")
    for match in _ID15_RE.finditer(text):
        value = match.group()
        if _real_date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12])):
            yield Finding(match.start(), match.end(), "id_number")


def _addresses(text: str) -> Iterable[Finding]:
    for match in _ADDRESS_RE.finditer(text):
        units = _UNIT_IN_RE.findall(match.group())
        lane_then_number = "弄" in units and "号" in units[units.index("弄"):]
        room = "室" in units and any(u in ("号", "号楼", "栋", "幢", "单元") for u in units[:units.index("室")])
        # A building's stairwell (12号3单元, 5号楼2单元): a handful of households.
        stairwell = "单元" in units and any(u in ("号", "号楼", "栋", "幢") for u in units[:units.index("单元")])
        if lane_then_number or room or stairwell:
            end = match.end()
            while end > match.start() and text[end - 1] in " \u3000":
                end -= 1
            yield Finding(match.start(), end, "address")


def detect(text: str) -> list[Finding]:
    """The personal data in ``text``, ordered by position, never overlapping (the earlier and,
    from one start, the longer finding wins)."""
    text = text.translate(_FOLD)
    found: list[Finding] = [*_id_numbers(text)]
    found += [Finding(m.start(), m.end(), "email") for m in _EMAIL_RE.finditer(text)]
    found += [Finding(m.start(), m.end(), "mobile") for m in _MOBILE_RE.finditer(text)]
    found += [Finding(m.start(), m.end(), "landline") for m in _LANDLINE_RE.finditer(text)]
    found += list(_addresses(text))
    found.sort(key=lambda f: (f.start, -(f.end - f.start), KINDS.index(f.kind)))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


def manual(text: str, needle: str) -> list[Finding]:
    """A ``manual`` finding for every occurrence of ``needle`` in ``text`` (none when absent)."""
    needle = needle.strip()
    if not needle:
        return []
    return [Finding(m.start(), m.end(), "manual") for m in re.finditer(re.escape(needle), text)]


def _replacement(kind: str, value: str) -> str:
    if kind == "mobile":
        digits = _digits(value)[-11:]
        return digits[:3] + "****" + digits[-4:]
    return REDACTED


def merge(findings: Iterable[Finding | dict], length: int) -> list[Finding]:
    """Findings (or their dicts) clipped to a text of ``length``, ordered, overlapping ones joined
    into one (of kind ``manual`` unless they were the same finding)."""
    spans = sorted(f if isinstance(f, Finding) else Finding.from_dict(f) for f in findings)
    merged: list[Finding] = []
    for f in spans:
        start, end = max(0, f.start), min(length, f.end)
        if start >= end:
            continue
        if merged and start < merged[-1].end:
            last = merged[-1]
            same = (start, end, f.kind) == (last.start, last.end, last.kind)
            merged[-1] = Finding(last.start, max(last.end, end), last.kind if same else "manual")
            continue
        merged.append(Finding(start, end, f.kind))
    return merged


def redact(text: str, findings: Iterable[Finding | dict]) -> str:
    """``text`` as published: each finding replaced (mobile → ``138****5678``, other kinds →
    ``[已隐去]``). Findings may overlap or touch; overlapping ones are hidden as one ``[已隐去]``."""
    out, position = [], 0
    for f in merge(findings, len(text)):
        out.append(text[position:f.start])
        out.append(_replacement(f.kind, text[f.start:f.end]))
        position = f.end
    out.append(text[position:])
    return "".join(out)


def scrub(text: str) -> tuple[str, list[dict]]:
    """``(published text, findings as dicts)`` in one call: what a service stores at submission."""
    findings = detect(text)
    return redact(text, findings), [f.as_dict() for f in findings]

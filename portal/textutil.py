"""Small text helpers used wherever personal data is shown publicly."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l


def mask_name(name: str | None) -> str:
    """Mask a person's name for publication: 张三 → 张**, 欧阳修文 → 欧**, Alice → A**.

    Always two stars, so that the length of the name is not published either."""
    name = (name or "").strip()
    if not name:
        return "匿名"
    return name[0] + "**"


def mask_mobile(mobile: str | None) -> str:
    if not mobile or len(mobile) < 7:
        return ""
    return mobile[:3] + "****" + mobile[-4:]


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return (local[0] if local else "") + "***@" + domain


# Mainland mobile numbers (11 digits, 13x–19x). Written with spaces, dashes, or +86 / 0086 in front.
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_NOISE_RE = re.compile(r"[\s\-()（）]")


def normalize_mobile(text: str | None) -> str | None:
    """The 11 digits of a mainland mobile number as typed ("+86 138-1234-5678" → "13812345678"),
    or None when it is not one. The one definition used by every form and service."""
    digits = _MOBILE_NOISE_RE.sub("", text or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix):]
            break
    return digits if _MOBILE_RE.match(digits) else None


def is_mainland_mobile(text: str | None) -> bool:
    return normalize_mobile(text) is not None


MOBILE_MESSAGE = _l("Please enter an 11-digit mainland mobile number.")


# A link a resident is sent to (an online activity's live address): https only, a real host, no
# spaces or control characters, at most 500 characters.
HTTPS_URL_MAX = 500


def normalize_https_url(text: str | None) -> str | None:
    """The address as typed, trimmed, when it is an https link to a host ("https://live.example.cn/
    room/1"); None for anything else (http, javascript:, no host, user@host, spaces inside, too
    long)."""
    from urllib.parse import urlsplit

    url = (text or "").strip()
    if not url or len(url) > HTTPS_URL_MAX or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        return None
    if (parts.scheme.lower() != "https" or not hostname or "." not in hostname.strip(".")
            or parts.username is not None):  # user@host: a link that hides where it goes
        return None
    return url


HTTPS_URL_MESSAGE = _l("Please enter the full https:// address of the online activity.")

"""Small text helpers used wherever personal data is shown publicly."""
from __future__ import annotations


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

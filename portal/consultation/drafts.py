"""Splitting a pasted draft into sections on its 第X章 / 第X节 / 第X条 headings."""
from __future__ import annotations

import re

_NUMERAL = r"[一二三四五六七八九十百千零〇两\d０-９]+"
_HEADING = re.compile(rf"^[ \t\u3000]*(第{_NUMERAL}([章节条]))(?:[ \t\u3000]+|(?=[【（(])|$)(.*)$")
_BRACKETED = re.compile(r"^[【（(]([^】）)]{1,60})[】）)]\s*(.*)$", re.S)


def split_draft(text: str) -> list[dict]:
    """Sections of a draft: [{kind, number, heading, body}] in order.

    ``第一章 总则`` (or 第一节) starts a chapter whose heading is the rest of the line; ``第五条 ...``
    starts an article whose body is the rest of the line and the lines that follow, with a
    bracketed title (``第五条【分类标准】...``) taken as its heading. Text before the first heading
    (a preamble) becomes a section of its own.
    """
    sections: list[dict] = []
    current: dict | None = None
    preamble: list[str] = []
    for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _HEADING.match(line)
        if match:
            number, level, rest = match.group(1), match.group(2), match.group(3).strip()
            if level in "章节":
                current = {"kind": "chapter", "number": number, "heading": rest[:200], "body": []}
            else:
                heading = ""
                bracketed = _BRACKETED.match(rest)
                if bracketed:
                    heading, rest = bracketed.group(1).strip(), bracketed.group(2).strip()
                current = {"kind": "article", "number": number, "heading": heading, "body": [rest] if rest else []}
            sections.append(current)
        elif current is None:
            preamble.append(line)
        else:
            current["body"].append(line)
    result = []
    intro = "\n".join(preamble).strip()
    if intro:
        result.append({"kind": "text", "number": "", "heading": "", "body": intro})
    for section in sections:
        result.append({**section, "body": "\n".join(section["body"]).strip()})
    return result

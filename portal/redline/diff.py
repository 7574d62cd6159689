"""Comparing an issued text with its consulted draft, article by article (pure functions).

Matching (``match_units``), in four passes over the units of the same kind (条 with 条, 章 with 章,
the preamble with the preamble); text compared is the heading and body without whitespace:

1. **Identical text**: an issued article whose text equals a draft article's is its match (the
   one with the same number first, else the nearest in position). Same text under another number
   is a renumbering (第五条→第六条).
2. **Same number, similar text**: the draft article with the same number, when the character
   similarity (``difflib.SequenceMatcher.ratio`` on characters) is at least ``SIMILAR``.
3. **Similar text, any number**: the remaining pairs with similarity at least ``SIMILAR``, best
   first (ties: the nearest in position), each article used once. Cheap upper bounds
   (``real_quick_ratio``, ``quick_ratio``) skip most pairs before the exact ratio.
4. **Splits and merges**: an issued article still without a match is a part of the draft article
   that contains at least ``CONTAINED`` of its characters (matching blocks) and is at least
   ``WHOLE`` times as long, even when that draft article is matched already (a split); a draft
   article still without a match went into the issued article that contains ``CONTAINED`` of its
   characters and is ``WHOLE`` times as long (a merge). The length rule keeps a removed article
   from being "merged" into a different article of the same pattern (boilerplate).

What is left is added (issued only) or removed (draft only). The pairs form groups (connected
components): one draft and one issued article are unchanged, renumbered or changed; one draft and
several issued articles a split; several draft articles and one issued article a merge.

The character diff (``char_diff``) is ``SequenceMatcher`` on characters (Chinese has no spaces
to split words on): the draft side keeps equal and deleted runs, the issued side equal and
inserted runs.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher

SIMILAR = 0.6      # a reworded article: at least 60% of characters in common (ratio)
CONTAINED = 0.8    # a part of a split or merge: 80% of its characters found in the whole
MIN_PART = 4       # shorter texts are never taken as parts of a split or merge
WHOLE = 1.4        # the whole of a split or merge is at least 40% longer than the part

_SPACE = re.compile(r"[\s\u3000]+")


@dataclass
class Unit:
    """A section of either text: ``id`` (of its row), kind, number, heading, body, position."""

    id: int
    kind: str
    number: str
    heading: str
    body: str
    position: int
    text: str = field(init=False)
    norm: str = field(init=False)

    def __post_init__(self) -> None:
        if self.kind == "chapter":
            self.text = self.heading
        else:
            self.text = (f"【{self.heading}】" if self.heading else "") + self.body
        self.norm = _SPACE.sub("", self.text)

    @property
    def number_key(self) -> str:
        return _SPACE.sub("", self.number)


def ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def contained(part: str, whole: str) -> float:
    """Share of ``part``'s characters found, in order, in ``whole``."""
    if not part:
        return 0.0
    counts, other = Counter(part), Counter(whole)
    if sum(min(n, other[c]) for c, n in counts.items()) < CONTAINED * len(part):
        return 0.0  # an upper bound already below the threshold
    blocks = SequenceMatcher(None, part, whole, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks) / len(part)


def match_units(drafts: list[Unit], finals: list[Unit]) -> set[tuple[int, int]]:
    """Pairs (draft id, final id), following the four passes of the module's docstring."""
    pairs: set[tuple[int, int]] = set()
    used_d: set[int] = set()
    used_f: set[int] = set()

    def take(d: Unit, f: Unit) -> None:
        pairs.add((d.id, f.id))
        used_d.add(d.id)
        used_f.add(f.id)

    # 1. identical text
    by_text: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for d in drafts:
        by_text[(d.kind, d.norm)].append(d)
    for f in finals:
        candidates = [d for d in by_text.get((f.kind, f.norm), []) if d.id not in used_d]
        if candidates:
            take(min(candidates, key=lambda d: (d.number_key != f.number_key, abs(d.position - f.position))), f)

    # 2. same number, similar text
    by_number = {(d.kind, d.number_key): d for d in drafts if d.number_key}
    for f in finals:
        if f.id in used_f or not f.number_key:
            continue
        d = by_number.get((f.kind, f.number_key))
        if d is not None and d.id not in used_d and ratio(d.norm, f.norm) >= SIMILAR:
            take(d, f)

    # 3. similar text, any number: best pairs first
    scored = []
    for f in finals:
        if f.id in used_f:
            continue
        for d in drafts:
            if d.id in used_d or d.kind != f.kind:
                continue
            matcher = SequenceMatcher(None, d.norm, f.norm, autojunk=False)
            if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
                continue
            score = matcher.ratio()
            if score >= SIMILAR:
                scored.append((-score, abs(d.position - f.position), d.position, f.position, d, f))
    scored.sort(key=lambda row: row[:4])
    for _score, _distance, _dp, _fp, d, f in scored:
        if d.id not in used_d and f.id not in used_f:
            take(d, f)

    # 4. splits (an issued part of a draft article) and merges (a draft part of an issued article)
    for f in finals:
        if f.id in used_f or len(f.norm) < MIN_PART:
            continue
        best = max(((contained(f.norm, d.norm), -abs(d.position - f.position), d) for d in drafts
                    if d.kind == f.kind and len(d.norm) >= WHOLE * len(f.norm)),
                   default=None, key=lambda row: row[:2])
        if best is not None and best[0] >= CONTAINED:
            pairs.add((best[2].id, f.id))
            used_f.add(f.id)
    for d in drafts:
        if d.id in used_d or len(d.norm) < MIN_PART:
            continue
        best = max(((contained(d.norm, f.norm), -abs(d.position - f.position), f) for f in finals
                    if f.kind == d.kind and len(f.norm) >= WHOLE * len(d.norm)),
                   default=None, key=lambda row: row[:2])
        if best is not None and best[0] >= CONTAINED:
            pairs.add((d.id, best[2].id))
            used_d.add(d.id)
    return pairs


def char_diff(old: str, new: str) -> tuple[list[list[str]], list[list[str]]]:
    """The draft side as runs ["=", text] / ["-", deleted], the issued side as ["=", text] /
    ["+", inserted]."""
    left: list[list[str]] = []
    right: list[list[str]] = []

    def push(side: list[list[str]], op: str, text: str) -> None:
        if not text:
            return
        if side and side[-1][0] == op:
            side[-1][1] += text
        else:
            side.append([op, text])

    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            push(left, "=", old[i1:i2])
            push(right, "=", new[j1:j2])
        else:
            push(left, "-", old[i1:i2])
            push(right, "+", new[j1:j2])
    return left, right


def _unit_ref(unit: Unit) -> dict:
    return {"id": unit.id, "kind": unit.kind, "number": unit.number, "heading": unit.heading}


def build_rows(drafts: list[Unit], finals: list[Unit], pairs: set[tuple[int, int]]) -> list[dict]:
    """The redline's rows, in the order of the issued text (a removed article after the row of the
    draft article before it): each with its kind, both sides and the character diff."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for d in drafts:
        find(f"d{d.id}")
    for f in finals:
        find(f"f{f.id}")
    for d_id, f_id in pairs:
        parent[find(f"d{d_id}")] = find(f"f{f_id}")
    groups: dict[str, tuple[list[Unit], list[Unit]]] = defaultdict(lambda: ([], []))
    for d in drafts:
        groups[find(f"d{d.id}")][0].append(d)
    for f in finals:
        groups[find(f"f{f.id}")][1].append(f)

    keys: dict[str, tuple[int, int, int]] = {}
    for root, (_ds, fs) in groups.items():
        if fs:
            keys[root] = (min(f.position for f in fs), 0, 0)
    last = (-1, 0, 0)
    for d in drafts:  # removed articles follow the row of the draft article before them
        root = find(f"d{d.id}")
        if root in keys and keys[root][1] == 0:
            last = keys[root]
        elif root not in keys:
            keys[root] = (last[0], 1, d.position)

    rows = []
    for root in sorted(groups, key=lambda r: keys[r]):
        ds, fs = groups[root]
        ds.sort(key=lambda u: u.position)
        fs.sort(key=lambda u: u.position)
        old = "\n".join(d.text for d in ds)
        new = "\n".join(f.text for f in fs)
        renumbered = False
        if not fs:
            kind = "removed"
        elif not ds:
            kind = "added"
        elif len(ds) > 1:
            kind = "merged"
        elif len(fs) > 1:
            kind = "split"
        else:
            renumbered = ds[0].number_key != fs[0].number_key
            if ds[0].norm == fs[0].norm:
                kind = "renumbered" if renumbered else "unchanged"
            else:
                kind = "changed"
        if kind in ("added", "removed"):
            left = [["-", old]] if old else []
            right = [["+", new]] if new else []
        elif kind in ("unchanged", "renumbered"):
            left, right = [["=", old]], [["=", new]]
        else:
            left, right = char_diff(old, new)
        rows.append({
            "key": f"f{fs[0].id}" if fs else f"d{ds[0].id}",
            "kind": kind,
            "renumbered": renumbered,
            "unit_kind": (fs or ds)[0].kind,
            "draft": [_unit_ref(d) for d in ds],
            "final": [_unit_ref(f) for f in fs],
            "old": left,
            "new": right,
        })
    return rows


def summarize(rows: list[dict]) -> dict[str, int]:
    counts = {kind: 0 for kind in ("unchanged", "renumbered", "changed", "split", "merged", "added", "removed")}
    for row in rows:
        if row["unit_kind"] == "chapter":
            continue
        counts[row["kind"]] += 1
        if row["renumbered"] and row["kind"] != "renumbered":
            counts["renumbered"] += 1
    return counts


def compare(drafts: list[Unit], finals: list[Unit], manual: dict[int, list[int]] | None = None) -> dict:
    """The whole comparison: automatic pairs, overridden for the issued articles in ``manual``
    (final id → the draft ids staff chose, possibly none: an added article); a draft article
    chosen by staff keeps only the pairs staff gave it. Then rows and summary counts."""
    pairs = match_units(drafts, finals)
    if manual:
        chosen = {d for ds in manual.values() for d in ds}
        pairs = {(d, f) for d, f in pairs if f not in manual and d not in chosen}
        pairs |= {(d, f) for f, ds in manual.items() for d in ds}
    rows = build_rows(drafts, finals, pairs)
    return {"rows": rows, "counts": summarize(rows), "pairs": sorted(pairs)}

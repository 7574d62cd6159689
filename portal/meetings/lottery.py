"""The public lottery (公开抽签) that selects representatives, as a pure function anyone can re-run.

Method, per seat category:

1. the input is the list of eligible application numbers of that category (every application
   not withdrawn when the sign-up window closed), e.g. ``["M12-0001", "M12-0004", ...]``;
2. each number gets the key ``SHA-256(seed + ":" + number)`` as a lower-case hex string (UTF-8);
3. the numbers are sorted by that key (ties, practically impossible, by the number itself);
4. the first N (N = the category's seats) are selected; the others are alternates, in that order.

The seed is announced on the meeting page before the draw and cannot be changed afterwards; the
page and the API (``/api/v1/meetings/<id>``) publish the seed, the input list and the result. To
check a draw, with nothing but the Python standard library::

    import hashlib

    def draw(seed, numbers, seats):
        order = sorted(numbers, key=lambda n: (hashlib.sha256(f"{seed}:{n}".encode("utf-8")).hexdigest(), n))
        return order[:seats], order[seats:]   # (selected, alternates in order)

    selected, alternates = draw("20260315-abc", ["M12-0001", "M12-0002", "M12-0003"], 1)
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

# Shown on the meeting page: the same function as below, runnable as it stands.
SNIPPET = '''import hashlib

def draw(seed, numbers, seats):
    order = sorted(numbers, key=lambda n: (hashlib.sha256(f"{seed}:{n}".encode("utf-8")).hexdigest(), n))
    return order[:seats], order[seats:]   # (selected, alternates in order)
'''


def draw_key(seed: str, number: str) -> str:
    return hashlib.sha256(f"{seed}:{number}".encode("utf-8")).hexdigest()


def draw_order(seed: str, numbers: list[str]) -> list[str]:
    return sorted(numbers, key=lambda n: (draw_key(seed, n), n))


@dataclass(frozen=True)
class CategoryResult:
    selected: list[str]
    alternates: list[str]


def draw(seed: str, numbers: list[str], seats: int) -> CategoryResult:
    """Selected and alternates (in order) among ``numbers`` for ``seats`` seats."""
    order = draw_order(seed, numbers)
    return CategoryResult(selected=order[:seats], alternates=order[seats:])

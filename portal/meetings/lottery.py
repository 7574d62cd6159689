"""The public lottery (公开抽签) that selects representatives, as pure functions anyone can re-run.

Why staff cannot steer it:

1. **Commitment.** When a lottery meeting is published, the portal draws a random secret and
   publishes ``commitment = SHA-256(secret)`` with the name of a public value that will only be
   known after sign-up closes (e.g. the numbers of a named official lottery draw). Nobody can
   choose the public value; staff cannot change the secret without the commitment showing it.
2. **Frozen window.** From then on the sign-up window can only be extended, before it closes,
   with a public reason, and never up to the day the public value is known.
3. **Frozen input.** At close the ordered input list (application numbers, masked names,
   categories) is frozen and its SHA-256 published (``input_hash``).
4. **The draw.** Staff type the public value and its source once; the seed is
   ``SHA-256(secret + "|" + digits)``, where ``digits`` are the digits of the public value in the
   order written (so that spaces, commas or a "+" typed one way or another cannot give staff
   several seeds to choose from); the secret is revealed.

Method, per seat category:

- the input is the frozen list's numbers of that category;
- each number gets the key ``SHA-256(seed + ":" + number)`` as a lower-case hex string (UTF-8);
- the numbers are sorted by that key (ties, practically impossible, by the number itself);
- numbers withdrawn after the freeze and before the draw (published on the record) are skipped;
- the first N (N = the category's seats) are selected; the others are alternates, in that order.

To check a draw with nothing but the Python standard library: see ``SNIPPET``.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Shown on the meeting page (技术说明): the same functions as below, runnable as they stand.
SNIPPET = '''import hashlib

def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

def check(commitment, secret, public_value, entries, input_hash):
    # entries: the frozen input list, [(number, category, masked name), ...] in order
    assert sha256(secret) == commitment
    assert sha256("\\n".join("|".join(e) for e in entries)) == input_hash
    digits = "".join(c for c in public_value if c in "0123456789")
    return sha256(secret + "|" + digits)                 # the seed

def draw(seed, numbers, seats, skipped=()):
    order = sorted(numbers, key=lambda n: (sha256(seed + ":" + n), n))
    order = [n for n in order if n not in skipped]       # withdrawn after the freeze
    return order[:seats], order[seats:]                  # (selected, alternates in order)
'''


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A secret of 256 random bits, as 64 lower-case hex digits."""
    return secrets.token_hex(32)


def commitment_of(secret: str) -> str:
    return sha256(secret)


def digits_of(public_value: str) -> str:
    """The digits of the public value in the order written ("03 08 + 11" → "030811")."""
    return "".join(c for c in public_value if c in "0123456789")


def derive_seed(secret: str, public_value: str) -> str:
    return sha256(f"{secret}|{digits_of(public_value)}")


@dataclass(frozen=True)
class InputEntry:
    """One line of the frozen input list."""

    number: str
    category: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"number": self.number, "category": self.category, "name": self.name}


def input_text(entries: Iterable[InputEntry]) -> str:
    """The canonical text of the input list: one ``number|category|masked name`` line each."""
    return "\n".join(f"{e.number}|{e.category}|{e.name}" for e in entries)


def input_hash(entries: Iterable[InputEntry]) -> str:
    return sha256(input_text(entries))


def entries_from(data: Sequence[dict]) -> list[InputEntry]:
    return [InputEntry(number=d["number"], category=d["category"], name=d["name"]) for d in data]


def draw_key(seed: str, number: str) -> str:
    return sha256(f"{seed}:{number}")


def draw_order(seed: str, numbers: Iterable[str]) -> list[str]:
    return sorted(numbers, key=lambda n: (draw_key(seed, n), n))


@dataclass(frozen=True)
class CategoryResult:
    selected: list[str]
    alternates: list[str]


def draw(seed: str, numbers: Iterable[str], seats: int, skipped: Iterable[str] = ()) -> CategoryResult:
    """Selected and alternates (in order) among ``numbers`` for ``seats`` seats, ``skipped``
    (withdrawn after the freeze) left out of the order."""
    gone = set(skipped)
    order = [n for n in draw_order(seed, numbers) if n not in gone]
    return CategoryResult(selected=order[:seats], alternates=order[seats:])

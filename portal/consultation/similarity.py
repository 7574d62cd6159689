"""Near-duplicate detection for comment texts: normalisation, character 3-gram shingles, MinHash
signatures and LSH bands (so candidates come from an indexed lookup), verified by Jaccard similarity.

Chinese has no spaces between words, so character n-grams (not words) are the shingles: a changed
character or two, other punctuation or a few added words leave most 3-grams unchanged.
"""
from __future__ import annotations

import hashlib
import random
import unicodedata

SHINGLE_SIZE = 3
# 20 bands of 3 rows: texts with Jaccard similarity 0.5 become candidates with probability 0.93,
# 0.6 with 0.99; unrelated texts (< 0.1) almost never. Changing these needs the band table rebuilt.
BANDS = 20
ROWS = 3
_MERSENNE = (1 << 61) - 1
_rng = random.Random(20260401)
_PERMUTATIONS = [(_rng.randrange(1, _MERSENNE), _rng.randrange(0, _MERSENNE)) for _ in range(BANDS * ROWS)]


def normalise(text: str) -> str:
    """Text without whitespace, punctuation, symbols or case, full-width folded (NFKC)."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")


def text_hash(text: str) -> str:
    norm = normalise(text) or (text or "").strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def shingles(norm: str) -> set[str]:
    if len(norm) <= SHINGLE_SIZE:
        return {norm} if norm else set()
    return {norm[i:i + SHINGLE_SIZE] for i in range(len(norm) - SHINGLE_SIZE + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _base_hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")


def minhash(items: set[str]) -> list[int]:
    bases = [_base_hash(s) for s in items] or [0]
    return [min((a * x + b) % _MERSENNE for x in bases) for a, b in _PERMUTATIONS]


def band_buckets(items: set[str]) -> list[tuple[int, int]]:
    """(band, bucket) pairs of a shingle set; a bucket is a signed 64-bit integer (BIGINT)."""
    signature = minhash(items)
    buckets = []
    for band in range(BANDS):
        rows = signature[band * ROWS:(band + 1) * ROWS]
        digest = hashlib.blake2b(",".join(map(str, rows)).encode("ascii"), digest_size=8).digest()
        buckets.append((band, int.from_bytes(digest, "big", signed=True)))
    return buckets

"""Near-duplicate pages: MinHash signatures of word shingles, LSH banding to find candidates, and the MinHash
estimate of Jaccard similarity to confirm them (datasketch does the MinHash and the LSH).

Screaming Frog flags near-duplicates at 90% similarity of the main content, Semrush at 85%; the default here is
Screaming Frog's. Words are hashed with CRC-32, which is stable across processes (Python's `hash` is salted), so
signatures computed on different machines agree.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Hashable, Iterable, Mapping
from functools import cache
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)
S = TypeVar("S", int, str)  # keys that sort

NUM_PERM = 128
SHINGLE = 5
LSH_MARGIN = 0.15
_WORD = re.compile(r"\w+", re.UNICODE)
_STEP = 0x100000001B3  # FNV's 64-bit prime: odd, so the polynomial loses no word's hash
_MIX = 0x9E3779B97F4A7C15  # 2**64 over the golden ratio, odd


def shingle_hashes(text: str, size: int = SHINGLE) -> list[int]:
    """The distinct 32-bit hashes of the text's word n-grams, lowercased; a text shorter than n words is one
    shingle. Each word is hashed once (CRC-32) and its n-grams' hashes are combined in numpy rather than each
    n-gram joined and hashed as a string: the signatures are most of what a batch worker does besides the audit."""
    import numpy

    words = _WORD.findall(text.lower())
    if not words:
        return []
    codes = numpy.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=numpy.uint64, count=len(words))
    grams = max(1, len(words) - size + 1)
    combined = numpy.zeros(grams, dtype=numpy.uint64)
    for i in range(min(size, len(words))):  # a polynomial over the n-gram's word hashes, wrapping at 2**64
        combined = combined * _STEP + codes[i : i + grams]
    # the high half of a multiplicative mix (Knuth's): every word of the n-gram moves every bit kept
    return numpy.unique((combined * _MIX) >> numpy.uint64(32)).tolist()  # type: ignore[no-any-return]


@cache
def scheme() -> str:
    """How signatures are made, written beside the ones a batch keeps: signatures of two schemes do not compare
    (the shingles' hashing, their size, the permutations, and datasketch's hashing scheme all change them)."""
    from datasketch import MinHash

    return f"word-crc32-polynomial/{SHINGLE}-grams/{NUM_PERM}-{MinHash(num_perm=NUM_PERM).scheme}"


def signatures(texts: Iterable[str], num_perm: int = NUM_PERM, chunk: int = 500) -> list[Any]:
    """One LeanMinHash per text (an empty text gets the signature of the empty set). Texts are shingled a chunk
    at a time, so memory holds one chunk's shingles, not the whole site's."""
    from datasketch import LeanMinHash, MinHash

    out: list[Any] = []
    batch: list[list[int]] = []
    for text in texts:
        batch.append(shingle_hashes(text))
        if len(batch) == chunk:
            out.extend(LeanMinHash(h) for h in MinHash.bulk(batch, num_perm=num_perm, hashfunc=int))
            batch = []
    if batch:
        out.extend(LeanMinHash(h) for h in MinHash.bulk(batch, num_perm=num_perm, hashfunc=int))
    return out


def groups(
    texts: Mapping[K, str], threshold: float = 0.9, min_words: int = 30, num_perm: int = NUM_PERM
) -> list[list[tuple[K, float]]]:
    """Groups of near-duplicate texts: each group lists (key, estimated similarity to the group's first member),
    first member first. Texts shorter than `min_words` words are left out (thin pages match everything)."""
    from datasketch import MinHashLSH

    keys = [k for k, t in texts.items() if len(t.split()) >= min_words]
    if len(keys) < 2:
        return []
    sigs = signatures((texts[k] for k in keys), num_perm)
    # LSH finds candidates below the threshold (banding misses pairs near it otherwise); the MinHash estimate
    # then confirms each pair at the threshold itself
    lsh = MinHashLSH(threshold=max(0.5, threshold - LSH_MARGIN), num_perm=num_perm)
    with lsh.insertion_session() as session:
        for index, sig in enumerate(sigs):
            session.insert(index, sig, check_duplication=False)
    pairs: list[tuple[int, int]] = []
    for index, sig in enumerate(sigs):
        for other in lsh.query(sig):
            if other > index and sig.jaccard(sigs[other]) >= threshold:
                pairs.append((index, other))
    return [[(keys[i], round(sigs[members[0]].jaccard(sigs[i]), 3)) for i in members] for members in connected(pairs)]


def connected(pairs: Iterable[tuple[S, S]]) -> list[list[S]]:
    """The groups that the pairs join (union-find), each sorted, in order of their first member."""
    parent: dict[S, S] = {}

    def root(x: S) -> S:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[S, list[S]] = {}
    for x in list(parent):
        members.setdefault(root(x), []).append(x)
    return sorted((sorted(m) for m in members.values()), key=lambda m: m[0])

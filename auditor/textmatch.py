"""How much of one text another holds, after the measure of the ScrapingHub Article Extraction Benchmark: both
texts cut into word tokens (`\\w+`) and compared as multisets of 4-token shingles. Two differences from the
benchmark's own script: tokens are lowercased (it keeps their case), and an empty text is one empty shingle (it
leaves a page with no extracted text out of the precision average). It scores the editorial text against a human
article body (`auditor eval`) and labels blocks for the block model."""

from __future__ import annotations

import re
from collections import Counter

SIZE = 4
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The text's shingles with their counts; a text shorter than a shingle is one shingle of all its tokens."""
    found = tokens(text)
    return Counter(tuple(found[i : i + SIZE]) for i in range(max(1, len(found) - SIZE + 1)))


def precision_recall(reference: str, extracted: str) -> tuple[float, float]:
    """The share of the extracted shingles that the reference holds, and of the reference's that were extracted
    (each shingle counted as often as it occurs in both)."""
    want, got = shingles(reference), shingles(extracted)
    both = sum(min(n, got[s]) for s, n in want.items() if s in got)
    extracted_total, reference_total = sum(got.values()), sum(want.values())
    return (both / extracted_total if extracted_total else 0.0), (both / reference_total if reference_total else 0.0)


def share_in(text: str, reference: set[tuple[str, ...]], joined: str) -> float:
    """How much of a block's text is in a reference text: the share of its shingles the reference has, or for a
    block shorter than a shingle, 1 when its tokens occur together in the reference (`joined`: the reference's
    tokens between spaces) and 0 when not."""
    found = tokens(text)
    if len(found) < SIZE:
        return float(bool(found) and f" {' '.join(found)} " in joined)
    grams = [tuple(found[i : i + SIZE]) for i in range(len(found) - SIZE + 1)]
    return sum(g in reference for g in grams) / len(grams)


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

"""A sentence pasted again and again, word for word or nearly (TF-IDF cosine), in the page's main text."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page
from auditor.textmodel import key_of, sentences, vectorize

DEFAULTS: Mapping[str, Any] = {"min_count": 3, "min_words": 6, "near_similarity": 0.9}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    disclosed = {key_of(s.text) for s in page.disclosure.statements}
    units = [
        s
        for s in sentences(page)
        if s.words >= options["min_words"] and s.key not in disclosed and page.block(s.block).kind != "disclosure"
    ]
    if len(units) < options["min_count"]:
        return
    # exact copies first: the same words in the same order
    groups: dict[str, list[int]] = defaultdict(list)
    for i, unit in enumerate(units):
        groups[unit.key].append(i)
    # then near-copies: join each sentence to the group of any earlier sentence it nearly repeats
    keys = list(groups)
    matrix = vectorize([units[groups[k][0]].text for k in keys])
    similar = (matrix @ matrix.T).tocoo()
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, value in zip(similar.row, similar.col, similar.data, strict=True):
        if i < j and value >= options["near_similarity"]:
            parent[root(j)] = root(i)
    merged: dict[int, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        merged[root(index)].extend(groups[key])
    for members in merged.values():
        if len(members) >= options["min_count"]:
            members.sort()
            first = units[members[0]]
            variants = len({units[m].key for m in members})
            yield Evidence(
                first.block,
                {
                    "sentence": first.text[:300],
                    "count": len(members),
                    "variants": variants,
                    "blocks": sorted({units[m].block for m in members}),
                },
            )

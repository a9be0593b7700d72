"""A sentence pasted again and again, word for word or nearly (TF-IDF cosine), in the page's main text."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page
from auditor.neardup import connected
from auditor.textmodel import key_of, sentences, similar_pairs
from auditor.wording import clip

DEFAULTS: Mapping[str, Any] = {"min_count": 3, "min_words": 6, "near_similarity": 0.9}


def near_candidates(keys: list[str]) -> list[int]:
    """The sentences that could be near copies of another. A copy with one word swapped, added or dropped keeps
    its length within one word and either its first three or its last three words (the sentences have at least
    six), so only sentences that share an edge with another of about their length go to the TF-IDF pass."""
    edges: dict[tuple[str, int, str], list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        words = key.split()
        edges[("<", len(words), " ".join(words[:3]))].append(index)
        edges[(">", len(words), " ".join(words[-3:]))].append(index)
    found: set[int] = set()
    for (side, size, edge), members in edges.items():
        near = members + edges.get((side, size + 1, edge), [])
        if len(near) > 1:
            found.update(near)
    return sorted(found)


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
    keys = list(groups)
    # then near copies: join each sentence to the group of any sentence it nearly repeats
    candidates = near_candidates(keys)
    texts = [units[groups[keys[c]][0]].text for c in candidates]
    near = ((candidates[i], candidates[j]) for i, j in similar_pairs(texts, options["near_similarity"]))
    first_of = {index: members[0] for members in connected(near) for index in members}
    merged: dict[int, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        merged[first_of.get(index, index)].extend(groups[key])
    for members in merged.values():
        if len(members) >= options["min_count"]:
            members.sort()
            first = units[members[0]]
            variants = len({units[m].key for m in members})
            yield Evidence(
                first.block,
                {
                    "sentence": clip(first.text, 300),
                    "count": len(members),
                    "variants": variants,
                    "blocks": sorted({units[m].block for m in members}),
                },
            )

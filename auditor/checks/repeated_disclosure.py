"""The same disclosure pasted many times: not unlawful, but mechanical (an info-level quality finding)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page
from auditor.textmodel import key_of, sentences, split_sentences
from auditor.wording import clip

DEFAULTS: Mapping[str, Any] = {"min_count": 3, "min_words": 3}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    keys = {
        key_of(sentence)
        for statement in page.disclosure.statements
        for sentence in split_sentences(statement.text)
        if len(sentence.split()) >= options["min_words"]
    }
    if not keys:
        return
    copies: dict[str, list[int]] = defaultdict(list)
    texts: dict[str, str] = {}
    for sentence in sentences(page):
        if sentence.key in keys:
            copies[sentence.key].append(sentence.block)
            texts.setdefault(sentence.key, sentence.text)
    for key, blocks in copies.items():
        if len(blocks) >= options["min_count"]:
            yield Evidence(
                blocks[0], {"text": clip(texts[key], 200), "count": len(blocks), "blocks": sorted(set(blocks))}
            )

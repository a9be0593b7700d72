"""Affiliate links far below the disclosure that covers them, where a reader no longer sees it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import accumulate
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page

DEFAULTS: Mapping[str, Any] = {"max_words": 800}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    statements = [s for s in page.disclosure.statements if s.kind != "link_only" and s.region != "footer"]
    if not statements or not page.affiliate_links:
        return
    # word offset of each block's start, counting the text a reader scrolls past
    starts = [0, *accumulate(b.words for b in page.blocks)]
    disclosed = sorted(starts[s.block] for s in statements)
    far: list[tuple[int, int]] = []
    for link in page.affiliate_links:
        at = starts[link.block]
        preceding = [d for d in disclosed if d <= at]
        if preceding and at - preceding[-1] > options["max_words"]:
            far.append((link.block, at - preceding[-1]))
    if far:
        block, distance = max(far, key=lambda f: f[1])
        yield Evidence(
            far[0][0],
            {
                "links": len(far),
                "max_distance_words": distance,
                "max_words": options["max_words"],
                "farthest_block": block,
            },
        )

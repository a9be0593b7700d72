"""More of the page's main text inside affiliate blocks than in editorial ones."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page

DEFAULTS: Mapping[str, Any] = {"max_share": 0.5, "min_words": 50}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    # the main content only: a sidebar of deals beside an article is the template's, not the article's
    affiliate = sum(b.words for b in page.blocks if b.kind == "affiliate" and b.region == "main")
    editorial = sum(b.words for b in page.blocks if b.kind == "editorial" and b.region == "main")
    total = affiliate + editorial
    if total < options["min_words"] or not affiliate:
        return
    share = affiliate / total
    if share > options["max_share"]:
        first = next(b.id for b in page.blocks if b.kind == "affiliate" and b.region == "main")
        yield Evidence(
            first,
            {
                "share": round(share, 3),
                "max_share": options["max_share"],
                "words_affiliate": affiliate,
                "words_editorial": editorial,
            },
        )

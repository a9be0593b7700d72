"""Affiliate links per 1,000 editorial words above a ceiling: a page that sells more than it says."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page

DEFAULTS: Mapping[str, Any] = {"max_per_1000_words": 20.0, "min_links": 3}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    links = page.metrics["affiliate_links"]
    density = page.metrics["affiliate_links_per_1000_words"]
    if links >= options["min_links"] and density > options["max_per_1000_words"]:
        yield Evidence(
            page.affiliate_links[0].block,
            {
                "density": density,
                "max": options["max_per_1000_words"],
                "links": links,
                "words_editorial": page.metrics["words_editorial"],
            },
        )

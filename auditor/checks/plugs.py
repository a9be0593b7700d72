"""Affiliate product plugs placed inside the article's running text."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page

DEFAULTS: Mapping[str, Any] = {"min_plugs": 1}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    editorial = [b.id for b in page.blocks if b.kind == "editorial" and b.region == "main" and not b.heading]
    if len(editorial) < 2:
        return
    first, last = editorial[0], editorial[-1]
    plugs = [b for b in page.blocks[first:last] if b.kind == "affiliate" and b.region == "main"]
    if len(plugs) >= options["min_plugs"]:
        yield Evidence(
            plugs[0].id,
            {"plugs": len(plugs), "blocks": [b.id for b in plugs][:20], "texts": [b.text[:80] for b in plugs][:10]},
        )

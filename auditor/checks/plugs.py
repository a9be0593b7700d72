"""Affiliate product plugs placed inside the article's running text."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Block, Page
from auditor.wording import clip

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
            {"plugs": len(plugs), "blocks": [b.id for b in plugs][:20], "texts": _names(page, plugs)[:10]},
        )


def _names(page: Page, plugs: list[Block]) -> list[str]:
    """What each plug offers, once each, without the button the plugs share: four plugs that each end in "Check
    price on Amazon" read as their four products, not as that phrase four times. A button is a link text of two
    words or more that ends two plugs or more (one word, "Amazon" in "See it now: Amazon", is what tells the
    plugs apart). A plug that is only an image says nothing to quote."""
    texts = {b.id: " ".join(b.text.split()) for b in plugs}
    link_texts: dict[int, set[str]] = defaultdict(set)
    for link in page.links:
        if link.block in texts:
            link_texts[link.block].add(" ".join(link.text.split()))
    endings = Counter(
        text
        for block, found in link_texts.items()
        for text in found
        if len(text.split()) >= 2 and texts[block].endswith(text) and len(texts[block]) > len(text)
    )
    buttons = sorted((t for t, n in endings.items() if n >= 2), key=len, reverse=True)
    names: list[str] = []
    for b in plugs:
        text = texts[b.id]
        button = next((t for t in buttons if text.endswith(t) and len(text) > len(t)), "")
        name = clip(text[: len(text) - len(button)].rstrip(" -–—|:·•"), 80)
        if name and name not in names:
            names.append(name)
    return names

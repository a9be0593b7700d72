"""Where the first disclosure sits relative to the first affiliate link (after it, or only in the footer)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page

DEFAULTS: Mapping[str, Any] = {"placement": "after_first_affiliate_link"}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    disclosure = page.disclosure
    if disclosure.placement != options["placement"]:
        return
    counted = [s for s in disclosure.statements if s.kind != "link_only"] or list(disclosure.statements)
    first = counted[0]
    before = [
        link for link in page.affiliate_links if page.block(link.block).position < page.block(first.block).position
    ]
    yield Evidence(
        first.block,
        {
            "placement": disclosure.placement,
            "links_before": len(before),
            "first_link_block": page.affiliate_links[0].block,
            "disclosure_block": first.block,
            "disclosure_position": page.block(first.block).position,
            "first_link_position": page.block(page.affiliate_links[0].block).position,
            "text": first.text[:200],
        },
    )

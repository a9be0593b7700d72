"""Where the first disclosure sits relative to the first affiliate link (after it, or only in the footer)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Link, Page, Statement
from auditor.wording import clip

DEFAULTS: Mapping[str, Any] = {"placement": "after_first_affiliate_link"}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    disclosure = page.disclosure
    if disclosure.placement != options["placement"]:
        return
    counted = [s for s in disclosure.statements if s.kind != "link_only"] or list(disclosure.statements)
    first = counted[0]
    before = [link for link in page.affiliate_links if _precedes(link, first)]
    if disclosure.placement == "after_first_affiliate_link" and not before:
        # `judge` counts the same way, so this does not happen; were it to, "after no links" would be false
        return
    yield Evidence(
        first.block,
        {
            "placement": disclosure.placement,
            "links_before": len(before),
            "first_link_block": page.affiliate_links[0].block,
            "disclosure_block": first.block,
            "disclosure_position": page.block(first.block).position,
            "first_link_position": page.block(page.affiliate_links[0].block).position,
            "text": clip(first.text, 200),
        },
    )


def _precedes(link: Link, statement: Statement) -> bool:
    """Whether the reader meets the link before the statement, in document order as the page's placement is
    judged (`disclosures.judge`): block by block, not by position, which is rounded and so equal for a
    link-only block (an image) and the block after it. A statement in the link's own block stands beside the
    link ("paid link" next to it), unless it is a marker written after the links it labels (a "*", or an
    "ANZEIGE" that closes a product box): then the block's links come first."""
    return link.block < statement.order or (link.block == statement.order and statement.trails_link)

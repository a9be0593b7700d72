"""Affiliate links that do not tell search engines they are paid (rel="sponsored" or "nofollow")."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page

DEFAULTS: Mapping[str, Any] = {"accepted": ["sponsored", "nofollow"]}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    accepted = set(options["accepted"])
    bare = [link for link in page.affiliate_links if not accepted & set(link.rel)]
    if bare:
        yield Evidence(
            bare[0].block,
            {
                "links": len(bare),
                "affiliate_links": len(page.affiliate_links),
                "examples": sorted({link.href for link in bare})[:5],
            },
        )

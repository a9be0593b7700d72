"""Affiliate links on a page that says nowhere that it earns from them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page

DEFAULTS: Mapping[str, Any] = {"min_links": 1}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    links = page.affiliate_links
    if len(links) >= options["min_links"] and not page.disclosure.present:
        yield Evidence(links[0].block, {"links": len(links), "first_link": links[0].href})

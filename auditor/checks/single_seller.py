"""Every affiliate link goes to one shop: review guidance asks for links to more than one seller."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page

DEFAULTS: Mapping[str, Any] = {"min_links": 3}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    links = page.affiliate_links
    if len(links) < options["min_links"]:
        return
    merchants = {link.merchant for link in links}
    if len(merchants) == 1 and None not in merchants:
        yield Evidence(links[0].block, {"merchant": merchants.pop(), "links": len(links)})

"""Pages with affiliate links that carry no disclosure of their own."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Site

SCOPE = "site"
DEFAULTS: Mapping[str, Any] = {"min_coverage": 1.0}


def check(site: Site, options: Mapping[str, Any]) -> Iterator[Evidence]:
    selling = [p for p in site.audited if p.result and p.result["metrics"].get("affiliate_links", 0) > 0]
    if not selling:
        return
    silent = [p.url for p in selling if p.result and not p.result["disclosure"]["present"]]
    coverage = 1 - len(silent) / len(selling)
    if coverage < options["min_coverage"]:
        yield Evidence(
            None,
            {
                "coverage": round(coverage, 3),
                "min_coverage": options["min_coverage"],
                "pages_with_links": len(selling),
                "undisclosed": len(silent),
                "pages": silent,
            },
        )

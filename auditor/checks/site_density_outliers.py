"""Pages far denser in affiliate links than the rest of the site (robust outliers: median + k x MAD)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from statistics import median
from typing import Any

from auditor.checks import Evidence
from auditor.models import Site

SCOPE = "site"
DEFAULTS: Mapping[str, Any] = {"k": 3.5, "min_density": 10.0, "min_pages": 5}


def check(site: Site, options: Mapping[str, Any]) -> Iterator[Evidence]:
    density = {
        p.url: float(p.result["metrics"].get("affiliate_links_per_1000_words", 0.0))
        for p in site.audited
        if p.result and p.result["metrics"].get("words_editorial", 0) >= 50
    }
    if len(density) < options["min_pages"]:
        return
    values = list(density.values())
    middle = median(values)
    spread = median(abs(v - middle) for v in values) or 1.0
    ceiling = max(middle + options["k"] * spread, options["min_density"])
    outliers = sorted((u for u, v in density.items() if v > ceiling), key=lambda u: -density[u])
    if outliers:
        yield Evidence(
            None,
            {
                "count": len(outliers),
                "median": round(middle, 2),
                "ceiling": round(ceiling, 2),
                "pages": outliers,
                "densities": [density[u] for u in outliers],
            },
        )

"""A site-wide footer disclosure that is the only disclosure most selling pages have."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Site
from auditor.wording import clip

SCOPE = "site"
DEFAULTS: Mapping[str, Any] = {"min_share": 0.5, "min_pages": 3}


def check(site: Site, options: Mapping[str, Any]) -> Iterator[Evidence]:
    selling = [p for p in site.audited if p.result and p.result["metrics"].get("affiliate_links", 0) > 0]
    footer_only = [p for p in selling if p.result and p.result["disclosure"]["placement"] == "footer_only"]
    if len(footer_only) < options["min_pages"] or len(footer_only) < options["min_share"] * len(selling):
        return
    texts = Counter(t for p in footer_only if p.result for t in p.result["disclosure"]["texts"][:1])
    text, _ = texts.most_common(1)[0] if texts else ("", 0)
    yield Evidence(
        None,
        {
            "count": len(footer_only),
            "pages_with_links": len(selling),
            "text": clip(text, 200),
            "share": round(len(footer_only) / len(selling), 3),
            "pages": [p.url for p in footer_only],
        },
    )

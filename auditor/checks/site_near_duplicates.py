"""Pages whose main content is nearly the same (MinHash LSH over word shingles)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Site
from auditor.neardup import groups
from auditor.wording import clip

SCOPE = "site"
DEFAULTS: Mapping[str, Any] = {"threshold": 0.9, "min_words": 30, "max_groups": 50}


def check(site: Site, options: Mapping[str, Any]) -> Iterator[Evidence]:
    texts = {p.url: p.text for p in site.audited if p.text}
    found = groups(texts, threshold=options["threshold"], min_words=options["min_words"])
    for group in found[: options["max_groups"]]:
        urls = [str(url) for url, _ in group]
        yield Evidence(
            None,
            {
                "pages": urls,
                "count": len(urls),
                "similarity": min(s for _, s in group[1:]),
                "threshold": options["threshold"],
                "differences": differences(texts[urls[0]], texts[urls[1]]),
            },
        )


def differences(first: str, second: str, limit: int = 3) -> dict[str, list[str]]:
    """The sentences only one of two near-copies has: what the template varies."""
    from auditor.textmodel import split_sentences

    a, b = split_sentences(first), split_sentences(second)
    only_a = [s for s in a if s not in set(b)][:limit]
    only_b = [s for s in b if s not in set(a)][:limit]
    return {"first": [clip(s, 200) for s in only_a], "second": [clip(s, 200) for s in only_b]}

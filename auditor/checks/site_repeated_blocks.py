"""The same affiliate block (a product box, a deal widget) pasted across many pages of the site."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Site
from auditor.textmodel import key_of
from auditor.wording import clip

SCOPE = "site"
DEFAULTS: Mapping[str, Any] = {"min_pages": 3, "min_share": 0.2, "min_words": 5, "kinds": ["affiliate"]}


def check(site: Site, options: Mapping[str, Any]) -> Iterator[Evidence]:
    pages = site.audited
    where: dict[str, list[str]] = defaultdict(list)
    text_of: dict[str, str] = {}
    for page in pages:
        assert page.result is not None
        seen: set[str] = set()
        for block in page.result["blocks"]:
            if block["kind"] in options["kinds"] and block["words"] >= options["min_words"]:
                key = key_of(block["text"])
                if key not in seen:
                    seen.add(key)
                    where[key].append(page.url)
                    text_of.setdefault(key, block["text"])
    floor = max(options["min_pages"], options["min_share"] * len(pages))
    for key, urls in sorted(where.items(), key=lambda item: -len(item[1])):
        if len(urls) >= floor:
            yield Evidence(
                None,
                {
                    "text": clip(text_of[key], 200),
                    "count": len(urls),
                    "share": round(len(urls) / len(pages), 3),
                    "pages": urls,
                },
            )

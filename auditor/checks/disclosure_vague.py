"""Disclosures worded with hedges ("may earn", "sp", "collab") that regulators call unclear."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page
from auditor.wording import clip

DEFAULTS: Mapping[str, Any] = {}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    statements = [s for s in page.disclosure.statements if s.kind == "explanatory"]
    if not statements or not page.affiliate_links:
        return
    if any(not s.vague_terms for s in statements):
        return  # at least one plain statement: the page says it clearly somewhere
    first = statements[0]
    terms = sorted({t for s in statements for t in s.vague_terms})
    yield Evidence(first.block, {"terms": terms, "text": clip(first.text, 200)})

"""A disclosure that is only a label ("affiliate link", "Anzeige") or only a link to a disclosure page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page
from auditor.wording import clip

DEFAULTS: Mapping[str, Any] = {"kind": "label_only", "adequate": ["paid link", "bezahlter link"]}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    disclosure = page.disclosure
    if disclosure.kind != options["kind"] or not page.affiliate_links:
        return
    adequate = [a.lower() for a in options["adequate"]]
    statements = [s for s in disclosure.statements if s.kind == options["kind"]]
    if any(any(a in s.text.lower() for a in adequate) for s in statements):
        return
    # a label repeated beside every link ("*", "Anzeige") is one label to the reader
    texts = list(dict.fromkeys(clip(s.text, 120) for s in statements if s.text.strip()))
    yield Evidence(statements[0].block, {"kind": disclosure.kind, "texts": texts[:5]})

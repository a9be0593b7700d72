"""A script that turns ordinary shop links into affiliate links at click time, on a page with no disclosure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page

DEFAULTS: Mapping[str, Any] = {}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    if page.scripts and not page.disclosure.present:
        yield Evidence(None, {"services": sorted({s.service for s in page.scripts})})

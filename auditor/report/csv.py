"""CSV: one row per finding (a page without findings still gets one row), for spreadsheets and tickets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from auditor.report.text import visible

COLUMNS = (
    "url",
    "score",
    "error",
    "affiliate_links",
    "disclosure_kind",
    "disclosure_placement",
    "rule",
    "severity",
    "message",
    "selector",
)


def cell(value: Any) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: page text must not (CSV injection). A CSV is
    also read with cat and less, so control characters from a page are shown, not run, as in the text report;
    line breaks are kept (a quoted cell may hold several lines, and a terminal only moves to the next)."""
    text = "" if value is None else visible(value, keep_lines=True)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render(pages: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for page in pages:
        disclosure = page.get("disclosure") or {}
        head = [
            page.get("url"),
            None if page.get("error") else page.get("score"),  # a page not audited has no score, not a score of 0
            page.get("error"),
            (page.get("metrics") or {}).get("affiliate_links"),
            disclosure.get("kind"),
            disclosure.get("placement"),
        ]
        findings = page.get("findings") or [{}]
        for finding in findings:
            row = [*head, finding.get("rule"), finding.get("severity"), finding.get("message"), finding.get("selector")]
            writer.writerow([cell(v) for v in row])
    return out.getvalue()

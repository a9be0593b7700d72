"""Render a page or site result in the format asked for; every format reads only the JSON result."""

from __future__ import annotations

import io
import json
from typing import Any

from auditor.errors import ConfigError


def pages_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    return list(result["pages"]) if result.get("schema", "").startswith("auditor/site@") else [result]


def render(result: dict[str, Any], fmt: str, terminal: bool = False, verbose: bool = False) -> str:
    if fmt == "json":
        return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(p, ensure_ascii=False, separators=(",", ":")) + "\n" for p in pages_of(result))
    if fmt == "csv":
        from auditor.report import csv as csv_report

        rows = pages_of(result)
        if result.get("schema", "").startswith("auditor/site@"):
            rows = [*rows, {"url": "(site)", "score": result["score"], "findings": result["findings"]}]
        return csv_report.render(rows)
    if fmt == "html":
        from auditor.report.html import render as render_html

        return render_html(result)
    if fmt == "text":
        from rich.console import Console

        from auditor.report import text as text_report

        buffer = io.StringIO()
        console = Console(file=buffer, width=None if terminal else 100, force_terminal=terminal, highlight=False)
        if result.get("schema", "").startswith("auditor/site@"):
            text_report.render_site(result, console)
        else:
            text_report.render([result], console, verbose)
        return buffer.getvalue()
    raise ConfigError(f"unknown format {fmt!r}")

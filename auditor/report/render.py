"""Render a page or site result in the format asked for; every format reads only the JSON result.

`FORMATS` is the one registry of report formats: the command line offers its names, `render` looks them up. A new
format is a function of (result, terminal, verbose) -> text, registered here."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from auditor.contract import is_site, pages_of
from auditor.errors import ConfigError

# The encoder escapes C0 control characters but writes C1 ones (U+009B is a one-character ESC [ to some
# terminals) and bidirectional overrides as they are: written as \u escapes, the JSON means the same and a
# terminal shows it without running it.
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in (*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _json(result: dict[str, Any], terminal: bool, verbose: bool) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2).translate(_JSON_ESCAPES) + "\n"


def _jsonl(result: dict[str, Any], terminal: bool, verbose: bool) -> str:
    lines = (json.dumps(p, ensure_ascii=False, separators=(",", ":")) + "\n" for p in pages_of(result))
    return "".join(lines).translate(_JSON_ESCAPES)


def _csv(result: dict[str, Any], terminal: bool, verbose: bool) -> str:
    from auditor.report import csv as csv_report

    rows = pages_of(result)
    if is_site(result):
        rows = [*rows, {"url": "(site)", "score": result["score"], "findings": result["findings"]}]
    return csv_report.render(rows)


def _html(result: dict[str, Any], terminal: bool, verbose: bool) -> str:
    from auditor.report.html import render as render_html

    return render_html(result)


def _text(result: dict[str, Any], terminal: bool, verbose: bool) -> str:
    from rich.console import Console

    from auditor.report import text as text_report

    buffer = io.StringIO()
    console = Console(file=buffer, width=None if terminal else 100, force_terminal=terminal, highlight=False)
    if is_site(result):
        text_report.render_site(result, console)
    else:
        text_report.render([result], console, verbose)
    return buffer.getvalue()


FORMATS: dict[str, Callable[[dict[str, Any], bool, bool], str]] = {
    "text": _text,
    "json": _json,
    "jsonl": _jsonl,
    "csv": _csv,
    "html": _html,
}


def render(result: dict[str, Any], fmt: str, terminal: bool = False, verbose: bool = False) -> str:
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}")
    return FORMATS[fmt](result, terminal, verbose)

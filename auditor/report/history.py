"""A site's history (`auditor report DB --history`): its crawls, oldest first, as text, JSON or HTML.

Rendered from the history JSON only (schema auditor/history@1, made by `auditor.crawl.history`): one entry per
crawl with its dates (UTC), start URL, the crawl it continued from, and its summary (site score, disclosure
coverage, pages, finding counts by severity). The HTML is the site report's base template and chart helpers."""

from __future__ import annotations

import io
from typing import Any

from auditor.errors import ConfigError
from auditor.report import charts
from auditor.report.grading import grade
from auditor.wording import count, share

FORMATS = ("text", "json", "html")
SEVERITIES = ("error", "warning", "info")
# The severities' colours of the report's stylesheet (base.html.j2: --error, --warning, --info)
SEVERITY_COLOURS = {"error": "#B00020", "warning": "#8A5C00", "info": "#1F6FB2"}


def render(history: dict[str, Any], fmt: str, terminal: bool = False) -> str:
    if fmt not in FORMATS:
        raise ConfigError(f"--history: the history is shown as {', '.join(FORMATS[:-1])} or {FORMATS[-1]}")
    if fmt == "json":
        from auditor.report.render import render as render_result

        return render_result(history, "json")  # the same escapes as every JSON report
    if fmt == "html":
        return html(history)
    return text(history, terminal)


def rows(history: dict[str, Any]) -> list[dict[str, Any]]:
    """The crawls as the reports show them: numbered from 1, each with its change from the crawl before."""
    shown: list[dict[str, Any]] = []
    before: dict[str, Any] | None = None
    for number, crawl in enumerate(history.get("crawls", []), 1):
        findings = crawl.get("findings") or {}
        score = _number(crawl.get("score"))
        earlier = _number(before.get("score")) if before is not None else None
        shown.append(
            {
                **crawl,
                "number": number,
                "started_at": _moment(crawl.get("started")),
                "ended_at": _moment(crawl.get("ended")) if crawl.get("ended") else "interrupted",
                "score": score,
                "score_change": None if score is None or earlier is None else score - earlier,
                "coverage": _number(crawl.get("disclosure_coverage")),
                "counts": {s: int(_number(findings.get(s)) or 0) for s in SEVERITIES},
                # which crawl it continued from, said only when that is not the row above (another lineage)
                "after": crawl.get("since") if crawl.get("since") != (before or {}).get("id") else None,
            }
        )
        before = crawl
    return shown


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _moment(iso: Any) -> str:
    """An ISO 8601 UTC time as a person reads it: 2026-03-01 02:00 (UTC is said once, in the headings)."""
    return str(iso or "").replace("T", " ")[:16] or "unknown"


def _took(started: Any, ended: Any) -> str:
    """How long a crawl took, in the largest unit that reads well; "unfinished" for one that did not end."""
    from datetime import datetime

    try:
        seconds = (datetime.fromisoformat(str(ended)) - datetime.fromisoformat(str(started))).total_seconds()
    except ValueError:
        return "unfinished" if not ended else "?"
    if seconds < 90:
        return f"{max(seconds, 0):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _score(value: float | None) -> str:
    return "none" if value is None else f"{value:.0f}"


def _change(value: float | None) -> str:
    return "" if value is None or value == 0 else f" ({value:+.0f})"


def _coverage(value: float | None) -> str:
    return "—" if value is None else share(value)  # no page with affiliate links: nothing to disclose


def text(history: dict[str, Any], terminal: bool = False) -> str:
    """A heading, then one table: a row per crawl, oldest first."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from auditor.report.text import visible

    buffer = io.StringIO()
    console = Console(file=buffer, width=None if terminal else 100, force_terminal=terminal, highlight=False)
    crawls = rows(history)
    console.print(
        Text.assemble(
            ("History of " + visible(history.get("start_url") or "(site)"), "bold"), f"  {count(len(crawls), 'crawl')}"
        )
    )
    # one space between columns, and how long each crawl took rather than when it ended: the columns then fit
    # 100 characters whatever their numbers (the JSON and the HTML keep both dates)
    table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold")
    for name in ("crawl", "started (UTC)", "took", "audited", "unchanged", "score", "disclosed", *SEVERITIES):
        right = name not in ("crawl", "started (UTC)", "disclosed")
        header = name + ("s" if name in ("error", "warning") else "")
        table.add_column(header, justify="right" if right else "left", no_wrap=True)
    for row in crawls:
        table.add_row(
            Text(visible(row.get("id") or "")),
            row["started_at"],
            _took(row.get("started"), row.get("ended")),
            f"{int(row.get('pages_audited') or 0):,}",
            f"{int(row.get('pages_unchanged') or 0):,}",
            _score(row["score"]) + _change(row["score_change"]),
            _coverage(row["coverage"]),
            *(f"{row['counts'][s]:,}" for s in SEVERITIES),
        )
    console.print(table)
    if len(crawls) > 1 and crawls[0]["score"] is not None and crawls[-1]["score"] is not None:
        console.print(
            f"  site score {_score(crawls[0]['score'])} in the first crawl, {_score(crawls[-1]['score'])} in the last",
            style="dim",
        )
    return buffer.getvalue()


def history_charts(crawls: list[dict[str, Any]]) -> dict[str, str]:
    """The site score, disclosure coverage and finding counts per crawl, as line charts."""
    points = [(f"#{r['number']}", f"crawl {r['number']}, {r['started_at']} UTC") for r in crawls]
    return {
        "score": charts.trend(
            points, [("site score", "#0072B2", [r["score"] for r in crawls])], "Site score per crawl", "score", 100
        ),
        "coverage": charts.trend(
            points,
            [("disclosed", "#009E73", [r["coverage"] for r in crawls])],
            "Disclosure coverage per crawl",
            "disclosed",
            1.0,
            lambda v: f"{v:.0%}",
        ),
        "findings": charts.trend(
            points,
            [(s, SEVERITY_COLOURS[s], [float(r["counts"][s]) for r in crawls]) for s in SEVERITIES],
            "Findings per crawl, by severity",
            "findings",
        ),
    }


def html(history: dict[str, Any]) -> str:
    """One self-contained page: the latest crawl's figures, the charts, and the table of crawls."""
    from auditor.report.html import _environment, _script_hash

    crawls = rows(history)
    last = crawls[-1] if crawls else None
    severities = [{"severity": s} for s in SEVERITIES if last is not None and last["counts"][s]]
    context = {
        "history": history,
        "crawls": crawls,
        "last": last,
        "grade": grade(round(last["score"]), severities) if last is not None and last["score"] is not None else None,
        "charts": history_charts(crawls) if crawls else {},
        "severities": SEVERITIES,
        "script": "",  # the page sorts and filters nothing: no script runs
        "script_hash": _script_hash(""),
    }
    return _environment().get_template("history.html.j2").render(context)

"""The diff report: what changed between two runs, in text, JSON, CSV or HTML, rendered from the diff result only.

The changes come first (new findings worst first, fixed ones, pages added and removed, then each changed page),
the numbers before and after last: a person opens a diff to see what moved. Page text is as hostile here as in the
other reports: the text view shows control characters instead of running them, CSV cells are defused, the HTML is
autoescaped under the other reports' Content-Security-Policy."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

from auditor.contract import is_site
from auditor.errors import ConfigError
from auditor.report.labels import disclosure_line, number, percent, plain
from auditor.wording import count

# How each site number reads: its label and whether it is a share (0..1) or a count
NUMBERS: dict[str, tuple[str, str]] = {
    "score": ("site score", "num"),
    "pages": ("pages", "num"),
    "pages_audited": ("pages audited", "num"),
    "pages_with_affiliate_links": ("pages with affiliate links", "num"),
    "disclosure_coverage": ("of them disclosed", "pct"),
    "affiliate_links": ("affiliate links", "num"),
    "score_mean": ("mean page score", "num"),
}
PAGE_SECTIONS = (
    ("added", "Pages added"),
    ("removed", "Pages removed"),
    ("not_audited", "Pages not audited this time"),
    ("audited_again", "Pages audited again"),
    ("changed", "Changed pages"),
)
# A placement as a row of the numbers: "pages disclosed only in the footer", and these two apart
PLACEMENT_ROWS = {
    "none": "pages without a disclosure",
    "no_affiliate_links": "pages disclosing, with no affiliate links",
}
CSV_COLUMNS = ("change", "url", "rule", "severity", "message", "selector", "href", "count", "before", "after")


def value(v: Any, form: str = "num") -> str:
    """A number as the reports word it; "—" for none (a page not audited has no score, not a score of 0)."""
    if v is None:
        return "—"
    return percent(v) if form == "pct" else number(v)


def change(entry: dict[str, Any], form: str = "num") -> str:
    """Before → after, and the change ("92 → 85 (-7)", with a true minus sign); one value when nothing moved."""
    before, after = entry.get("before"), entry.get("after")
    if before == after:
        return value(after, form)
    moved = entry.get("change")
    shown = f"{value(before, form)} → {value(after, form)}"
    if form == "num" and isinstance(moved, int | float) and moved:
        shown += f" ({'+' if moved > 0 else '−'}{number(abs(moved))})"
    return shown


def disclosure_words(disclosure: dict[str, Any] | None, links: Any) -> str:
    """A page's disclosure in the words of the other reports, or "not audited"."""
    if disclosure is None:
        return "not audited"
    return disclosure_line({"disclosure": disclosure, "metrics": {"affiliate_links": links or 0}})


def page_lines(page: dict[str, Any]) -> list[str]:
    """What changed on one page, a line each (the text report indents them, the HTML lists them)."""
    lines = []
    links = page["affiliate_links"]
    before = disclosure_words(page["disclosure"]["before"], links["before"])
    after = disclosure_words(page["disclosure"]["after"], links["after"])
    if page["status"] == "added":
        lines.append(f"score {value(page['score']['after'])} · {count(links['after'] or 0, 'affiliate link')}")
        lines.append(f"disclosure: {after}")
    elif page["status"] == "removed":
        lines.append(
            f"was: score {value(page['score']['before'])} · {count(page['findings']['before'] or 0, 'finding')}"
        )
    elif page["status"] == "not_audited":
        return [f"not audited: {page['error']['after']}"]
    elif page["status"] == "audited_again":
        lines.append(f"not audited before ({page['error']['before']}); score {value(page['score']['after'])}")
    else:
        if page["score"]["before"] != page["score"]["after"]:
            lines.append(f"score {change(_moved(page['score']))}")
        if before != after:
            lines.append(f"disclosure: {before} → {after}")
    f = page["findings"]
    tally = [count(f[k], f"{k} finding") for k in ("new", "fixed") if f[k]]
    if tally and page["status"] != "added":
        lines.append(", ".join(tally) + (f"; {f['persisting']:,} persisting" if f["persisting"] else ""))
    for sign, key in (("+", "added"), ("−", "removed")):
        for link in page["links"][key]:
            times = f" (×{link['count']})" if link["count"] > 1 else ""
            lines.append(f"{sign} affiliate link {link['href']}{times}")
    if page["text_changed"]:
        lines.append("its own text was edited")
    return lines


def _moved(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with its change, where before and after are both numbers."""
    before, after = entry.get("before"), entry.get("after")
    if isinstance(before, int | float) and isinstance(after, int | float):
        return {**entry, "change": after - before}
    return entry


def headline(diff: dict[str, Any]) -> list[str]:
    """The summary lines every format opens with."""
    s = diff["summary"]
    findings = (
        f"{count(s['findings_new'], 'new finding')}, {count(s['findings_fixed'], 'fixed finding')}, "
        f"{s['findings_persisting']:,} persisting"
    )
    pages = [f"{s['pages_added']:,} added", f"{s['pages_removed']:,} removed", f"{s['pages_changed']:,} changed"]
    pages += [f"{s['pages_not_audited']:,} not audited this time"] if s["pages_not_audited"] else []
    pages += [f"{s['pages_audited_again']:,} audited again"] if s["pages_audited_again"] else []
    scope = "site score" if is_site(diff["new"]) else "score"
    return [
        f"{scope} {change(diff['site']['score'])} · {findings}",
        f"pages: {', '.join(pages)}, {s['pages_unchanged']:,} unchanged",
    ]


def added_pages(diff: dict[str, Any]) -> set[str]:
    """The URLs of the pages added: a new finding there came with the page, and the reports say so."""
    return {p["url"] for p in diff["pages"] if p["status"] == "added"}


def placements(diff: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each disclosure placement's page count before and after, in words."""
    entry = diff["site"]["placements"]
    before, after = entry.get("before") or {}, entry.get("after") or {}
    keys = [*before, *(k for k in after if k not in before)]
    words = {k: PLACEMENT_ROWS.get(k) or f"pages disclosed {plain(k)}" for k in keys}
    return [(words[k], _moved({"before": before.get(k, 0), "after": after.get(k, 0)})) for k in keys]


# -- text -----------------------------------------------------------------------------------------------------------


def _text(diff: dict[str, Any], terminal: bool) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from auditor.report.text import show_finding, show_wrapped, visible

    buffer = io.StringIO()
    console = Console(file=buffer, width=None if terminal else 100, force_terminal=terminal, highlight=False)
    old, new = diff["old"], diff["new"]
    console.print(Text.assemble(("What changed", "bold"), f": {visible(old['source'])} → {visible(new['source'])}"))
    for line in headline(diff):
        console.print("  " + line, markup=False)
    added = added_pages(diff)
    titles = (("new", "New findings, worst first"), ("fixed", "Fixed findings"))
    for key, title in titles:
        if diff["findings"][key]:
            console.print(Text("\n" + title, style="bold"))
        for f in diff["findings"][key]:
            show_finding(console, f)
            where = f"on {f['url']}" + (" (a page added)" if f["url"] in added else "") if f["url"] else "site-wide"
            where += f" at {f['selector']}" if f.get("selector") else ""
            show_wrapped(console, visible(where), "dim")
    for status, title in PAGE_SECTIONS:
        pages = [p for p in diff["pages"] if p["status"] == status]
        if pages:
            console.print(Text("\n" + title, style="bold"))
        for page in pages:
            console.print(Text("  " + visible(page["url"]), style="bold"))
            for line in page_lines(page):
                show_wrapped(console, visible(line))
    table = Table("", "before → after", box=None, pad_edge=False, title="Numbers", title_justify="left")
    for key, (label, form) in NUMBERS.items():
        table.add_row(label, change(diff["site"][key], form))
    for label, entry in placements(diff):
        table.add_row(label, change(entry))
    console.print()
    console.print(table)
    return buffer.getvalue()


# -- CSV ------------------------------------------------------------------------------------------------------------


def rows(diff: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per change, in the order the text report shows them."""
    for key in ("new", "fixed"):
        for f in diff["findings"][key]:
            yield {"change": f"finding-{key}", "url": f["url"] or "(site)", **{k: f.get(k) for k in CSV_COLUMNS[2:6]}}
    for status, _ in PAGE_SECTIONS:
        for page in (p for p in diff["pages"] if p["status"] == status):
            yield from _page_rows(page)
    for key in (*NUMBERS, "placements"):
        entry = diff["site"][key]
        if key == "placements":
            moved = [(k, b, a) for k, (b, a) in _placement_counts(entry).items() if b != a]
        else:
            moved = [(key, entry["before"], entry["after"])] if entry["before"] != entry["after"] else []
        for name, before, after in moved:
            yield {"change": "site-number", "url": "(site)", "message": name, "before": before, "after": after}


def _placement_counts(entry: dict[str, Any]) -> dict[str, tuple[int, int]]:
    before, after = entry.get("before") or {}, entry.get("after") or {}
    return {f"placement {k}": (before.get(k, 0), after.get(k, 0)) for k in [*before, *after]}


def _page_rows(page: dict[str, Any]) -> Iterator[dict[str, Any]]:
    url, status = page["url"], page["status"]
    if status != "changed":
        yield {
            "change": f"page-{status.replace('_', '-')}",
            "url": url,
            "message": page["error"]["after"] or page["error"]["before"],
            "before": page["score"]["before"],
            "after": page["score"]["after"],
        }
    if page["score"]["before"] != page["score"]["after"] and status == "changed":
        yield {"change": "score", "url": url, "before": page["score"]["before"], "after": page["score"]["after"]}
    before, after = page["disclosure"]["before"] or {}, page["disclosure"]["after"] or {}
    for part in ("kind", "placement") if status == "changed" else ():
        if before.get(part) != after.get(part):
            yield {"change": f"disclosure-{part}", "url": url, "before": before.get(part), "after": after.get(part)}
    for key in ("added", "removed"):
        for link in page["links"][key]:
            yield {"change": f"link-{key}", "url": url, "href": link["href"], "count": link["count"]}
    if page["text_changed"]:
        yield {"change": "text-edited", "url": url}


def _csv(diff: dict[str, Any], terminal: bool) -> str:
    # the defusing of the page report's CSV (formula injection, control characters), not a second copy of it
    from auditor.report.csv import cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows(diff):
        writer.writerow([cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


# -- JSON and HTML --------------------------------------------------------------------------------------------------


def _json(diff: dict[str, Any], terminal: bool) -> str:
    from auditor.report.render import FORMATS as REPORT_FORMATS

    return REPORT_FORMATS["json"](diff, terminal, False)  # the same escapes as a result's JSON


def _html(diff: dict[str, Any], terminal: bool) -> str:
    from auditor.report.html import render_template

    context = {
        "diff": diff,
        "headline": headline(diff),
        "added": added_pages(diff),
        "sections": [(s, t, [p for p in diff["pages"] if p["status"] == s]) for s, t in PAGE_SECTIONS],
        "page_lines": page_lines,
        "numbers": [(label, diff["site"][key], form) for key, (label, form) in NUMBERS.items()],
        "placements": placements(diff),
        "change": change,
        "value": value,
    }
    return render_template("diff.html.j2", context)


FORMATS: dict[str, Callable[[dict[str, Any], bool], str]] = {"text": _text, "json": _json, "csv": _csv, "html": _html}


def render(diff: dict[str, Any], fmt: str, terminal: bool = False) -> str:
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}")
    return FORMATS[fmt](diff, terminal)

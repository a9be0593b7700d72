"""Terminal output (rich), rendered from the JSON form of a result."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _visible_table() -> dict[int, str]:
    # A terminal runs C0 and C1 control characters (ESC starts window titles, screen clears, colours; U+009B is
    # a one-character ESC [), so they are shown as less and cat -v show them: ^[ for C0 and DEL, <U+009B> for
    # C1. Bidirectional overrides reorder what the user reads (CVE-2021-42574), so they are shown too. Tab is
    # the one control kept: rich expands it.
    table = {c: f"^{chr(c ^ 0x40)}" for c in (*range(0x20), 0x7F) if c != 0x09}
    table.update({c: f"<U+{c:04X}>" for c in (*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))})
    return table


_VISIBLE = _visible_table()
_VISIBLE_LINES = {c: shown for c, shown in _VISIBLE.items() if c not in (0x0A, 0x0D)}


def visible(value: object, keep_lines: bool = False) -> str:
    """The value as text a terminal shows but never executes: control characters become visible escapes.
    `keep_lines`: line breaks stay (a CSV cell may hold several lines; a terminal only moves to the next)."""
    return str(value).translate(_VISIBLE_LINES if keep_lines else _VISIBLE)


def _safe(value: object) -> str:
    """Page data for a string rich reads as markup: visible, and its brackets not taken for markup."""
    return escape(visible(value))


_PLACEMENT = {
    "before_first_affiliate_link": "before the first affiliate link",
    "after_first_affiliate_link": "after the first affiliate link",
    "footer_only": "only in the footer",
    "no_affiliate_links": "no affiliate links on the page",
    "none": "none",
}


def render_page(page: dict[str, Any], console: Console, verbose: bool = False) -> None:
    url = visible(page.get("url") or "(page)")
    if page.get("error"):
        console.print(Text.assemble((url, "bold"), "  ", ("error: ", "bold red"), visible(page["error"])))
        return
    m = page["metrics"]
    d = page["disclosure"]
    score = page["score"]
    colour = "green" if score >= 80 else "yellow" if score >= 50 else "red"
    console.print(Text.assemble((url, "bold"), "  score ", (f"{score}/100", f"bold {colour}")))
    facts = [
        f"language {visible(page.get('language') or '?')}",
        f"{m['words_editorial']:,} editorial words",
        f"{m['affiliate_links']} affiliate links ({m['affiliate_links_per_1000_words']} per 1,000 words)",
    ]
    placement = _PLACEMENT.get(d["placement"], d["placement"])
    disclosure = "none" if not d["present"] else f"{visible(d['kind']).replace('_', ' ')}, {visible(placement)}"
    facts.append(f"disclosure: {disclosure}")
    console.print("  " + " · ".join(escape(f) for f in facts))
    for note in page.get("notes", []):
        console.print("  note: " + _safe(note), style="yellow")
    if m.get("auto_affiliate_scripts"):
        console.print("  auto-affiliate scripts: " + _safe(", ".join(map(str, m["auto_affiliate_scripts"]))))
    findings = page["findings"]
    if findings:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
        table.add_column("severity")
        table.add_column("rule")
        table.add_column("finding", overflow="fold")
        table.add_column("-", justify="right")
        for f in findings:
            where = f" (block {f['block']})" if f.get("block") is not None else ""
            table.add_row(
                Text(visible(f["severity"]), style=_STYLE.get(f["severity"], "")),
                Text(visible(f["rule"])),
                Text(visible(f["message"] + where)),
                visible(f.get("weight", "")),
            )
        console.print(table)
    else:
        console.print("  [green]no findings[/green]")
    if verbose:
        affiliate = [link for link in page["links"] if link["affiliate"]]
        if affiliate:
            links = Table("network", "href", "evidence", box=None, pad_edge=False, title="affiliate links")
            for link in affiliate:
                links.add_row(
                    Text(visible(link["network"] or "")),
                    Text(visible(link["href"][:80])),
                    Text(visible(link["evidence"][:80])),
                )
            console.print(links)
    console.print(f"  {len(page.get('rules_passed', []))} rules passed", style="dim")


def render(pages: Iterable[dict[str, Any]], console: Console, verbose: bool = False) -> None:
    for i, page in enumerate(pages):
        if i:
            console.print()
        render_page(page, console, verbose)


def render_site(site: dict[str, Any], console: Console, worst: int = 15) -> None:
    """The site summary: numbers, site findings, then the worst pages."""
    m = site["metrics"]
    coverage = m.get("disclosure_coverage")
    console.print(
        Text.assemble(
            (visible(site.get("start_url") or "(site)"), "bold"), "  site score ", (f"{site['score']}/100", "bold")
        )
    )
    console.print(
        f"  {m['pages']} pages ({m['pages_audited']} audited, {m['pages_failed']} not), "
        f"{m['pages_with_affiliate_links']} with affiliate links, disclosure coverage "
        f"{'-' if coverage is None else f'{coverage:.0%}'}, mean page score {m.get('score_mean')}"
    )
    if site["findings"]:
        table = Table("severity", "rule", "finding", box=None, pad_edge=False, header_style="bold")
        for f in site["findings"]:
            table.add_row(
                Text(visible(f["severity"]), style=_STYLE.get(f["severity"], "")),
                Text(visible(f["rule"])),
                Text(visible(f["message"])),
            )
        console.print(table)
    pages = sorted((p for p in site["pages"] if not p.get("error")), key=lambda p: p["score"])[:worst]
    if pages:
        table = Table(
            "score",
            "page",
            "links",
            "disclosure",
            "findings",
            box=None,
            pad_edge=False,
            header_style="bold",
            title="worst pages",
        )
        for p in pages:
            d = p["disclosure"]
            table.add_row(
                str(p["score"]),
                Text(visible(p["url"])),
                str(p["metrics"].get("affiliate_links", 0)),
                visible(d["placement"]).replace("_", " ") if d["present"] else "none",
                str(len(p["findings"])),
            )
        console.print(table)
    failed = [p for p in site["pages"] if p.get("error")]
    if failed:
        console.print(
            f"  {len(failed)} page(s) not audited, e.g. {_safe(failed[0]['url'])}: {_safe(failed[0]['error'])}",
            style="dim",
        )

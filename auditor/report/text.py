"""Terminal output (rich), rendered from the JSON form of a result."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from auditor.report.grading import grade
from auditor.report.labels import disclosure_line, pages_line, points, site_heading
from auditor.report.linkhealth import link_health
from auditor.wording import clip, count, plural

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_COLOUR = {"good": "green", "fair": "yellow", "poor": "red"}


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


# A quote shows this much of the block a finding points at: enough to find it on the page.
QUOTE = 90


def _where(finding: dict[str, Any], page: dict[str, Any]) -> str:
    """Where the finding is on the page: the block's selector and the start of its text."""
    block = finding.get("block")
    blocks = page.get("blocks", [])
    if block is None or not 0 <= block < len(blocks):
        return ""
    quote = clip(blocks[block]["text"], QUOTE)
    if quote.rstrip("…") in finding["message"]:
        quote = ""  # the message quotes it already
    selector = finding.get("selector") or blocks[block].get("selector") or f"block {block}"
    return f"at {selector}" + (f": “{quote}”" if quote else "")


def show_wrapped(console: Console, text: str, style: str = "", indent: int = 4) -> None:
    """The text wrapped at words under a head line, with no trailing spaces to copy with it."""
    for line in textwrap.wrap(text, max(20, console.width - indent), break_on_hyphens=False):
        console.print(Text(" " * indent + line, style=style))


def show_finding(console: Console, f: dict[str, Any], page: dict[str, Any] | None = None) -> None:
    """A finding as a block: what, how it reads, then where; a table column would wrap each of them (the diff
    shows its findings this way too)."""
    head = Text("  ")
    head.append(visible(f["severity"]).upper(), style=_STYLE.get(f["severity"], ""))
    head.append("  " + visible(f.get("title") or f["rule"]), style="bold")
    taken = f", {points(f.get('weight'))}" if f.get("weight") else ""  # nothing rather than "no points"
    head.append(f"  {visible(f['rule'])}{taken}", style="dim")
    if f.get("baseline") is True:  # known from --baseline: shown, but it does not fail the run
        head.append("  known", style="bold dim")
    console.print(head)
    show_wrapped(console, visible(f["message"]))
    if page is not None:
        show_wrapped(console, visible(_where(f, page)), "dim")


def _known(findings: Iterable[dict[str, Any]]) -> int:
    """How many of the findings a baseline knows (`"baseline": true`)."""
    return sum(1 for f in findings if f.get("baseline") is True)


def render_page(page: dict[str, Any], console: Console, verbose: bool = False) -> None:
    url = visible(page.get("url") or "(page)")
    if page.get("error"):
        console.print(Text.assemble((url, "bold"), "  ", ("not audited: ", "bold red"), visible(page["error"])))
        return
    m = page["metrics"]
    score = page["score"]
    colour = _COLOUR[grade(score, page["findings"])]
    console.print(Text.assemble((url, "bold"), "  score ", (f"{score}/100", f"bold {colour}")))
    # two short lines rather than one that a narrow terminal or a pipe breaks mid-phrase
    links = count(m["affiliate_links"], "affiliate link")
    console.print(
        "  "
        + escape(
            f"language {visible(page.get('language') or 'unknown')} · {count(m['words_editorial'], 'editorial word')}"
            f" · {links} ({m['affiliate_links_per_1000_words']} per 1,000 words)"
        )
    )
    console.print("  disclosure: " + _safe(disclosure_line(page)))
    for note in page.get("notes", []):
        console.print("  note: " + _safe(note), style="yellow")
    if m.get("auto_affiliate_scripts"):
        console.print("  auto-affiliate scripts: " + _safe(", ".join(map(str, m["auto_affiliate_scripts"]))))
    findings = page["findings"]
    if findings:
        console.print()
    for f in findings:
        show_finding(console, f, page)
    if not findings:
        console.print("  [green]no findings[/green]")
    show_link_health(console, page)
    if verbose:
        affiliate = [link for link in page["links"] if link["affiliate"]]
        if affiliate:
            table = Table("network", "href", "evidence", box=None, pad_edge=False, title="affiliate links")
            for link in affiliate:
                table.add_row(
                    Text(visible(link["network"] or "")),
                    Text(visible(clip(link["href"], 80))),
                    Text(visible(clip(link["evidence"], 80))),
                )
            console.print(table)
    console.print(f"  {count(len(page.get('rules_passed', [])), 'rule')} passed", style="dim")


# A list of the Link health section shows this many links, and this many pages of each
SHOWN_LINKS = 10
SHOWN_PAGES = 3


def show_link_health(console: Console, result: dict[str, Any]) -> None:
    """The Link health section (--check-links): nothing when no link was followed."""
    health = link_health(result)
    if health is None:
        return
    console.print()
    tally = ", ".join(f"{label}: {n:,}" for label, n in health["verdicts"])
    console.print(Text.assemble(("Link health", "bold"), f"  {count(health['checked'], 'distinct link')} followed: "))
    show_wrapped(console, visible(tally), indent=2)
    if health["by_redirect"]:
        show_wrapped(console, f"{count(health['by_redirect'], 'link')} found affiliate by redirect", indent=2)
    sections = (
        ("broken", "Broken (the reader lands on an error page)"),
        ("tag_lost", "Affiliate id lost (the shop cannot credit the sale)"),
        ("loop", "Redirect loops"),
        ("unverified", "Could not be followed"),
    )
    for key, title in sections:
        rows = health[key]
        if not rows:
            continue
        console.print(Text("  " + title + ":", style="bold"))
        for row in rows[:SHOWN_LINKS]:
            if key == "broken":
                what = f"HTTP {row['status']} at {row['final_url']}"
            elif key == "tag_lost":
                what = f"reaches {row['final_url']}"
            else:
                what = str(row["error"])
            pages = row["pages"]
            shown = ", ".join(pages[:SHOWN_PAGES]) + (
                f" and {len(pages) - SHOWN_PAGES:,} more" if len(pages) > SHOWN_PAGES else ""
            )
            show_wrapped(console, visible(f"{row['href']}: {what}"), indent=4)
            show_wrapped(console, visible(f"on {count(len(pages), 'page')}: {shown}"), "dim", indent=6)
        if len(rows) > SHOWN_LINKS:
            left = len(rows) - SHOWN_LINKS
            console.print(f"    and {left:,} more {plural(left, 'link')} (see the JSON report)", style="dim")
    networks = ", ".join(f"{name} {n:,}" for name, n in health["networks"])
    show_wrapped(console, visible(f"Chains by network: {networks}"), indent=2)


def render(pages: Iterable[dict[str, Any]], console: Console, verbose: bool = False) -> None:
    for i, page in enumerate(pages):
        if i:
            console.print()
        render_page(page, console, verbose)


def render_site(site: dict[str, Any], console: Console, worst: int = 15) -> None:
    """The site summary: numbers, site findings, then the worst pages."""
    m = site["metrics"]
    coverage = m.get("disclosure_coverage")
    heading = site_heading(site)
    console.print(Text.assemble((visible(heading["title"]), "bold"), "  site score ", (f"{site['score']}/100", "bold")))
    show_wrapped(console, visible(heading["subtitle"]), "dim", indent=2)
    console.print("  " + _safe(pages_line(m)))
    selling = m["pages_with_affiliate_links"]
    console.print(
        f"  {count(selling, 'page')} with affiliate links"
        + (f", {coverage:.0%} of them disclosed" if coverage is not None else "")
        + (f"; mean page score {m['score_mean']}" if m.get("score_mean") is not None else "")
    )
    if site["findings"]:
        console.print()
    for f in site["findings"]:
        show_finding(console, f, None)
    show_link_health(console, site)
    pages = sorted((p for p in site["pages"] if not p.get("error")), key=lambda p: p["score"])[:worst]
    if pages:
        table = Table(
            "score",
            "page",
            "affiliate links",
            "disclosure",
            "findings",
            box=None,
            pad_edge=False,
            header_style="bold",
            title="worst pages",
        )
        for p in pages:
            table.add_row(
                Text(str(p["score"]), style=_COLOUR[grade(p["score"], p["findings"])]),
                Text(visible(p["url"]), overflow="fold"),
                str(p["metrics"].get("affiliate_links", 0)),
                Text(visible(disclosure_line(p))),
                f"{len(p['findings'])}, {_known(p['findings'])} known"
                if _known(p["findings"])
                else str(len(p["findings"])),
            )
        console.print(table)
    failed = [p for p in site["pages"] if p.get("error")]
    if failed:
        console.print(
            f"  {count(len(failed), 'page')} not audited, e.g. {_safe(failed[0]['url'])}: {_safe(failed[0]['error'])}",
            style="dim",
        )

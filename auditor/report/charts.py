"""Small inline SVG charts for the site report, drawn by the project (no chart library, no request when opened).

Each chart is drawn at its own size in CSS pixels (`WIDTH`), shrunk only where the page is narrower, so that its
text stays at least 12 px on screen: a chart scaled to fit a wide box would draw 18 px labels at 7 px. Axes carry
titles, every bar its count and a <title> that a pointer shows. Every label is escaped; the numbers come from the
site result."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from itertools import pairwise
from typing import Any

from auditor.wording import count

WIDTH = 340
LEFT, RIGHT, TOP = 46, 8, 24
PLOT = 120  # height of the plotting area
# Bins of affiliate links per 1,000 editorial words; the links-density rule's default ceiling (20) is an edge.
DENSITY_EDGES = (0, 1, 2, 5, 10, 20)

# What a page's disclosure comes to, for the breakdown, the table and its filter: a page without affiliate links
# has nothing to disclose and is not counted with one whose links go undisclosed. Okabe-Ito colours; each bar
# carries its words, so colour is never the only sign.
STATUSES: dict[str, tuple[str, str]] = {
    "before_first_affiliate_link": ("disclosed before the first link", "#009E73"),
    "after_first_affiliate_link": ("disclosed after the first link", "#E69F00"),
    "footer_only": ("disclosed only in the footer", "#D55E00"),
    "undisclosed": ("affiliate links, no disclosure", "#CC79A7"),
    "disclosed": ("disclosed (placement not known)", "#F0E442"),
    "no_affiliate_links": ("no affiliate links", "#56B4E9"),
    "not_audited": ("not audited", "#999999"),
}


def disclosure_status(page: dict[str, Any]) -> str:
    """One key of STATUSES for a page."""
    if page.get("error"):
        return "not_audited"
    links = (page.get("metrics") or {}).get("affiliate_links", 0)
    disclosure = page.get("disclosure") or {}
    if not isinstance(links, int | float) or links <= 0:
        return "no_affiliate_links"
    if not disclosure.get("present"):
        return "undisclosed"
    placement = disclosure.get("placement")
    return placement if placement in STATUSES and placement != "no_affiliate_links" else "disclosed"


def _svg(title: str, summary: str, height: float, body: str) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}: {escape(summary)}" width="{WIDTH}" '
        f'height="{round(height)}" viewBox="0 0 {WIDTH} {round(height)}"><title>{escape(title)}</title>{body}</svg>'
    )


def columns(bars: list[tuple[str, int, str]], title: str, x_title: str, y_title: str = "pages") -> str:
    """Vertical bars (label, count, hover text), with a y axis of counts and an x axis of the labels."""
    peak = max((n for _, n, _ in bars), default=0)
    step = (WIDTH - LEFT - RIGHT) / max(len(bars), 1)
    base = TOP + PLOT
    parts = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP - 6}" x2="{LEFT}" y2="{base}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{base + 4}" text-anchor="end">0</text>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{peak:,}</text>',
        f'<text class="axis-title" transform="rotate(-90 14 {TOP + PLOT / 2})" x="14" y="{TOP + PLOT / 2}" '
        f'text-anchor="middle">{escape(y_title)}</text>',
        f'<text class="axis-title" x="{LEFT + (WIDTH - LEFT - RIGHT) / 2}" y="{base + 42}" '
        f'text-anchor="middle">{escape(x_title)}</text>',
    ]
    for i, (label, n, hover) in enumerate(bars):
        height = round(PLOT * n / peak, 1) if peak else 0
        x = LEFT + i * step
        middle = round(x + step / 2, 1)
        parts.append(
            f"<g><title>{escape(hover)}</title>"
            f'<rect class="bar" x="{round(x + step * 0.12, 1)}" y="{round(base - height, 1)}" '
            f'width="{round(step * 0.76, 1)}" height="{max(height, 0.5)}"/>'
            f'<text class="count" x="{middle}" y="{round(base - height - 5, 1)}" text-anchor="middle">{n:,}</text>'
            f'<text class="tick" x="{middle}" y="{base + 18}" text-anchor="middle">{escape(label)}</text></g>'
        )
    summary = "; ".join(f"{label}: {n:,}" for label, n, _ in bars)
    return _svg(title, summary, base + 50, "".join(parts))


def rows(bars: list[tuple[str, int, str, str]], title: str, x_title: str = "pages") -> str:
    """Horizontal bars (label, count, colour, hover text): the label and the count on a line, the bar below."""
    peak = max((n for _, n, _, _ in bars), default=0)
    total = sum(n for _, n, _, _ in bars) or 1
    width = WIDTH - RIGHT - 2
    parts = []
    y = 4.0
    for label, n, colour, hover in bars:
        length = round(width * n / peak, 1) if peak else 0
        parts.append(
            f"<g><title>{escape(hover)}</title>"
            f'<text class="label" x="2" y="{y + 14}">{escape(label)}</text>'
            f'<text class="count" x="{WIDTH - RIGHT}" y="{y + 14}" text-anchor="end">{n:,} ({n / total:.0%})</text>'
            f'<rect x="2" y="{y + 20}" width="{max(length, 0.5)}" height="12" fill="{colour}" stroke="#1b1b1b" '
            f'stroke-width=".5"/></g>'
        )
        y += 42
    parts.append(
        f'<line class="axis" x1="2" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>'
        f'<text class="tick" x="2" y="{y + 16}">0</text>'
        f'<text class="tick" x="{WIDTH - RIGHT}" y="{y + 16}" text-anchor="end">{peak:,}</text>'
        f'<text class="axis-title" x="{WIDTH / 2}" y="{y + 16}" text-anchor="middle">{escape(x_title)}</text>'
    )
    summary = "; ".join(f"{label}: {n:,}" for label, n, _, _ in bars)
    return _svg(title, summary, y + 24, "".join(parts))


def score_bars(buckets: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """The site's score histogram (buckets of 20; the last holds 100) as bars."""
    bars = []
    for i, bucket in enumerate(buckets):
        low, high, n = bucket.get("from", 0), bucket.get("to", 0), int(bucket.get("pages", 0))
        top = high if i == len(buckets) - 1 else high - 1
        bars.append((f"{low}–{top}", n, f"score {low} to {top}: {count(n, 'page')}"))
    return bars


def density_bars(values: list[float]) -> list[tuple[str, int, str]]:
    """A histogram of affiliate links per 1,000 words: pages with none, then bins that widen as the numbers grow
    (the pages of a site crowd near zero and a few run to 100), up to the last, open bin."""
    bars = [("0", sum(1 for v in values if v <= 0), "no affiliate links")]
    for low, high in pairwise(DENSITY_EDGES):
        n = sum(1 for v in values if low < v <= high)
        bars.append((f"{low:g}–{high:g}", n, f"over {low:g} and up to {high:g} per 1,000 words"))
    last = DENSITY_EDGES[-1]
    bars.append((f"{last:g}+", sum(1 for v in values if v > last), f"over {last:g} per 1,000 words"))
    return [(label, n, f"{hover}: {count(n, 'page')}") for label, n, hover in bars]


def status_counts(pages: list[dict[str, Any]]) -> dict[str, int]:
    found: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for page in pages:
        found[disclosure_status(page)] += 1
    return found


def site_charts(site: dict[str, Any]) -> dict[str, str]:
    metrics = site.get("metrics", {})
    pages = site.get("pages", [])
    values = []
    for page in pages:
        value = (page.get("metrics") or {}).get("affiliate_links_per_1000_words", 0)
        if not page.get("error") and isinstance(value, int | float):
            values.append(float(value))
    found = status_counts(pages)
    audited = sum(n for key, n in found.items() if key != "not_audited")
    breakdown = [
        (label, found[key], colour, f"{label}: {count(found[key], 'page')} of {audited:,} audited")
        for key, (label, colour) in STATUSES.items()
        if key != "not_audited" and (found[key] or key in ("undisclosed", "no_affiliate_links"))
    ]
    return {
        "scores": columns(score_bars(metrics.get("score_histogram", [])), "Pages by score", "page score"),
        "density": columns(
            density_bars(values), "Affiliate density: pages by links per 1,000 words", "links per 1,000 words"
        ),
        "placements": rows(breakdown, "Disclosure, pages by what they show"),
    }


# Marks and dashes that tell a trend's lines apart without their colour
_MARKERS = ("circle", "square", "diamond")
_DASHES = ("", "6 3", "2 3")


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "diamond":
        corners = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{corners}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def trend(
    points: list[tuple[str, str]],
    series: list[tuple[str, str, list[float | None]]],
    title: str,
    y_title: str,
    top: float | None = None,
    shown: Callable[[float], str] = lambda v: f"{v:,.0f}",
) -> str:
    """Lines over a site's crawls: `points` are the crawls (tick label, hover text), `series` the lines (name,
    colour, one value a crawl, None where a crawl has none: the line breaks there). The y axis runs from 0 to
    `top` (the largest value when None); each line has its own mark and dash, a legend when there are several,
    its last value written at its end, and a hover text on every point."""
    values = [v for _, _, vs in series for v in vs if v is not None]
    peak = top if top is not None else max(values, default=0.0)
    peak = peak or 1.0
    legend = 20 * len(series) if len(series) > 1 else 0
    top_y = TOP + legend
    base = top_y + PLOT
    width = WIDTH - LEFT - RIGHT - 40  # room on the right for the last values
    n = len(points)

    def x(i: int) -> float:
        return LEFT + 8 + (width * i / (n - 1) if n > 1 else width / 2)

    def y(v: float) -> float:
        return base - PLOT * min(v, peak) / peak

    parts = [
        f'<line class="axis" x1="{LEFT}" y1="{top_y - 6}" x2="{LEFT}" y2="{base}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{base + 4}" text-anchor="end">{escape(shown(0))}</text>',
        f'<text class="tick" x="{LEFT - 6}" y="{top_y + 4}" text-anchor="end">{escape(shown(peak))}</text>',
        f'<text class="axis-title" transform="rotate(-90 14 {top_y + PLOT / 2})" x="14" y="{top_y + PLOT / 2}" '
        f'text-anchor="middle">{escape(y_title)}</text>',
        f'<text class="axis-title" x="{LEFT + (WIDTH - LEFT - RIGHT) / 2}" y="{base + 42}" '
        f'text-anchor="middle">crawl</text>',
    ]
    # at most about six tick labels, the first and the last always among them (and none crowding the last): a
    # year of weekly crawls stays legible
    every = max(1, -(-n // 6))
    for i, (label, _) in enumerate(points):
        if (i % every == 0 and n - 1 - i >= every) or i == n - 1:
            parts.append(
                f'<text class="tick" x="{x(i):.1f}" y="{base + 18}" text-anchor="middle">{escape(label)}</text>'
            )
    summary = []
    for k, (name, colour, line) in enumerate(series):
        shape, dash = _MARKERS[k % len(_MARKERS)], _DASHES[k % len(_DASHES)]
        if legend:
            ly = 4 + 20 * k
            parts.append(
                f'<line x1="{LEFT}" y1="{ly + 8}" x2="{LEFT + 24}" y2="{ly + 8}" stroke="{colour}" stroke-width="2" '
                f'stroke-dasharray="{dash}"/>{_marker(shape, LEFT + 12, ly + 8, colour)}'
                f'<text class="label" x="{LEFT + 32}" y="{ly + 13}">{escape(name)}</text>'
            )
        run: list[str] = []
        for i, v in enumerate([*line, None]):  # a None ends a run of the line
            if v is None:
                if len(run) > 1:
                    parts.append(
                        f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2" '
                        f'stroke-dasharray="{dash}"/>'
                    )
                run = []
                continue
            run.append(f"{x(i):.1f},{y(v):.1f}")
            hover = f"{name}: {shown(v)} ({points[i][1]})"
            parts.append(f"<g><title>{escape(hover)}</title>{_marker(shape, x(i), y(v), colour)}</g>")
        known = [(i, v) for i, v in enumerate(line) if v is not None]
        if known:
            i, v = known[-1]
            parts.append(f'<text class="count" x="{x(i) + 8:.1f}" y="{y(v) + 4:.1f}">{escape(shown(v))}</text>')
            summary.append(f"{name}: {shown(known[0][1])} to {shown(v)}" if len(known) > 1 else f"{name}: {shown(v)}")
    return _svg(title, "; ".join(summary) or "no values", base + 50, "".join(parts))

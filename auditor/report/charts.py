"""Small inline SVG charts for the site report, drawn by the project (no chart library, no request when opened).
Every label is escaped; the numbers come from the site result."""

from __future__ import annotations

from html import escape
from typing import Any

WIDTH = 560
BAR_HEIGHT = 140
PLACEMENT_COLOURS = {
    "before_first_affiliate_link": "#009E73",
    "after_first_affiliate_link": "#E69F00",
    "footer_only": "#D55E00",
    "no_affiliate_links": "#56B4E9",
    "none": "#999999",
}


def histogram(buckets: list[dict[str, Any]], title: str) -> str:
    """Vertical bars, one per bucket, with the count above and the range below."""
    peak = max((b["pages"] for b in buckets), default=0) or 1
    step = WIDTH / max(len(buckets), 1)
    bars = []
    for i, bucket in enumerate(buckets):
        height = round((BAR_HEIGHT - 20) * bucket["pages"] / peak, 1)
        x = round(i * step + 6, 1)
        y = round(BAR_HEIGHT - height, 1)
        middle = round(x + (step - 12) / 2, 1)
        bars.append(
            f'<rect x="{x}" y="{y}" width="{round(step - 12, 1)}" height="{height}" class="bar"/>'
            f'<text x="{middle}" y="{round(y - 4, 1)}" text-anchor="middle">{bucket["pages"]}</text>'
            f'<text x="{middle}" y="{BAR_HEIGHT + 16}" text-anchor="middle">{bucket["from"]}-{bucket["to"]}</text>'
        )
    return _svg(title, BAR_HEIGHT + 24, "".join(bars))


def density(values: list[tuple[str, float]], title: str) -> str:
    """Affiliate links per 1,000 words, one thin bar per page, densest first."""
    values = sorted(values, key=lambda v: -v[1])
    peak = max((v for _, v in values), default=0.0) or 1.0
    step = WIDTH / max(len(values), 1)
    bars = []
    for i, (url, value) in enumerate(values):
        height = round((BAR_HEIGHT - 10) * value / peak, 1)
        width = max(round(step - 0.5, 2), 0.5)
        bars.append(
            f'<rect x="{round(i * step, 2)}" y="{round(BAR_HEIGHT - height, 1)}" width="{width}" height="{height}" '
            f'class="bar"><title>{escape(url)}: {value:g}</title></rect>'
        )
    axis = f'<text x="0" y="{BAR_HEIGHT + 16}">max {peak:g} per 1,000 words; {len(values)} pages</text>'
    return _svg(title, BAR_HEIGHT + 24, "".join(bars) + axis)


def stacked(counts: dict[str, int], title: str) -> str:
    """One horizontal bar split by placement, with a legend."""
    total = sum(counts.values()) or 1
    x = 0.0
    parts = []
    legend = []
    for i, (name, n) in enumerate(sorted(counts.items(), key=lambda item: -item[1])):
        width = WIDTH * n / total
        colour = PLACEMENT_COLOURS.get(name, "#999999")
        parts.append(
            f'<rect x="{round(x, 2)}" y="0" width="{round(width, 2)}" height="28" fill="{colour}">'
            f"<title>{escape(name)}: {n}</title></rect>"
        )
        legend.append(
            f'<rect x="0" y="{40 + 18 * i}" width="12" height="12" fill="{colour}"/>'
            f'<text x="18" y="{51 + 18 * i}">{escape(name.replace("_", " "))}: {n}</text>'
        )
        x += width
    return _svg(title, 44 + 18 * len(counts), "".join(parts + legend))


def _svg(title: str, height: int, body: str) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 -4 {WIDTH} {height + 4}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>{body}</svg>'
    )


def site_charts(site: dict[str, Any]) -> dict[str, str]:
    metrics = site["metrics"]
    values = [
        (p["url"], float(p["metrics"].get("affiliate_links_per_1000_words", 0.0)))
        for p in site["pages"]
        if not p.get("error")
    ]
    return {
        "scores": histogram(metrics.get("score_histogram", []), "Pages by score"),
        "density": density(values, "Affiliate links per 1,000 editorial words, per page"),
        "placements": stacked(metrics.get("placements", {}), "Disclosure placement"),
    }

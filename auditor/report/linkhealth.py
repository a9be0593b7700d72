"""The reports' Link health section (--check-links), read from the result JSON alone: how many distinct links were
followed and how each ended, the broken ones and those that lost their affiliate id with the pages that carry them
(the link on most pages first), chains that loop or could not be followed, and the chains by network."""

from __future__ import annotations

from collections import Counter
from typing import Any

from auditor.contract import link_key, pages_of
from auditor.report.labels import network_name

# What each verdict of a followed link reads as (the JSON keeps `resolution.verdict` as it is)
VERDICTS = {
    "broken": "broken",
    "tag_lost": "affiliate id lost",
    "loop": "redirect loop",
    "unverified": "could not be followed",
    "healthy": "healthy",
}


def link_health(result: dict[str, Any]) -> dict[str, Any] | None:
    """The section's content for a page or site result; None when none of its links was followed."""
    found: dict[str, dict[str, Any]] = {}
    for page in pages_of(result):
        if not isinstance(page, dict) or page.get("error"):
            continue
        for link in page.get("links") or []:
            resolution = link.get("resolution") if isinstance(link, dict) else None
            if not isinstance(resolution, dict):
                continue
            href = link_key(str(link.get("href", "")))
            entry = found.setdefault(href, {"href": href, "resolution": resolution, "pages": Counter()})
            entry["pages"][str(page.get("url", ""))] += 1
            entry["by_redirect"] = entry.get("by_redirect") or str(link.get("evidence", "")).startswith("by redirect")
    if not found:
        return None
    verdicts = Counter(str(e["resolution"].get("verdict")) for e in found.values())
    networks = Counter(
        network_name(e["resolution"]["network"]) if e["resolution"].get("network") else "no network"
        for e in found.values()
    )
    return {
        "checked": len(found),
        "verdicts": [(VERDICTS.get(v, v), verdicts[v]) for v in VERDICTS if verdicts[v]],
        "by_redirect": sum(1 for e in found.values() if e.get("by_redirect")),
        "networks": networks.most_common(),
        **{verdict: _rows(found.values(), verdict) for verdict in ("broken", "tag_lost", "loop", "unverified")},
    }


def _rows(entries: Any, verdict: str) -> list[dict[str, Any]]:
    """The links of one verdict, the one on most pages first, each with its pages (those carrying it most first)."""
    rows = []
    for entry in entries:
        resolution = entry["resolution"]
        if resolution.get("verdict") != verdict:
            continue
        chain = resolution.get("chain") if isinstance(resolution.get("chain"), list) else [entry["href"]]
        rows.append(
            {
                "href": entry["href"],
                "final_url": resolution.get("final_url"),
                "status": resolution.get("status"),
                "error": resolution.get("error"),
                "chain": [str(u) for u in chain],
                "network": network_name(resolution["network"]) if resolution.get("network") else None,
                "pages": [url for url, _ in entry["pages"].most_common()],
            }
        )
    return sorted(rows, key=lambda row: -len(row["pages"]))

"""Links whose redirect chain, followed by --check-links, ends badly: broken, the affiliate id lost, a loop, or a
chain that could not be followed (`resolution` gives each followed link its verdict; a rule picks one)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.errors import ConfigError
from auditor.models import Site
from auditor.resolution import VERDICTS, checked_links
from auditor.rulefiles import closest

SCOPE = "site"
NEEDS_CHECKED_LINKS = True
"""Runs only on a site some of whose links were followed: a site never checked passes none of its rules."""
DEFAULTS: Mapping[str, Any] = {"verdict": "broken"}


def check(site: Site, options: Mapping[str, Any]) -> Iterator[Evidence]:
    verdict = options["verdict"]
    if verdict not in VERDICTS:
        raise ConfigError(f"option verdict: {verdict!r} is not a link verdict{closest(verdict, VERDICTS)}")
    hits = [c for c in checked_links(site) if c.resolution.get("verdict") == verdict]
    for link in sorted(hits, key=lambda c: -len(c.pages)):  # the link on most pages first (a stable sort)
        r = link.resolution
        chain = r.get("chain") or [link.href]
        yield Evidence(
            None,
            {
                "href": link.href,
                "final_url": r.get("final_url"),
                "status": r.get("status"),
                "error": r.get("error"),
                "redirects": max(0, len(chain) - 1),
                "chain": chain,
                "network": r.get("network"),
                "count": len(link.pages),
                "pages": list(link.pages),
            },
        )

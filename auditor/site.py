"""A site as a whole: its pages' results, the site-wide checks, and the site result (schema auditor/site@1)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise
from statistics import mean, median
from typing import Any

from auditor import engine
from auditor.checks import KINDS
from auditor.config import Config
from auditor.contract import SITE_SCHEMA, failed_page, tool
from auditor.models import Site, SitePage
from auditor.resolution import any_checked
from auditor.textmodel import main_text

SCORE_BUCKETS = (0, 20, 40, 60, 80, 100)

# Why a page reached by a crawl or named in a batch was not audited, from the error the crawl, the fetcher or the
# reader recorded (their wording, searched in this order): the one vocabulary of the crawl's summary and every
# report, so "2 redirects, 1 not HTML" means the same pages everywhere.
NOT_AUDITED = (
    (re.compile(r"^redirects to "), "redirect"),
    (re.compile(r"redirects \(a redirect loop"), "redirect loop"),
    (re.compile(r"robots\.txt"), "robots.txt"),
    (re.compile(r"^not HTML"), "not HTML"),
    (re.compile(r"limit \(max_bytes\)"), "too large"),
    (re.compile(r"\bHTTP [1-5]\d\d\b"), "HTTP error"),
)


def why_not_audited(error: str) -> str:
    """The reason, in the reports' vocabulary, a page with this error was not audited."""
    return next((reason for pattern, reason in NOT_AUDITED if pattern.search(error)), "could not be read")


def not_audited(errors: Iterable[str]) -> dict[str, int]:
    """How many pages were not audited, by reason, most first."""
    return dict(Counter(why_not_audited(e) for e in errors).most_common())


def from_results(results: Iterable[dict[str, Any]], start_url: str = "") -> Site:
    """A site from page results in the JSON contract (a JSON Lines file, a batch output)."""
    pages = []
    for page in results:
        failed = page.get("error") is not None
        text = "" if failed else main_text(page["blocks"])
        crawl = page.get("crawl") or {}
        pages.append(
            SitePage(
                page.get("url", ""),
                crawl.get("status"),
                crawl.get("depth"),
                page.get("error"),
                None if failed else page,
                text,
            )
        )
    return Site(start_url or (pages[0].url if pages else ""), tuple(pages))


def page_entry(page: SitePage) -> dict[str, Any]:
    """One page of the site result: the page contract, plus how the crawl got it."""
    crawl = {"status": page.status, "depth": page.depth}
    if page.result is not None:
        return {**page.result, "crawl": crawl}
    return {**failed_page(page.url, page.error or "not audited"), "crawl": crawl}


def metrics(site: Site) -> dict[str, Any]:
    audited = [p.result for p in site.audited if p.result is not None]
    selling = [r for r in audited if r["metrics"].get("affiliate_links", 0) > 0]
    disclosed = [r for r in selling if r["disclosure"]["present"]]
    scores = [int(r["score"]) for r in audited]
    histogram = Counter(min(s // 20, 4) for s in scores)
    networks: Counter[str] = Counter()
    for r in audited:
        networks.update(r["metrics"].get("networks", {}))
    return {
        "pages": len(site.pages),
        "pages_audited": len(audited),
        "pages_failed": sum(1 for p in site.pages if p.result is None),
        "not_audited": not_audited(p.error or "" for p in site.pages if p.result is None),
        "pages_without_affiliate_links": len(audited) - len(selling),
        "pages_with_affiliate_links": len(selling),
        "affiliate_links": sum(r["metrics"].get("affiliate_links", 0) for r in audited),
        "disclosure_coverage": round(len(disclosed) / len(selling), 4) if selling else None,
        "placements": dict(Counter(r["disclosure"]["placement"] for r in audited)),
        "score_mean": round(mean(scores), 1) if scores else None,
        "score_median": median(scores) if scores else None,
        "score_histogram": [
            {"from": low, "to": high, "pages": histogram.get(i, 0)}
            for i, (low, high) in enumerate(pairwise(SCORE_BUCKETS))
        ],
        "networks": dict(networks.most_common()),
        "statuses": dict(Counter(str(p.status) for p in site.pages)),
        "density_median": median(r["metrics"].get("affiliate_links_per_1000_words", 0.0) for r in audited)
        if audited
        else None,
    }


def assemble(site: Site, config: Config | None = None) -> dict[str, Any]:
    """The site result: pages, site findings, metrics, and the site score (the pages' mean score minus the
    weight of each site finding)."""
    rules = engine.active_rules(config or Config(), scope="site")
    link_rules = {r.id for r in rules if getattr(KINDS[r.kind], "NEEDS_CHECKED_LINKS", False)}
    judged = any(f.get("rule") in link_rules for p in site.audited for f in (p.result or {}).get("findings") or [])
    # no link was followed: the link-health rules have nothing to judge, and pass nothing; pages that carry their
    # findings already (`auditor audit --check-links`) are not judged twice
    if not any_checked(site) or judged:
        rules = tuple(r for r in rules if r.id not in link_rules)
    findings, passed = engine.run_site(site, rules)
    numbers = metrics(site)
    base = numbers["score_mean"] if numbers["score_mean"] is not None else 100
    return {
        "schema": SITE_SCHEMA,
        "start_url": site.start_url,
        "score": max(0, round(base - sum(f.weight for f in findings))),
        "metrics": numbers,
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "block": None,
                "selector": None,
                "evidence": f.evidence,
                "weight": f.weight,
                "title": f.title,
            }
            for f in findings
        ],
        "rules_passed": passed,
        "pages": [page_entry(p) for p in site.pages],
        "tool": tool(audited_here=False),
    }

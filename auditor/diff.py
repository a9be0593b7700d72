"""What changed between two runs over a site or a page: the diff result (schema auditor/diff@1).

Plain functions of two results in the JSON contract (a page or a site, as `auditor.saved.load_result` reads them):
pages are matched by URL, findings by their identity (`auditor.identity`), so an edit that does not touch a
finding neither fixes it nor makes it new. A finding on a page that was removed, or that could not be audited this
time, is not called fixed: nobody fixed it, the auditor just cannot see it. The reports in
`auditor/report/diff.py` render the dict this returns, and nothing else."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, TypeGuard

from auditor.contract import is_site, pages_of, site_findings_of, tool
from auditor.identity import Identity, identities, match, text_hash
from auditor.models import SEVERITY_RANK

DIFF_SCHEMA = "auditor/diff@1"
# The site numbers shown before and after, as auditor.site.metrics names them
SITE_NUMBERS = ("pages", "pages_audited", "pages_with_affiliate_links", "affiliate_links", "disclosure_coverage",
                "score_mean")  # fmt: skip
# "Its text was edited" reads the editorial blocks only: a menu or a footer that changes on every page (a page
# added to the navigation) is not an edit of each page, and a disclosure or a plug that comes or goes is reported
# as what it is
_OWN_TEXT = frozenset(("editorial",))


def compare(old: dict[str, Any], new: dict[str, Any], old_source: str = "", new_source: str = "") -> dict[str, Any]:
    """The diff of two page or site results (the old run first)."""
    before, after = _by_url(old), _by_url(new)
    left = identities(_audited(before.values()), site_findings_of(old))
    right = identities(_audited(after.values()), site_findings_of(new))
    pairs, added, gone = match((i for i, _, _ in left), (i for i, _, _ in right))
    found_old = {id(i): f for i, f, _ in left}
    found_new = {id(i): f for i, f, _ in right}
    # a finding is fixed only where the page is still there and audited (or for a site finding)
    fixed = [i for i in gone if i.page == "(site)" or _audited_page(after.get(i.page))]
    tally: dict[str, Counter[str]] = {}
    for kind, found in (("persisting", (b for _, b in pairs)), ("new", added), ("fixed", fixed)):
        for identity in found:
            tally.setdefault(identity.page, Counter())[kind] += 1
    pages = []
    for url in [*before, *(u for u in after if u not in before)]:
        entry = _page_change(before.get(url), after.get(url), tally.get(url, Counter()))
        if entry is not None:
            pages.append(entry)
    statuses = Counter(p["status"] for p in pages)
    new_findings = _worst_first(_finding(i, found_new[id(i)]) for i in added)
    fixed_findings = _worst_first(_finding(i, found_old[id(i)]) for i in fixed)
    return {
        "schema": DIFF_SCHEMA,
        "old": _source(old, old_source, len(before)),
        "new": _source(new, new_source, len(after)),
        "summary": {
            "pages_added": statuses["added"],
            "pages_removed": statuses["removed"],
            "pages_changed": statuses["changed"],
            "pages_not_audited": statuses["not_audited"],
            "pages_audited_again": statuses["audited_again"],
            "pages_unchanged": len(set(before) | set(after)) - len(pages),
            "findings_new": len(new_findings),
            "findings_fixed": len(fixed_findings),
            "findings_persisting": len(pairs),
            "findings_on_pages_gone": len(gone) - len(fixed),  # removed, or not audited this time: not fixed
            "links_added": sum(link["count"] for p in pages for link in p["links"]["added"]),
            "links_removed": sum(link["count"] for p in pages for link in p["links"]["removed"]),
        },
        "site": _site_numbers(old, new),
        "findings": {"new": new_findings, "fixed": fixed_findings},
        "pages": pages,
        "tool": tool(audited_here=False),
    }


def fails(diff: dict[str, Any], severity: str) -> bool:
    """Whether a new finding is at or above the severity (the gate of `auditor diff --fail-on-new`)."""
    return any(SEVERITY_RANK.get(f["severity"], 0) >= SEVERITY_RANK[severity] for f in diff["findings"]["new"])


def _by_url(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The pages by URL; where a batch holds one URL twice, the first audited copy stands for it (two copies of
    one page would be matched against each other's findings)."""
    pages: dict[str, dict[str, Any]] = {}
    for page in pages_of(result):
        url = str(page.get("url", ""))
        if url not in pages or (pages[url].get("error") is not None and page.get("error") is None):
            pages[url] = page
    return pages


def _audited_page(page: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    return page is not None and page.get("error") is None


def _audited(pages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in pages if _audited_page(p)]


def _source(result: dict[str, Any], source: str, pages: int) -> dict[str, Any]:
    return {
        "source": source,
        "schema": result.get("schema"),
        "start_url": result.get("start_url") if is_site(result) else result.get("url"),
        "pages": pages,
        "score": result.get("score"),
    }


def _finding(identity: Identity, finding: dict[str, Any]) -> dict[str, Any]:
    return {
        "rule": finding.get("rule"),
        "severity": finding.get("severity"),
        "title": finding.get("title"),
        "message": finding.get("message"),
        "url": None if identity.page == "(site)" else identity.page,
        "selector": finding.get("selector"),
    }


def _worst_first(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(findings, key=lambda f: (-SEVERITY_RANK.get(str(f["severity"]), 0), f["url"] or "", str(f["rule"])))


def _disclosure(page: dict[str, Any] | None) -> dict[str, Any] | None:
    if not _audited_page(page):
        return None
    d = page.get("disclosure") or {}
    return {"present": d.get("present"), "kind": d.get("kind"), "placement": d.get("placement")}


def _affiliate_links(page: dict[str, Any] | None) -> Counter[str]:
    if not _audited_page(page):
        return Counter()
    return Counter(str(link.get("href")) for link in page.get("links") or [] if link.get("affiliate"))


def _link_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """The affiliate links by href: those the new page has more of, and those it has fewer of (with how many)."""
    before, after = _affiliate_links(old), _affiliate_links(new)

    def described(hrefs: Counter[str], page: dict[str, Any] | None) -> list[dict[str, Any]]:
        links = {str(link.get("href")): link for link in reversed((page or {}).get("links") or [])}
        return [
            {"href": href, "text": links[href].get("text"), "network": links[href].get("network"), "count": n}
            for href, n in sorted(hrefs.items())
        ]

    return {"added": described(after - before, new), "removed": described(before - after, old)}


def _own_text(page: dict[str, Any] | None) -> str:
    if not _audited_page(page):
        return ""
    blocks = page.get("blocks") or []
    return text_hash(" ".join(str(b.get("text", "")) for b in blocks if b.get("kind") in _OWN_TEXT))


def _page_change(old: dict[str, Any] | None, new: dict[str, Any] | None, tally: Counter[str]) -> dict[str, Any] | None:
    """What changed on one page, or None when nothing the diff reports did."""
    links = _link_changes(old, new)
    score = {"before": _score(old), "after": _score(new)}
    disclosure = {"before": _disclosure(old), "after": _disclosure(new)}
    text_changed = _audited_page(old) and _audited_page(new) and _own_text(old) != _own_text(new)
    if old is None:
        status = "added"
    elif new is None:
        status = "removed"
    elif _audited_page(old) and not _audited_page(new):
        status = "not_audited"
    elif not _audited_page(old) and _audited_page(new):
        status = "audited_again"
    elif (
        tally["new"] or tally["fixed"] or links["added"] or links["removed"] or text_changed
        or score["before"] != score["after"] or disclosure["before"] != disclosure["after"]
    ):  # fmt: skip
        status = "changed"
    else:
        return None  # unchanged, or not audited either time
    page = new if new is not None else old or {}
    return {
        "url": page.get("url"),
        "status": status,
        "title": page.get("title"),
        "error": {"before": (old or {}).get("error"), "after": (new or {}).get("error")},
        "score": score,
        "disclosure": disclosure,
        "findings": {
            "before": _count_findings(old),
            "after": _count_findings(new),
            "new": tally["new"],
            "fixed": tally["fixed"],
            "persisting": tally["persisting"],
        },
        "affiliate_links": {"before": _link_count(old), "after": _link_count(new)},
        "links": links,
        "text_changed": bool(text_changed),
    }


def _score(page: dict[str, Any] | None) -> Any:
    return page.get("score") if _audited_page(page) else None


def _link_count(page: dict[str, Any] | None) -> Any:
    return (page.get("metrics") or {}).get("affiliate_links") if _audited_page(page) else None


def _count_findings(page: dict[str, Any] | None) -> int | None:
    return len(page.get("findings") or []) if _audited_page(page) else None


def _numbers(result: dict[str, Any]) -> dict[str, Any]:
    """The site numbers of a site result as its metrics give them; for one page, the same numbers of that page."""
    if is_site(result):
        metrics = result.get("metrics") or {}
        numbers = {key: metrics.get(key) for key in SITE_NUMBERS}
        numbers["placements"] = dict(metrics.get("placements") or {})
    else:
        audited = _audited_page(result)
        links = (result.get("metrics") or {}).get("affiliate_links", 0) if audited else 0
        disclosed = bool((result.get("disclosure") or {}).get("present"))
        placement = (result.get("disclosure") or {}).get("placement")
        numbers = {
            "pages": 1,
            "pages_audited": int(audited),
            "pages_with_affiliate_links": int(links > 0),
            "affiliate_links": links,
            "disclosure_coverage": (1.0 if disclosed else 0.0) if links > 0 else None,
            "score_mean": result.get("score") if audited else None,
            "placements": {placement: 1} if audited and placement else {},
        }
    numbers["score"] = result.get("score")
    return numbers


def _site_numbers(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each site number before and after, with the change where both are numbers."""
    before, after = _numbers(old), _numbers(new)
    out: dict[str, dict[str, Any]] = {}
    for key in ("score", *SITE_NUMBERS, "placements"):
        entry: dict[str, Any] = {"before": before.get(key), "after": after.get(key)}
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in entry.values()):
            entry["change"] = round(entry["after"] - entry["before"], 4)
        out[key] = entry
    return out

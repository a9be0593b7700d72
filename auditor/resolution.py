"""What a followed link's redirect chain says (--check-links), read from recorded chains after the pipeline.

Offline, a cloak such as /go/babbel is a guess from evidence on the page; `linkcheck` follows it and records where
it leads. This module reads that chain with the catalogue that classifies links (`links`, `networks`). A link is an
affiliate link "by redirect" when a URL of its chain off the publisher's site is a network's (an Awin click, an
Amazon link with its tag) or a shop's URL with an affiliate id. Each followed link gets one verdict:

- `broken`: the chain ends in HTTP 4xx or 5xx, so the reader lands on an error page;
- `tag_lost`: an affiliate link whose chain ends at a shop with no affiliate id, having passed no network that
  records the click on its own server: the commission is lost;
- `loop`: the chain comes back to a URL it passed, or goes on past MAX_HOPS redirects;
- `unverified`: the chain could not be followed (timeout, unknown host, refused, robots.txt, a server that kept
  answering 429 or 503), with the reason;
- `healthy`: none of these.

The per-page pipeline stays a pure function of (html, url, config): these are pure functions of a page result (the
JSON contract) and recorded chains, applied when a crawl's site result is assembled from its store and after
`auditor audit --check-links`. A page's own findings and figures stay those of its HTML; a link found affiliate only
by its redirect is counted apart (`affiliate_links_by_redirect`), and the page's notes say so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from auditor import networks
from auditor.contract import link_key, strip_credentials
from auditor.layout import Anchor
from auditor.links import Url, classify, cloak_prefix, target
from auditor.models import Site
from auditor.networks import Catalogue, host_facts, merchant_name, query_params
from auditor.wording import count

# At most this many redirects are followed, as a browser and `auditor audit` follow them (fetch.MAX_REDIRECTS)
MAX_HOPS = 10
Verdict = Literal["healthy", "broken", "tag_lost", "loop", "unverified"]
VERDICTS: tuple[Verdict, ...] = ("broken", "tag_lost", "loop", "unverified", "healthy")
# Click ids a network appends to the shop's URL as it redirects, from which the shop credits the sale: a chain that
# ends with one kept its commission. Each is the parameter its network's advertiser integration guide names: Awin
# `awc`, CJ `cjevent`, Impact `irclickid`, ShareASale `sscid`, Rakuten Advertising `ranSiteID` and `ranEAID`,
# Partnerize `clickref`, TUNE (HasOffers) `transaction_id`.
LANDING_IDS = frozenset(("awc", "cjevent", "irclickid", "sscid", "ransiteid", "raneaid", "clickref", "transaction_id"))
# A URL of a chain carries no evidence of the page around it: it is classified as a bare link
_BARE = Anchor(raw_href="", text="", rel=(), classes=(), data={}, piece=0, in_box=False, hidden=False)


def _page_site(url: str) -> str | None:
    found = target(url)
    return found.site if found is not None else None


def to_follow(links: Iterable[tuple[str, bool]], page_url: str, catalogue: Catalogue) -> list[str]:
    """The distinct links of a page a link check follows, in page order, from (href, affiliate) pairs: affiliate
    links, short links (bit.ly and the like: their target is unknown until followed), and the publisher's own
    cloak and redirect paths (/go/..., /out?url=...), marked on the page or not: following them is how an unmarked
    one is found out."""
    page_site = _page_site(page_url)
    found: dict[str, None] = {}
    for href, affiliate in links:
        url = target(href)
        if url is None:
            continue
        own = page_site is not None and url.site == page_site
        if affiliate or host_facts(catalogue, url.host)[1] is not None or (own and _redirect_path(url, catalogue)):
            found.setdefault(link_key(href), None)
    return list(found)


def _redirect_path(url: Url, catalogue: Catalogue) -> bool:
    """A path of the site's own that redirects: a cloak folder (/go/, /recommends/), or a redirect endpoint
    (/out, /redirect) given a target or an affiliate tag."""
    if cloak_prefix(catalogue, url.parts) is not None:
        return True
    endpoint = url.parts.path.rstrip("/").rsplit("/", 1)[-1].lower()
    if endpoint not in catalogue.endpoints or catalogue.cloak_ignore.search(url.parts.path or "/"):
        return False
    params = query_params(url.parts)
    return any(p in params for p in (*catalogue.target_params, *catalogue.tag_params))


class _Paid(NamedTuple):
    """A URL of a chain that pays the publisher: a network's link, or a shop's URL with an affiliate id."""

    url: Url
    network: str
    evidence: str
    merchant: str | None
    owner: str | None
    """The shop whose own programme it is (Amazon's tag=): its id must reach that shop's URL. None for a network
    that records the click on its own server (Awin, CJ, Impact ...) and for a publisher's commerce redirector."""


def _paid(href: str, page_site: str | None, catalogue: Catalogue) -> _Paid | None:
    url = target(href)
    if url is None or (page_site is not None and url.site == page_site):
        return None  # the site's own URLs say nothing of who is paid
    verdict = classify(_BARE, url, None, catalogue)
    if verdict.affiliate:
        network = next((n for n in catalogue.networks if n.id == verdict.network), None)
        owner: str | None = None
        if network is not None and network.merchant is True:
            owner = merchant_name(url.host)
        elif network is not None and isinstance(network.merchant, str):
            owner = network.merchant
        return _Paid(url, str(verdict.network), verdict.evidence, verdict.merchant, owner)
    params = query_params(url.parts)
    for name in sorted(catalogue.id_params & params.keys()):
        value = params[name]
        if "://" not in value and len(value) <= 64:
            shop = merchant_name(url.host)
            return _Paid(url, "merchant-id", f"{url.host}: {name}={value[:30]}", shop, shop)
    return None


def _stripped(url: Any) -> str | None:
    return strip_credentials(str(url)) if url is not None else None


def _checked_at(seconds: Any) -> str | None:
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def judge(
    link: Mapping[str, Any], followed: Mapping[str, Any], page_site: str | None, catalogue: Catalogue
) -> dict[str, Any]:
    """A link's `resolution` in the JSON contract: its chain as recorded (`linkcheck.follow`), and what it says."""
    # a Location may carry a user name and password: a result is shared and published, so they are taken out
    chain = [strip_credentials(str(u)) for u in followed.get("chain") or [link.get("href", "")]]
    status, error, final = followed.get("status"), followed.get("error"), followed.get("final_url")
    final = strip_credentials(str(final)) if final else None
    hops = [
        {**hop, "url": strip_credentials(str(hop.get("url"))), "location": _stripped(hop.get("location"))}
        for hop in followed.get("hops") or []
        if isinstance(hop, dict)
    ]
    paid = [p for p in (_paid(u, page_site, catalogue) for u in chain) if p is not None]
    end = target(str(final)) if error is None and final else None
    lost = False
    if end is not None and (page_site is None or end.site != page_site):
        tagged = any(p.url == end for p in paid) or bool(LANDING_IDS & query_params(end.parts).keys())
        # a network that names no shop of its own, or another shop's programme, recorded the click on the way
        tracked = any(p.owner != merchant_name(end.host) for p in paid if p.url != end and p.network != "redirector")
        # an id that was there to lose: a paid URL on the way, or the site's own cloak that the page marks as
        # affiliate (a shop link that never carried an id, a partner storefront say, has none to lose)
        first = target(chain[0])
        cloak = bool(link.get("affiliate")) and first is not None and page_site is not None and first.site == page_site
        lost = (bool(paid) or cloak) and not tagged and not tracked
    verdict: Verdict
    if error is not None:
        looped = len(set(chain)) < len(chain) or len(chain) > MAX_HOPS + 1
        verdict = "loop" if looped else "unverified"
        evidence = str(error)
    elif isinstance(status, int) and status >= 400:
        verdict, evidence = "broken", f"ends in HTTP {status} at {final}"
    elif lost:
        verdict = "tag_lost"
        dropped = f" (the affiliate id of {paid[-1].url.href} was dropped)" if paid else ""
        evidence = f"ends at {final} without an affiliate id{dropped}"
    else:
        verdict, evidence = "healthy", f"ends at {final}" + (f" (HTTP {status})" if status is not None else "")
    chosen = next((p for p in paid if p.network != "merchant-id"), paid[0] if paid else None)
    return {
        "chain": chain,
        "final_url": final if error is None else None,
        "status": status,
        "error": error,
        "checked_at": _checked_at(followed.get("checked_at")),
        "hops": hops,
        "verdict": verdict,
        "affiliate": chosen is not None,
        "network": chosen.network if chosen is not None else None,
        "merchant": chosen.merchant if chosen is not None else None,
        "evidence": evidence,
        "affiliate_evidence": chosen.evidence if chosen is not None else None,
    }


def apply(
    page: dict[str, Any], chains: Mapping[str, Mapping[str, Any]], catalogue: Catalogue | None = None
) -> dict[str, Any]:
    """The page result with a `resolution` on each link that was followed (keyed by `link_key`), and a link
    its chain shows to be affiliate marked as affiliate "by redirect". A page already resolved, a page that could
    not be audited and a page none of whose links was followed come back as they are."""
    if page.get("error") is not None or not chains:
        return page
    catalogue = catalogue or networks.load()
    page_site = _page_site(str(page.get("url", "")))
    out: list[Any] = []
    checked: set[str] = set()
    by_redirect = 0
    for link in page.get("links") or []:
        followed = chains.get(link_key(str(link.get("href", "")))) if isinstance(link, dict) else None
        if followed is None or "resolution" in link:
            out.append(link)
            continue
        resolution = judge(link, followed, page_site, catalogue)
        checked.add(link_key(str(link["href"])))
        link = {**link, "resolution": resolution}
        if resolution["affiliate"] and not link.get("affiliate"):
            redirects = count(len(resolution["chain"]) - 1, "redirect")
            link.update(
                affiliate=True,
                network=resolution["network"],
                merchant=resolution["merchant"],
                evidence=f"by redirect ({redirects}): {resolution['affiliate_evidence']}",
            )
            by_redirect += 1
        out.append(link)
    if not checked:
        return page
    metrics = {**(page.get("metrics") or {}), "links_checked": len(checked), "affiliate_links_by_redirect": by_redirect}
    notes = list(page.get("notes") or [])
    if by_redirect:
        its = "its" if by_redirect == 1 else "their"
        notes.append(
            f"{count(by_redirect, 'link')} turned out to be affiliate by following {its} redirects; the page's "
            "findings and figures judge what its HTML shows, without them"
        )
    return {**page, "links": out, "metrics": metrics, "notes": notes}


@dataclass(frozen=True, slots=True)
class Checked:
    """A distinct followed link of a site, with the pages that carry it (those that carry it most first)."""

    href: str
    resolution: dict[str, Any]
    pages: tuple[str, ...]


def checked_links(site: Site) -> list[Checked]:
    """Every distinct followed link of the site's audited pages, in the order the pages first name them."""
    found: dict[str, tuple[dict[str, Any], Counter[str]]] = {}
    for page in site.audited:
        for link in (page.result or {}).get("links") or []:
            resolution = link.get("resolution") if isinstance(link, dict) else None
            if not isinstance(resolution, dict):
                continue
            entry = found.setdefault(link_key(str(link.get("href", ""))), (resolution, Counter()))
            entry[1][page.url] += 1
    return [Checked(href, res, tuple(url for url, _ in pages.most_common())) for href, (res, pages) in found.items()]


def any_checked(site: Site) -> bool:
    """Whether any link of the site was followed: only then do the link-health rules have anything to judge."""
    return any(
        isinstance(link, dict) and isinstance(link.get("resolution"), dict)
        for page in site.audited
        for link in (page.result or {}).get("links") or []
    )

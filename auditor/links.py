"""Classify each anchor of a page: affiliate or not, which network, why, and which merchant it leads to.

In order: the network catalogue (tracking hosts, merchant id parameters, path shapes), known publisher
redirectors, then links the page itself marks: same-site cloaks and redirect endpoints, merchant links with an id
parameter, co-branded partner storefronts. The last three need evidence on the page (rel, data attributes,
classes, a buy button, a product box), so an ordinary internal link or a plain shop link is never claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from auditor.layout import Anchor
from auditor.networks import (
    Catalogue,
    Network,
    conditions_hold,
    forget_sites,
    host_facts,
    merchant_name,
    query_params,
    site_of,
)

_SCHEMES = ("http", "https")
_FALSE_VALUES = frozenset(("", "0", "false", "no", "none", "null", "undefined"))


@dataclass(frozen=True, slots=True)
class Verdict:
    affiliate: bool
    network: str | None
    evidence: str
    merchant: str | None = None
    unresolved: bool = False


NOT_AFFILIATE = Verdict(False, None, "")


class Url(NamedTuple):
    """An absolute link target, split once: every test below reads its parts (a named tuple: one is made per
    distinct link target of every page)."""

    href: str
    parts: SplitResult
    host: str
    site: str


def absolute(raw_href: str, base: str, origin: str = "") -> Url | None:
    """The absolute http(s) URL a browser would follow, or None for other schemes and unusable values.
    `origin` (scheme://host of the base) resolves the common site-absolute paths ("/about/") without urljoin."""
    try:
        if raw_href.startswith(("http://", "https://")) or not base:
            href = raw_href
        elif origin and raw_href[:1] == "/" and raw_href[1:2] != "/" and "/." not in raw_href:
            href = origin + raw_href
        else:
            href = urljoin(base, raw_href)
    except ValueError:
        return None
    return target(href)


def target(href: str) -> Url | None:
    """An absolute URL split into the parts the tests read, or None when it is no http(s) URL with a host."""
    found = _target_parts(href) if len(href) <= MAX_REMEMBERED_HREF else _target_parts.__wrapped__(href)
    if found is None:
        return None
    scheme, netloc, path, query, fragment, host, site = found
    return Url(href, SplitResult(scheme, netloc, path, query, fragment), host, site)


# The memo of `_target_parts`: the last 4,096 hrefs of at most 2,000 characters (the longest URL browsers and
# sitemaps are known to carry; longer ones are split each time), at most 8 MB, about 2 MB of ordinary links. A site's
# menus, footers and shop links repeat across its pages; 4,096 is far more than one page holds.
MAX_REMEMBERED_HREF = 2_000


@lru_cache(maxsize=4_096)
def _target_parts(href: str) -> tuple[str, str, str, str, str, str, str] | None:
    """`target`'s parts, remembered for the last URLs seen: the pages of a site link to the same menus, articles
    and shops. A plain tuple of strings, not the named tuples `target` returns: the cycle collector stops tracking
    such a tuple at its first collection, so the memo never reaches its older generations (in a process with a
    large heap, scikit-learn's alone is 50,000 objects, entries that did would bring on full collections that
    cost more than splitting the URLs again)."""
    try:
        parts = urlsplit(href)
        netloc = parts.netloc
        # a plain host name is its own hostname, lowercased; urllib parses the rest (user, port, IPv6, zone)
        plain = not ("@" in netloc or ":" in netloc or "[" in netloc or "%" in netloc)
        host = netloc.lower() if plain else parts.hostname
    except ValueError:
        return None
    host = host.rstrip(".") if host else host
    if parts.scheme.lower() not in _SCHEMES or not host:
        return None  # another scheme, or no host name ("http://..")
    return (*parts, host, site_of(host))


def forget_targets() -> None:
    """Empty the memos of link targets and of their hosts' sites (the speed benchmark times first sight)."""
    _target_parts.cache_clear()
    forget_sites()


def marking(anchor: Anchor, catalogue: Catalogue, weak: bool = False) -> str | None:
    """How the publisher marks the link itself as paid: rel, an affiliate data attribute or class, a "*" after it.
    With `weak`, rel="nofollow" counts too."""
    rels = catalogue.sponsored_rel | (catalogue.weak_rel if weak else frozenset())
    if any(r in rels for r in anchor.rel):
        return f'rel="{" ".join(anchor.rel)}"'
    for name, value in anchor.data.items():
        lowered = value.lower()
        named = name in catalogue.data_attributes and lowered not in _FALSE_VALUES
        if named or "affiliate" in name or "affiliate" in lowered[:400]:
            return f"{name} attribute"
    for cls in anchor.classes:
        if cls in catalogue.classes or cls.startswith(catalogue.plugin_classes):
            return f'class "{cls}"'
    if anchor.marked:
        return 'marked "*"'
    return None


def page_evidence(anchor: Anchor, catalogue: Catalogue, weak: bool = False) -> str | None:
    """Marking, or context: a buy/price call to action, or a place inside a product box."""
    marked = marking(anchor, catalogue, weak)
    if marked is not None:
        return marked
    if anchor.text and len(anchor.text) <= 80 and catalogue.cta.search(anchor.text):
        return f'call to action "{anchor.text[:40]}"'
    if anchor.in_box:
        return "inside a product box"
    return None


def _target_site(params: dict[str, str], keys: Sequence[str]) -> str | None:
    for key in keys:
        value = params.get(key)
        if value:
            value = unquote(value) if "%" in value else value
            try:
                host = urlsplit(value).hostname
            except ValueError:
                host = None
            if host:
                return host
    return None


def _network_verdict(
    catalogue: Catalogue, parts: SplitResult, host: str, anchor: Anchor, nets: tuple[Network, ...]
) -> Verdict | None:
    params: dict[str, str] | None = None
    if catalogue.generic_hint.search(f"{parts.path}?{parts.query}"):
        nets += catalogue.generic  # affiliate software on any host: only when a telltale name appears
    for net in nets:
        if (net.params or net.values) and params is None:
            params = query_params(parts)
        note = conditions_hold(net, parts, params or {})
        if note is None:
            continue
        if net.evidence:
            seen = page_evidence(anchor, catalogue)
            if seen is None:
                continue
            note = f"{note}; {seen}" if note else seen
        if params is None:
            params = query_params(parts)
        target = _target_site(params, net.target)
        merchant = merchant_name(target) if target else None
        if merchant is None and net.merchant:
            merchant = merchant_name(host) if net.merchant is True else str(net.merchant)
        where = "custom domain " + host if net.any_host else host
        return Verdict(True, net.id, f"{net.name}: {where}" + (f" ({note})" if note else ""), merchant)
    return None


def _cloak(
    catalogue: Catalogue, parts: SplitResult, anchor: Anchor, page_site: str, in_content: bool
) -> Verdict | None:
    """A link on the publisher's own site that redirects to a shop for money. rel="nofollow" alone is evidence
    only in the page's content: menus and footers nofollow redirects to the site's own apps and sister sites."""
    path = parts.path or "/"
    if catalogue.cloak_ignore.search(path):
        return None
    for cls in anchor.classes:
        if cls.startswith(catalogue.plugin_classes):
            return Verdict(True, "cloak", f'same-site cloak {path[:50]} (class "{cls}")')
    endpoint = path.rstrip("/").rsplit("/", 1)[-1].lower() in catalogue.endpoints
    prefixed = catalogue.cloak_paths.search(path) is not None
    if not (endpoint or prefixed):
        return None  # the common case: an ordinary page of the site
    params = query_params(parts)
    target = _target_site(params, catalogue.target_params)
    redirect = endpoint and target is not None and site_of(target) != page_site
    tagged = next((n for n in catalogue.tag_params if catalogue.tag_value.match(params.get(n, ""))), None)
    if not (redirect or prefixed or (endpoint and tagged)):
        return None
    merchant = merchant_name(target) if target else None
    if tagged is not None:
        return Verdict(True, "cloak", f"same-site redirect {path[:50]} ({tagged}={params[tagged]})", merchant)
    seen = page_evidence(anchor, catalogue, weak=in_content)
    if seen is None:
        return None
    return Verdict(True, "cloak", f"same-site redirect {path[:50]} ({seen})", merchant)


def _marked_merchant(catalogue: Catalogue, parts: SplitResult, anchor: Anchor, host: str) -> Verdict | None:
    """A shop link the publisher marks as paid and that carries an id parameter of the shop's own programme."""
    params = query_params(parts)
    names = catalogue.id_params & params.keys()
    if not names:
        return None
    seen = marking(anchor, catalogue)  # rel="nofollow" alone is too common on outbound links to count here
    if seen is None:
        return None
    for name in sorted(names):
        value = params[name]
        if "://" not in value and "%3a" not in value.lower() and len(value) <= 64:
            return Verdict(True, "merchant-id", f"{host}: {name}={value[:30]} ({seen})", merchant_name(host))
    return None


def classify(anchor: Anchor, url: Url, page_site: str | None, catalogue: Catalogue, in_content: bool = True) -> Verdict:
    """Decide whether one link is an affiliate link, and say why. `in_content`: the link is in the page's content,
    not in its header, navigation or footer."""
    parts, host = url.parts, url.host
    nets, redirector, negatives = host_facts(catalogue, host)
    for negative in negatives:
        if conditions_hold(negative, parts, query_params(parts)) is not None:
            return Verdict(False, None, f"not affiliate: {negative.name}")
    if anchor.text and len(anchor.text) <= 60 and catalogue.signup_text.search(anchor.text):
        return Verdict(False, None, f'not affiliate: a programme sign-up link ("{anchor.text[:40]}")')
    verdict = _network_verdict(catalogue, parts, host, anchor, nets)
    if verdict is not None:
        return verdict
    if redirector is not None:
        if redirector.unresolved:
            return Verdict(False, None, f"{redirector.name}: {host}", unresolved=True)
        return Verdict(True, "redirector", f"{redirector.name}: {host}")
    if page_site is not None and url.site == page_site:
        return _cloak(catalogue, parts, anchor, page_site, in_content) or NOT_AFFILIATE
    return _marked_merchant(catalogue, parts, anchor, host) or NOT_AFFILIATE


def cobranded(
    urls: Sequence[Url],
    anchors: Sequence[Anchor],
    verdicts: list[Verdict],
    page_site: str | None,
    catalogue: Catalogue,
) -> list[Verdict]:
    """Links to a partner's storefront branded with the publisher's name (<publisher>.<shop>.com): once the page
    marks one of them as affiliate, every link to that storefront is one."""
    if page_site is None:
        return verdicts
    name = page_site.split(".")[0]
    hosts: dict[str, str] = {}
    for url, anchor, verdict in zip(urls, anchors, verdicts, strict=True):
        host = url.host
        if verdict.affiliate or host.split(".")[0] != name or url.site == page_site:
            continue
        seen = marking(anchor, catalogue)
        if seen is not None:
            hosts.setdefault(host, seen)
    if not hosts:
        return verdicts
    out = list(verdicts)
    for i, url in enumerate(urls):
        host = url.host
        if host in hosts and not out[i].affiliate:
            out[i] = replace(
                out[i],
                affiliate=True,
                network="cobranded",
                merchant=merchant_name(host),
                evidence=f"partner storefront {host} branded with the publisher's name ({hosts[host]})",
            )
    return out


def cloak_prefix(catalogue: Catalogue, parts: SplitResult) -> str | None:
    """The folder of a same-site cloak path ("/en/go/" of "/en/go/babbel/"), or None for an ordinary path."""
    path = parts.path or "/"
    if catalogue.cloak_ignore.search(path) or not catalogue.cloak_paths.search(path):
        return None
    return path.rstrip("/").rsplit("/", 1)[0] + "/"


def cloak_siblings(
    urls: Sequence[Url],
    verdicts: Sequence[Verdict],
    in_content: Sequence[bool],
    page_site: str | None,
    catalogue: Catalogue,
    disclosed: bool = False,
) -> dict[int, Verdict]:
    """Same-site cloak links that lack evidence of their own but share it with the page: another link in the same
    cloak folder is affiliate (a site's /go/ links all pass one redirector), or, for links in the page's content,
    the page discloses affiliate links (`disclosed`). Returns the new verdicts by link index."""
    if page_site is None:
        return {}
    marked: dict[str, str] = {}
    bare: list[tuple[int, str]] = []
    for i, (url, verdict) in enumerate(zip(urls, verdicts, strict=True)):
        if url.site != page_site or (verdict.affiliate and verdict.network != "cloak"):
            continue
        prefix = cloak_prefix(catalogue, url.parts)
        if prefix is None:
            continue
        if verdict.affiliate:
            marked.setdefault(prefix, url.parts.path)
        else:
            bare.append((i, prefix))
    found: dict[int, Verdict] = {}
    for i, prefix in bare:
        path = urls[i].parts.path[:50]
        if prefix in marked:
            why = f"same-site redirect {path} (in the folder of the affiliate link {marked[prefix][:50]})"
        elif disclosed and in_content[i]:
            why = f"same-site redirect {path} (in the content of a page that discloses affiliate links)"
        else:
            continue
        found[i] = Verdict(True, "cloak", why)
    return found

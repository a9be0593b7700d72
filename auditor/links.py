"""Classify each anchor of a page: affiliate or not, which network, why, and which merchant it leads to."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from auditor.layout import Anchor
from auditor.networks import Catalogue, candidates, conditions_hold, merchant_name, query_params, site_of

_SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class Verdict:
    affiliate: bool
    network: str | None
    evidence: str
    merchant: str | None = None
    unresolved: bool = False


NOT_AFFILIATE = Verdict(False, None, "")


def absolute(raw_href: str, base: str) -> str | None:
    """The absolute http(s) URL a browser would follow, or None for other schemes and unusable values."""
    try:
        href = urljoin(base, raw_href) if base else raw_href
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        return None
    return href


def page_evidence(anchor: Anchor, catalogue: Catalogue) -> str | None:
    """What the page says about a link (rel, data attributes, plugin classes, call to action, product box)."""
    sponsored = [r for r in anchor.rel if r in catalogue.sponsored_rel]
    if sponsored:
        return f'rel="{" ".join(anchor.rel)}"'
    for name, value in anchor.data.items():
        if name in catalogue.data_attributes or "affiliate" in name or "affiliate" in value.lower()[:200]:
            return f"{name} attribute"
    for cls in anchor.classes:
        if any(cls.startswith(p) for p in catalogue.plugin_classes):
            return f'class "{cls}"'
    if anchor.text and len(anchor.text) <= 80 and catalogue.cta.search(anchor.text):
        return f'call to action "{anchor.text[:40]}"'
    if anchor.in_box:
        return "inside a product box"
    return None


def _plugin_class(anchor: Anchor, catalogue: Catalogue) -> str | None:
    for cls in anchor.classes:
        if any(cls.startswith(p) for p in catalogue.plugin_classes):
            return cls
    return None


def _target_host(params: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = params.get(key)
        if value:
            value = unquote(value) if "%" in value else value
            try:
                host = urlsplit(value).hostname
            except ValueError:
                host = None
            if host:
                return merchant_name(host)
    return None


def _network_verdict(catalogue: Catalogue, parts: SplitResult, host: str, anchor: Anchor) -> Verdict | None:
    nets = candidates(catalogue, host)
    params: dict[str, str] | None = None
    for net in (*nets, *catalogue.generic):
        if net.params and params is None:
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
        merchant = _target_host(params, net.target)
        if merchant is None and net.merchant:
            merchant = merchant_name(host) if net.merchant is True else str(net.merchant)
        where = "custom domain " + host if net.any_host else host
        return Verdict(True, net.id, f"{net.name}: {where}" + (f" ({note})" if note else ""), merchant)
    return None


def classify(anchor: Anchor, href: str, page_site: str | None, catalogue: Catalogue) -> Verdict:
    """Decide whether one link is an affiliate link, and say why."""
    parts = urlsplit(href)
    host = (parts.hostname or "").lower().rstrip(".")
    verdict = _network_verdict(catalogue, parts, host, anchor)
    if verdict is not None:
        return verdict
    labels = host.split(".")
    for i in range(len(labels) - 1):
        redirector = catalogue.redirectors.get(".".join(labels[i:]))
        if redirector is not None:
            if redirector.unresolved:
                return Verdict(False, None, f"{redirector.name}: {host}", unresolved=True)
            return Verdict(True, "redirector", f"{redirector.name}: {host}")
    site = site_of(host)
    if page_site is not None and site == page_site:
        path = parts.path or "/"
        if catalogue.cloak_ignore.search(path):
            return NOT_AFFILIATE
        plugin = _plugin_class(anchor, catalogue)
        if plugin is not None:
            return Verdict(True, "cloak", f'same-site cloak {path[:50]} (class "{plugin}")')
        if catalogue.cloak_paths.search(path):
            seen = page_evidence(anchor, catalogue)
            if seen is not None:
                return Verdict(True, "cloak", f"same-site redirect {path[:50]} ({seen})")
    return NOT_AFFILIATE

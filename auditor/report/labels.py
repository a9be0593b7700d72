"""The plain words the reports (text and HTML, and the crawl's summary) show for the raw values of a result: a
placement, a disclosure form, a region, a network id, each evidence key a check writes with its number, how many
pages were audited and what was audited. A person reads "after the first
affiliate link" and "42% down the page", never `after_first_affiliate_link` or 0.423; the JSON keeps those."""

from __future__ import annotations

import tomllib
from collections import Counter
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from auditor.rulefiles import rules_dir
from auditor.wording import clip, count, plural, share

PLACEMENTS = {
    "before_first_affiliate_link": "before the first affiliate link",
    "after_first_affiliate_link": "after the first affiliate link",
    "footer_only": "only in the footer",
    "no_affiliate_links": "no affiliate links on the page",
    "none": "no disclosure",
}
DISCLOSURE_KINDS = {
    "explanatory": "explains the earnings",
    "label_only": "a label only",
    "link_only": "a link only",
    "none": "none",
}
REGIONS = {"header": "header", "nav": "navigation", "main": "main content", "aside": "sidebar", "footer": "footer"}
LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch",
             "pt": "Portuguese", "pl": "Polish", "sv": "Swedish", "da": "Danish", "ja": "Japanese"}  # fmt: skip
# Link classes the link finder names itself, beside the networks of rules/networks.toml
NETWORKS = {
    "cloak": "same-site redirect",
    "merchant-id": "shop's own programme",
    "cobranded": "partner storefront",
    "redirector": "commerce redirector",
}
SCRIPTS = {"amazon_onelink": "Amazon OneLink", "skimlinks": "Skimlinks", "viglink": "VigLink (Sovrn)"}

# Each evidence key a check writes: its label and how its value reads. Formats: "int" (1,234), "num" (1 decimal),
# "pct" (a 0..1 share as 42%), "position" (0..1 down the page), "words", "block", "blocks" (links to blocks),
# "text", "list", "urls", "url", "placement", "kind", "scripts", "network" (its name). Keys shown apart (pairs,
# pages) are in _APART.
EVIDENCE: dict[str, tuple[str, str]] = {
    "placement": ("Disclosure", "placement"),
    "links_before": ("Affiliate links before the disclosure", "int"),
    "first_link_block": ("First affiliate link", "block"),
    "disclosure_block": ("First disclosure", "block"),
    "first_link_position": ("First link's position", "position"),
    "disclosure_position": ("Disclosure's position", "position"),
    "first_link": ("First affiliate link", "url"),
    "text": ("Text", "text"),
    "texts": ("Texts", "list"),
    "coverage": ("Coverage", "pct"),
    "min_coverage": ("Expected at least", "pct"),
    "plug": ("Plug", "text"),
    "missing_terms": ("Plug words the article lacks", "list"),
    "shared_terms": ("Words shared with the article", "list"),
    "plugs": ("Plugs", "int"),
    "blocks": ("Blocks", "blocks"),
    "merchant": ("Shop", "text"),
    "links": ("Affiliate links", "int"),
    "affiliate_links": ("Affiliate links", "int"),
    "max_distance_words": ("Farthest link from a disclosure", "words"),
    "max_words": ("Allowed distance", "words"),
    "farthest_block": ("Farthest link", "block"),
    "kind": ("Disclosure form", "kind"),
    "terms": ("Vague words", "list"),
    "services": ("Scripts", "scripts"),
    "density": ("Affiliate links per 1,000 words", "num"),
    "max": ("Ceiling per 1,000 words", "num"),
    "ceiling": ("Ceiling per 1,000 words", "num"),
    "median": ("Site median per 1,000 words", "num"),
    "words_editorial": ("Editorial words", "int"),
    "words_affiliate": ("Words in affiliate blocks", "int"),
    "examples": ("For example", "urls"),
    "count": ("Copies", "int"),
    "variants": ("Spellings", "int"),
    "sentence": ("Sentence", "text"),
    "heading": ("Section", "text"),
    "sentences": ("Sentences in the section", "int"),
    "restating": ("Restating the body", "int"),
    "share": ("Share", "pct"),
    "min_similarity": ("Counted as a restatement from", "pct"),
    "max_share": ("Ceiling", "pct"),
    "pages_with_links": ("Pages with affiliate links", "int"),
    "undisclosed": ("Pages without a disclosure", "int"),
    "similarity": ("Similarity", "pct"),
    "threshold": ("Counted as near-copies from", "pct"),
    "href": ("Link", "url"),
    "final_url": ("Ends at", "url"),
    "status": ("HTTP status", "int"),
    "error": ("Why it stopped", "text"),
    "redirects": ("Redirects", "int"),
    "chain": ("Redirect chain", "urls"),
    "network": ("Network", "network"),
}
# Where one key means something else under one rule
EVIDENCE_BY_RULE: dict[tuple[str, str], tuple[str, str]] = {
    ("content-off-topic-plug", "coverage"): ("Plug words the article uses", "pct"),
    ("site-disclosure-coverage", "coverage"): ("Pages with links that disclose", "pct"),
    ("content-affiliate-share", "share"): ("Text inside affiliate blocks", "pct"),
    ("repetition-faq", "share"): ("Share restating the body", "pct"),
    ("repetition-summary", "share"): ("Share restating the body", "pct"),
    ("site-footer-disclosure", "share"): ("Share of pages with links", "pct"),
    ("site-repeated-blocks", "share"): ("Share of pages", "pct"),
    ("site-footer-disclosure", "count"): ("Pages", "int"),
    ("site-repeated-blocks", "count"): ("Pages", "int"),
    ("site-near-duplicates", "count"): ("Pages", "int"),
    ("site-density-outliers", "count"): ("Pages", "int"),
    ("disclosure-label-only", "texts"): ("Disclosure texts", "list"),
    ("disclosure-link-only", "texts"): ("Link texts", "list"),
    ("disclosure-vague", "text"): ("Disclosure", "text"),
    ("repetition-disclosure", "text"): ("Disclosure", "text"),
    ("site-repeated-blocks", "text"): ("Block", "text"),
    ("site-footer-disclosure", "text"): ("Footer disclosure", "text"),
    ("repetition-sentence", "blocks"): ("Where it recurs", "blocks"),
    ("repetition-disclosure", "blocks"): ("Where it recurs", "blocks"),
    **{
        (rule, "count"): ("Pages", "int")
        for rule in ("links-broken", "links-tag-lost", "links-redirect-loop", "links-unverified")
    },
}
_APART = frozenset(("pairs", "pages", "differences", "densities"))
_SHOWN_APART = {"content-plugs": frozenset(("blocks", "texts"))}


@cache
def _network_names() -> dict[str, str]:
    data = tomllib.loads((rules_dir() / "networks.toml").read_text(encoding="utf-8"))
    return {str(n["id"]): str(n["name"]) for n in data.get("network", ()) if "id" in n and "name" in n}


def network_name(network: Any) -> str:
    """A link's network as a person knows it (Amazon Associates), not its id (amazon-shortlink)."""
    if not network:
        return "unknown"
    name = str(network)
    return NETWORKS.get(name) or _network_names().get(name) or name.replace("_", " ").replace("-", " ")


def plain(value: Any) -> str:
    """A vocabulary value (snake_case) as words."""
    text = str(value)
    return PLACEMENTS.get(text) or DISCLOSURE_KINDS.get(text) or text.replace("_", " ")


def points(weight: Any) -> str:
    """What a finding takes off the score ("-8 points", with a minus sign), or "no points" when a rule's cap has
    already spent its share."""
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        return "no points"
    return f"−{weight:g} point" + ("" if weight == 1 else "s")


def disclosure_line(page: dict[str, Any]) -> str:
    """The page's disclosure in a few words: what form it takes and where it stands."""
    d = page.get("disclosure") or {}
    if not d.get("present"):
        return "none needed (no affiliate links)" if not page_links(page) else "none"
    return f"{plain(d.get('kind'))}, {plain(d.get('placement'))}"


def page_links(page: dict[str, Any]) -> int:
    value = (page.get("metrics") or {}).get("affiliate_links", 0)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def number(value: Any, decimals: int = 1) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{decimals}f}"


def percent(value: Any) -> str:
    """A 0..1 share as a person says it ("23%", "none", "all"), as messages word it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return share(value)


def _items(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def evidence_rows(rule: str, evidence: Any) -> list[dict[str, Any]]:
    """A finding's evidence as labelled rows: {label, kind, value}; kind "blocks"/"block" rows hold block ids
    (the template links them), "urls"/"url" rows URLs, every other row a string."""
    if not isinstance(evidence, dict):
        return []
    rows = []
    for key, value in evidence.items():
        if key in _APART or key in _SHOWN_APART.get(rule, ()) or value is None or value == [] or value == {}:
            continue
        label, form = EVIDENCE_BY_RULE.get((rule, key)) or EVIDENCE.get(key) or (_label(key), _guess(value))
        if form in ("block", "blocks"):
            ids = [b for b in _items(value) if isinstance(b, int) and not isinstance(b, bool)]
            if ids:
                rows.append({"label": label, "kind": "blocks", "value": ids[:40]})
            continue
        if form in ("url", "urls"):
            rows.append({"label": label, "kind": "urls", "value": [str(u) for u in _items(value)][:5]})
            continue
        rows.append({"label": label, "kind": "text", "value": _formatted(form, value), "form": form})
    return rows


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _guess(value: Any) -> str:
    if isinstance(value, float) and 0 <= value <= 1:
        return "pct"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "num"
    return "list" if isinstance(value, list | dict) else "text"


def _formatted(form: str, value: Any) -> str:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if form == "pct" and numeric:
        return percent(value)
    if form == "position" and numeric:
        return f"{percent(value)} down the page"
    if form == "words" and numeric:
        return count(int(value), "word")
    if form in ("int", "num") and numeric:
        return number(value)
    if form in ("placement", "kind") and isinstance(value, str):
        return plain(value)
    if form == "network":
        return network_name(value)
    if form == "scripts":
        return ", ".join(SCRIPTS.get(str(s), str(s).replace("_", " ")) for s in _items(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | dict):
        return ", ".join(clip(str(v), 200) for v in _items(value)[:20])
    return clip(str(value), 400)


def host(url: Any) -> str:
    try:
        name = urlsplit(str(url)).hostname or ""
    except ValueError:
        return ""
    return name.removeprefix("www.")


def crawl_of(page: dict[str, Any]) -> dict[str, Any]:
    crawl = page.get("crawl")
    return crawl if isinstance(crawl, dict) else {}


def site_heading(site: dict[str, Any]) -> dict[str, str]:
    """What was audited, for the title: the host of a crawl, the host of results that all come from one site,
    or "12 sites" (and how many WARC files, when the pages say) for a batch that spans many; pages read from
    files, which have no host, count as files."""
    pages = site.get("pages", [])
    hosts = Counter(host(p.get("url")) for p in pages)
    named = [h for h, _ in hosts.most_common() if h]
    files = hosts.get("", 0)
    warcs = {str(crawl_of(p)["warc"]) for p in pages if crawl_of(p).get("warc")}
    crawled = any(crawl_of(p).get("depth") is not None for p in pages)
    start = host(site.get("start_url"))
    total = count(len(pages), "page")
    if crawled and start:
        return {"title": start, "subtitle": f"Crawl from {site.get('start_url')}: {total}", "kind": "crawl"}
    if len(named) == 1 and not files:
        return {"title": named[0], "subtitle": f"{total} of one site", "kind": "site"}
    parts = [count(len(named), "site")] if named else []
    parts += [count(files, "file")] if files else []
    parts += [count(len(warcs), "WARC file")] if warcs else []
    shown = ", ".join(named[:3]) + (f" and {len(named) - 3:,} more" if len(named) > 3 else "")
    title = ", ".join(parts) or "no pages"
    return {"title": title, "subtitle": f"{total} from {shown}" if shown else total, "kind": "batch"}


# The reasons a page was not audited (auditor.site.NOT_AUDITED) that are nouns, in the plural
_REASONS = {"redirect": "redirects", "redirect loop": "redirect loops", "HTTP error": "HTTP errors"}


def pages_line(metrics: dict[str, Any]) -> str:
    """How many pages, audited and not (by reason): the words the crawl's summary and every report share."""
    line = f"{count(metrics['pages'], 'page')}: {metrics['pages_audited']:,} audited"
    reasons = metrics.get("not_audited") or {}
    if metrics["pages_failed"]:
        why = ", ".join(f"{n:,} {plural(n, reason, _REASONS.get(reason, reason))}" for reason, n in reasons.items())
        line += f", {metrics['pages_failed']:,} not audited" + (f" ({why})" if why else "")
    return line

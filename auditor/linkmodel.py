"""The link model: a logistic regression over a link's shape, its element and its page, for the links that the
catalogue cannot settle (same-site cloaks without a marker, merchants' own programmes, link services it does not
list). Knowledge stays first: the model only adds links the catalogue left plain, never overrules it.

The model ships as plain JSON (`rules/link-model.json`, see `linear`), trained by `auditor train`.
Features are general by design: words that name redirects and ids in any programme, never a host or an id seen on
a labelled page, so that what it learns holds on sites it has not seen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from auditor import linear
from auditor.layout import Anchor
from auditor.linear import LinearModel
from auditor.links import Url
from auditor.models import Link
from auditor.networks import Catalogue, site_of
from auditor.rulefiles import rules_dir

# Words that name a redirect or a click in URLs of every affiliate mechanism (the catalogue's own cloak folders
# and endpoints, networks' documented click paths: /c/, click.php, /track/, go.php, Proxy.ashx, r.cfm ...).
REDIRECT_WORDS = frozenset(
    "go goto out outbound click clk redirect redir visit aff affiliate affiliates apply recommends recommend refer "
    "ref track tracking trk link links proxy jump exit away deal deals offer offers buy shop partner partners "
    "referral promo c t r l e".split()
)
# Query parameter names by which programmes carry a publisher or campaign id (Amazon tag, Awin awinaffid, CJ
# sid, Impact irclickid, Rakuten ranEAID, HasOffers aff_id, PartnerStack gspk ...): a name containing one of these.
ID_NAME_PARTS = ("tag", "aff", "partner", "pid", "ref", "sid", "subid", "camp", "cid", "clickid", "publisher")
# Query parameter names that carry the destination of a redirect.
TARGET_NAMES = frozenset("u url murl dest destination target to t link goto redirect ued p diurl gr_url r".split())
_PRICE = re.compile(r"[$€£¥]\s?\d|\d\s?[$€£¥]|\b(usd|eur|gbp)\b", re.I)
_CODE = re.compile(r"^[A-Za-z0-9]{4,10}$")
_BUTTON = re.compile(r"btn|button|cta|call-to-action")
# A redirect word standing alone between separators of the path ("/go/", "go.php", "/en/go/"), not inside a word.
_REDIRECT = re.compile(r"(?<![a-z0-9])(" + "|".join(sorted(REDIRECT_WORDS, key=len, reverse=True)) + r")(?![a-z0-9])")
_SCRIPTS = frozenset(("php", "asp", "aspx", "ashx", "cfm"))


def load(folder: Path | None = None) -> LinearModel | None:
    """The shipped link model, or the one in a folder of retrained models; None where none is shipped."""
    return linear.load((folder or rules_dir()) / "link-model.json", "links", required=folder is not None)


@dataclass(frozen=True, slots=True)
class PageContext:
    """What the page says about its links as a whole."""

    site: str | None
    discloses: bool
    """The page carries an affiliate disclosure of any kind."""
    catalogued: int
    """Links the catalogue settled as affiliate on this page."""
    per_host: Mapping[str, int]
    """How many links of the page go to each host."""


def shape(url: Url, page: PageContext, catalogue: Catalogue) -> dict[str, float]:
    """The features of the link's URL: where it goes, the words of its host and path, what its query carries."""
    parts = url.parts
    found: dict[str, float] = {}
    same_site = page.site is not None and url.site == page.site
    found["same_site" if same_site else "other_site"] = 1.0
    if url.host.split(".", 1)[0] in REDIRECT_WORDS:
        found["host_redirect_word"] = 1.0
    path = parts.path or "/"
    for word in _REDIRECT.findall(path.lower()):
        found[f"path:{word}"] = 1.0
    code = path.strip("/")
    if "/" not in code and _CODE.match(code) and not code.islower() and not code.isalpha():
        found["path_short_code"] = 1.0  # a short link's code: mixed case with digits ("G15OL", "3uwo2aD")
    if path.rsplit(".", 1)[-1].lower() in _SCRIPTS and "." in path.rsplit("/", 1)[-1]:
        found["path_script"] = 1.0
    params = parse_qsl(parts.query, keep_blank_values=False) if parts.query else []
    name_of_site = page.site.split(".")[0] if page.site else None
    for name, value in params:
        lowered = name.lower()
        if any(p in lowered for p in ID_NAME_PARTS):
            found["param_id_name"] = 1.0
        if lowered in TARGET_NAMES or "://" in value or value.lower().startswith(("http%3a", "https%3a")):
            inner = unquote(value) if "%" in value else value
            if "://" in inner:
                found["param_url"] = 1.0
                host = inner.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].lower()
                if host and site_of(host) != url.site:
                    found["param_url_other_site"] = 1.0
        if catalogue.tag_value.match(value):
            found["value_associate_id"] = 1.0
        if name_of_site and len(name_of_site) >= 4 and name_of_site in value.lower() and not same_site:
            found["value_names_publisher"] = 1.0
    if params:
        found["params"] = min(len(params), 6) / 6
    return found


def features(anchor: Anchor, url: Url, in_content: bool, page: PageContext, catalogue: Catalogue) -> dict[str, float]:
    """The link's features: its URL's shape, its element, its page. Binary unless named otherwise."""
    found = shape(url, page, catalogue)
    _add_element(found, anchor, in_content, page, url, catalogue)
    return found


def _add_element(
    found: dict[str, float], anchor: Anchor, in_content: bool, page: PageContext, url: Url, catalogue: Catalogue
) -> None:
    """The features of the link's element and of its page."""
    if any(r == "sponsored" for r in anchor.rel):
        found["rel_sponsored"] = 1.0
    if any(r == "nofollow" for r in anchor.rel):
        found["rel_nofollow"] = 1.0
    if any("aff" in k or "aff" in v.lower()[:200] for k, v in anchor.data.items()):
        found["data_affiliate"] = 1.0
    if any(_BUTTON.search(c) for c in anchor.classes):
        found["class_button"] = 1.0
    if anchor.in_box:
        found["in_product_box"] = 1.0
    if anchor.marked:
        found["marked_star"] = 1.0
    text = anchor.text.strip()
    if text and len(text) <= 80 and catalogue.cta.search(text):
        found["text_call_to_action"] = 1.0
    if _PRICE.search(text):
        found["text_price"] = 1.0
    if not anchor.has_text:
        found["image_link"] = 1.0
    found["in_content" if in_content else "in_chrome"] = 1.0
    if page.discloses:
        found["page_discloses"] = 1.0
    if page.catalogued:
        found["page_has_catalogued"] = 1.0
    found["host_links"] = min(page.per_host.get(url.host, 1), 20) / 20


# Verdicts of the catalogue's page-evidence rules (cloaks, merchant ids, partner storefronts): the model learns
# from these links as well as from those the catalogue left plain, but never from host-named networks.
RULE_NETWORKS = frozenset(("cloak", "merchant-id", "cobranded"))
# The URL shapes that make a link a candidate at all: the model is never asked about an ordinary link.
_CANDIDATE = ("param_url", "param_id_name", "path_short_code", "host_redirect_word", "value_associate_id")


def _may_be_candidate(url: Url) -> bool:
    """A quick test of what `shape` would find: a query, or a redirect word or short code in host or path."""
    path = url.parts.path
    return bool(
        url.parts.query
        or url.host.split(".", 1)[0] in REDIRECT_WORDS
        or (path and path != "/" and (_REDIRECT.search(path.lower()) or _CODE.match(path.strip("/"))))
    )


def candidate(features: Mapping[str, float]) -> bool:
    """Whether the link has a shape that affiliate mechanisms use: a redirect word, an id or a URL in its query."""
    return any(name in features for name in _CANDIDATE) or any(name.startswith("path:") for name in features)


def apply(
    model: LinearModel,
    found: Sequence[Link],
    kept: Sequence[tuple[Anchor, Url]],
    in_content: Sequence[bool],
    page: PageContext,
    catalogue: Catalogue,
) -> list[Link]:
    """The page's links with the model's verdict on those the catalogue left plain; a link the catalogue names
    (a lookalike, an unresolvable short link) carries evidence and is left as it is."""
    out = list(found)
    for i, (link, (anchor, target), content) in enumerate(zip(found, kept, in_content, strict=True)):
        if link.affiliate or link.evidence:
            continue
        if not _may_be_candidate(target):
            continue  # most links: no query, no redirect word, no short code
        shown = shape(target, page, catalogue)  # the URL alone tells whether the link is a candidate at all
        if not candidate(shown):
            continue
        _add_element(shown, anchor, content, page, target, catalogue)
        p = model.probability(shown)
        if p >= model.threshold:
            out[i] = link._replace(
                affiliate=True, network="model", evidence=f"link model, p={p:.2f}: {model.why(shown)}"
            )
    return out

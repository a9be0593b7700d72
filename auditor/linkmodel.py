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
_TOKEN = re.compile(r"[^a-z0-9]+")


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


def features(anchor: Anchor, url: Url, in_content: bool, page: PageContext, catalogue: Catalogue) -> dict[str, float]:
    """The link's features: its URL's shape, its element, its page. Binary unless named otherwise."""
    parts = url.parts
    found: dict[str, float] = {}
    same_site = page.site is not None and url.site == page.site
    found["same_site" if same_site else "other_site"] = 1.0
    first = url.host.split(".")[0]
    if first in REDIRECT_WORDS:
        found["host_redirect_word"] = 1.0
    path = parts.path or "/"
    segments = [s for s in path.split("/") if s]
    for word in {w for s in segments for w in _TOKEN.split(s.lower())} & REDIRECT_WORDS:
        found[f"path:{word}"] = 1.0
    if len(segments) == 1 and _CODE.match(segments[0]) and not segments[0].islower() and not segments[0].isalpha():
        found["path_short_code"] = 1.0  # a short link's code: mixed case with digits ("G15OL", "3uwo2aD")
    if "." in path.rsplit("/", 1)[-1] and path.rsplit(".", 1)[-1].lower() in ("php", "asp", "aspx", "ashx", "cfm"):
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
    return found


# Verdicts of the catalogue's page-evidence rules (cloaks, merchant ids, partner storefronts): the model learns
# from these links as well as from those the catalogue left plain, but never from host-named networks.
RULE_NETWORKS = frozenset(("cloak", "merchant-id", "cobranded"))
# The URL shapes that make a link a candidate at all: the model is never asked about an ordinary link.
_CANDIDATE = ("param_url", "param_id_name", "path_short_code", "host_redirect_word", "value_associate_id")


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
        shown = features(anchor, target, content, page, catalogue)
        if not candidate(shown):
            continue
        p = model.probability(shown)
        if p >= model.threshold:
            out[i] = link._replace(
                affiliate=True, network="model", evidence=f"link model, p={p:.2f}: {model.why(shown)}"
            )
    return out

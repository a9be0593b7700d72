"""What kind of page it is (news, review, roundup, how-to, deals, recipe, listing, other), learned from the
corpus labels' `page_type` with a multinomial logistic regression over what a page says of itself: the types in
its structured data, the words of its title, address and headings, and the shape of its selling. Product plugs
inside a news story are the canonical bad page's whole problem; a review or a roundup is expected to sell.

Ships as plain JSON (`rules/page-type-model.json`, one linear model per type: `linear.SoftmaxModel`), trained by
`auditor train`; the type is the one whose model scores highest."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from auditor import linear
from auditor.linear import SoftmaxModel
from auditor.rulefiles import rules_dir

TYPES = ("news", "review", "roundup", "howto", "deals", "recipe", "listing", "other")
FILE = "page-type-model.json"
KIND = "page-type"
_WORD = re.compile(r"[^\W\d_]{3,}")
_LD_TYPE = re.compile(r'"@type"\s*:\s*\[?\s*"([A-Za-z]+)"')
_NUMBERED = re.compile(r"^\s*(#?\d{1,2}[.):]|\d{1,2}\s*[-–—])\s*\S")
_YEAR_PATH = re.compile(r"/(19|20)\d\d/")


def load(folder: Path | None = None) -> SoftmaxModel | None:
    """The shipped model, or the one in a folder of retrained models; None where there is none (a user's corpus
    whose labels give no page types)."""
    return linear.load_softmax((folder or rules_dir()) / FILE, KIND)


def structured_types(scripts: Iterable[etree._Element]) -> set[str]:
    """The schema.org types a page's JSON-LD declares (NewsArticle, Recipe, Review, Product ...)."""
    found: set[str] = set()
    for script in scripts:
        if (script.get("type") or "").strip().lower() == "application/ld+json" and script.text:
            found.update(_LD_TYPE.findall(script.text[:200_000]))
    return found


def features(
    title: str | None,
    path: str,
    headings: Iterable[str],
    ld_types: Iterable[str],
    affiliate_links: int,
    main_words: int,
    boxes: int,
) -> dict[str, float]:
    """Words of the title ("t:"), the address path ("u:") and the headings ("h:"), the structured-data types
    ("ld:"), and the shape of the page's selling and structure."""
    found: dict[str, float] = {}
    for word in _WORD.findall((title or "").lower()):
        found[f"t:{word}"] = 1.0
    for word in _WORD.findall(path.lower()):
        found[f"u:{word}"] = 1.0
    heads = list(headings)
    for head in heads:
        for word in _WORD.findall(head.lower()):
            found[f"h:{word}"] = 1.0
    for kind in ld_types:
        found[f"ld:{kind.lower()}"] = 1.0
    if _YEAR_PATH.search(path):
        found["path_has_year"] = 1.0
    numbered = sum(1 for head in heads if _NUMBERED.match(head))
    found["numbered_headings"] = min(numbered, 10) / 10
    found["headings"] = min(len(heads), 30) / 30
    found["affiliate_links"] = min(affiliate_links, 40) / 40
    found["product_boxes"] = min(boxes, 10) / 10
    found["words"] = min(main_words, 4000) / 4000
    return found

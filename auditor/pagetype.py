"""What kind of page it is (news, review, roundup, how-to, deals, recipe, listing, other), learned from the
corpus labels' `page_type` with a multinomial logistic regression over what a page says of itself: the types in
its structured data, the words of its title, address and headings, and the shape of its selling. Product plugs
inside a news story are the canonical bad page's whole problem; a review or a roundup is expected to sell.

Ships as plain JSON (`rules/page-type-model.json`, one linear model per type, see `linear`), trained by
`auditor train`; the type is the one whose model scores highest."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from auditor.errors import ConfigError
from auditor.rulefiles import rules_dir

TYPES = ("news", "review", "roundup", "howto", "deals", "recipe", "listing", "other")
FILE = "page-type-model.json"
FORMAT = "auditor/page-type-model@1"
_WORD = re.compile(r"[^\W\d_]{3,}")
_LD_TYPE = re.compile(r'"@type"\s*:\s*\[?\s*"([A-Za-z]+)"')
_NUMBERED = re.compile(r"^\s*(#?\d{1,2}[.):]|\d{1,2}\s*[-–—])\s*\S")
_YEAR_PATH = re.compile(r"/(19|20)\d\d/")


@dataclass(frozen=True, slots=True)
class PageTypeModel:
    intercepts: Mapping[str, float]
    weights: Mapping[str, Mapping[str, float]]
    """Per type, its feature weights."""
    card: Mapping[str, Any] = field(default_factory=dict)
    by_feature: Mapping[str, tuple[tuple[str, float], ...]] = field(init=False, repr=False, compare=False)
    """The same weights by feature: a page has few of the model's features, so they are looked up once each."""

    def __post_init__(self) -> None:
        table: dict[str, list[tuple[str, float]]] = {}
        for kind, weights in self.weights.items():
            for name, weight in weights.items():
                table.setdefault(name, []).append((kind, weight))
        object.__setattr__(self, "by_feature", {name: tuple(pairs) for name, pairs in table.items()})

    def scores(self, features: Mapping[str, float]) -> dict[str, float]:
        """The probability of each type (softmax of the types' linear scores)."""
        z = dict(self.intercepts)
        for name, value in features.items():
            for kind, weight in self.by_feature.get(name, ()):
                z[kind] += weight * value
        top = max(z.values())
        exp = {t: math.exp(v - top) for t, v in z.items()}
        total = sum(exp.values())
        return {t: v / total for t, v in exp.items()}

    def predict(self, features: Mapping[str, float]) -> tuple[str, float]:
        scores = self.scores(features)
        best = max(scores, key=scores.__getitem__)
        return best, scores[best]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "intercepts": dict(self.intercepts),
            "weights": {t: dict(sorted(w.items())) for t, w in self.weights.items()},
            "card": dict(self.card),
        }


def load(folder: Path | None = None) -> PageTypeModel | None:
    """The shipped model, or the one in a folder of retrained models; None where there is none (a user's corpus
    whose labels give no page types). Read once per version of the file."""
    source = (folder or rules_dir()) / FILE
    try:
        stamp = source.stat().st_mtime_ns
    except OSError:
        return None
    return _load(source, stamp)


@cache
def _load(source: Path, stamp: int) -> PageTypeModel:
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        weights = {str(t): {str(k): float(v) for k, v in w.items()} for t, w in data["weights"].items()}
        intercepts = {str(t): float(v) for t, v in data["intercepts"].items()}
        if set(weights) != set(intercepts) or len(weights) < 2:
            raise ValueError("two types or more, each with weights and an intercept")
        return PageTypeModel(intercepts, weights, data.get("card", {}))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"cannot read the page-type model {source}: {exc}") from None


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

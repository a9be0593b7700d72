"""Affiliate plugs about something the article does not discuss (the seed page's "testing kits" under a story
about an acquisition): most of the plug's distinctive words never occur in the article, and those that do are
only the article's backdrop (the words it uses everywhere), not what it is about; or, under a story about a
named subject (a company, a product), the plug names nothing the story is about."""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks import Evidence
from auditor.models import Page
from auditor.textmodel import Coverage, main_blocks, split_sentences, terms
from auditor.wording import clip

DEFAULTS: Mapping[str, Any] = {
    "min_coverage": 0.3,
    "min_article_words": 150,
    "min_plug_terms": 3,
    "max_plug_words": 40,
    "max_affiliate_share": 0.35,
    "story_types": ["news", "review", "other"],
    "min_subject_share": 0.2,
    "ignore": [
        "buy",
        "check",
        "price",
        "prices",
        "shop",
        "deal",
        "deals",
        "amazon",
        "view",
        "see",
        "now",
        "order",
        "kaufen",
        "angebot",
        "preis",
        "jetzt",
        "bei",
        "bestellen",
    ],
}


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    if page.metrics["affiliate_text_share"] > options["max_affiliate_share"]:
        return  # a deals list or a shop page: the plugs are the content, there is no other topic to stray from
    blocks = main_blocks(page)
    # shop names say where to buy, not what the plug is about
    merchants = {link.merchant for link in page.affiliate_links if link.merchant}
    shops = {m for merchant in merchants for m in terms(merchant)}
    ignore = frozenset(options["ignore"]) | shops
    plugs = [
        (block, found)
        for block in blocks
        if block.kind == "affiliate"
        and block.words <= options["max_plug_words"]
        and len(found := _described(block.text, ignore)) >= options["min_plug_terms"]
    ]
    article = [b for b in blocks if b.kind == "editorial"]
    if not plugs or sum(b.words for b in article) < options["min_article_words"]:
        return
    texts = [s for b in article for s in split_sentences(b.text)]
    article_terms = Coverage([*texts, page.title or ""], ignore)
    # What the page is about: the names in its title (words the article writes capitalised mid-sentence, so
    # "Acme X200" and "Helios" but not "solar"), less the field's words the plugs share among themselves ("AI"
    # in three of four plugs under an AI story). A one-product review's title names its product.
    in_plugs = Counter(t for _, plug in plugs for t in plug)
    joined = " ".join(texts)
    names = terms(" ".join(_NAME.findall(joined)), ignore)
    subject = {t for t in terms(page.title or "", ignore) if t in names and in_plugs[t] < 2}
    proper: set[str] = set()
    story: set[str] = set()
    if subject and page.page_type is not None and page.page_type.type in options["story_types"]:
        proper = _proper_names(joined, ignore)
        story = _story_subject(options, article_terms, {t for t in subject & proper if in_plugs[t] < 2})
    for block, plug in plugs:
        coverage = _coverage(article_terms, plug, subject)
        # under a story about a named subject: a plug that names none of the article's names, and is a kind of
        # thing the article never mentions ("workstations", "kits"), is about the story's field, not the story
        unnamed = (
            bool(story)
            and not terms(block.text, ignore) & proper
            and _head(block.text, ignore) not in article_terms.vocabulary
        )
        if coverage < options["min_coverage"] or unnamed:
            # a reader is shown the plug's words as it writes them ("software", not the stem "softwar")
            written = _as_written(block.text, ignore)
            shared = [t for t in written if t in article_terms.vocabulary]
            yield Evidence(
                block.id,
                {
                    "coverage": round(coverage, 3),
                    "min_coverage": options["min_coverage"],
                    # the story's subject as the article writes it, when the plug names none of its names
                    "story_subject": _names_as_written(joined, story) if unnamed else [],
                    "plug": clip(block.text, 160),
                    "missing_terms": [w for t, w in written.items() if t not in article_terms.vocabulary][:10],
                    # the shared words, with the share of the article's sentences that use each
                    "shared_terms": {
                        written[t]: round(article_terms.frequency[t] / article_terms.n, 3) for t in shared[:10]
                    },
                },
            )


def _described(text: str, ignore: frozenset[str]) -> set[str]:
    """The terms that say what a plug is about: a model number ("MM400", "RX100", "M18") names which product it
    is, not what, and an article that discusses multimeters need not name every model it recommends."""
    return {term for term in terms(text, ignore) if not any(c.isdigit() for c in term)}


# The word pattern `terms` reads (textmodel's), applied to the text as written rather than lowercased.
_WORD = re.compile(r"[^\W\d_][\w'-]*")


def _as_written(text: str, ignore: frozenset[str], numbers: bool = False) -> dict[str, str]:
    """Each term of the text, in the order the text first uses it, with the word as the text first writes it;
    terms with digits only when asked for `numbers` (a name such as "A7", not a plug's model number)."""
    read = terms if numbers else _described
    written: dict[str, str] = {}
    for word in _WORD.findall(text):
        for term in read(word, ignore):
            written.setdefault(term, word)
    return written


# A word written capitalised after a lowercase word, a comma or a colon: a name, not a sentence's first word.
_NAME = re.compile(r"(?<=[a-z,;:] )[A-Z][\w-]*")
# A word in capitals ("GPU", "GPUs", "AI"): most are the field's common nouns, not the name of what a story is about.
_ACRONYM = re.compile(r"[A-Z]+s?")


def _names_as_written(text: str, found: set[str]) -> list[str]:
    """The names as the text first writes them ("Sony A7", not the stems "soni", "a7"), in alphabetical order of
    their stems."""
    written = _as_written(text, frozenset(), numbers=True)
    return [written.get(t, t) for t in sorted(found)]


# Where a product title ends and its details begin: "Spare battery for mirrorless cameras", "AI Systems
# Performance Engineering: Optimizing Model Training ...", "Kettle X, 1.7 litres", "Kettle X - 29 €".
_DETAILS = re.compile(r"\s[-–—|]\s|[:,(\[|]|\s(?:for|with|by|from|für|mit|von)\s", re.I)


def _head(text: str, ignore: frozenset[str]) -> str | None:
    """What a plug is: the last word of its title that says so ("workstations" in "AI development workstations
    Check price on Amazon", "battery" in "Spare battery for mirrorless cameras"); None if it has none."""
    title = _DETAILS.split(text, maxsplit=1)[0]
    found = [term for word in _WORD.findall(title) for term in _described(word, ignore)]
    return found[-1] if found else None


# Months and weekdays are written as names, but a story dated "in March" is not about March.
_CALENDAR = frozenset(w.lower() for w in (*calendar.month_name, *calendar.day_name) if w)


def _proper_names(text: str, ignore: frozenset[str]) -> set[str]:
    """The terms the text writes only as names: capitalised mid-sentence and never in lowercase ("SpaceX",
    "Cursor", "Stadia"; not "Lemon", which a recipe also writes "lemon"), less words in capitals and dates."""
    lowercase = {w for w in _WORD.findall(text) if w[0].islower()}
    names = (w for w in _NAME.findall(text) if not _ACRONYM.fullmatch(w))
    return terms(" ".join(w for w in names if w.lower() not in lowercase and w.lower() not in _CALENDAR), ignore)


def _story_subject(options: Mapping[str, Any], article: Coverage, named: set[str]) -> set[str]:
    """What a story is about, when it is about someone or something named: the proper names of its title that at
    least `min_subject_share` of its sentences use ("SpaceX" in a story about its acquisition of Cursor). A plug
    under such a story is about it only when it names one of the article's names. Only stories are asked: how-tos,
    roundups, deal lists and recipes (page types not in `story_types`) are not, their plugs are the tools and
    goods they discuss."""
    if not article.n:
        return set()
    return {t for t in named if article.frequency.get(t, 0) >= options["min_subject_share"] * article.n}


def _coverage(article: Coverage, plug: set[str], subject: frozenset[str] | set[str] = frozenset()) -> float:
    """The share of the plug's content that the article covers, discounted for the article's backdrop.

    Each plug word weighs by how distinctive it is in the article (smoothed IDF over its sentences: a word the
    article never uses weighs most), as `Coverage` does. A word the article uses counts as covered, but only by the
    share of the article's sentences that do *not* use it: a word found in most sentences ("AI" under an AI news
    story, "kettle" in a kettle review) is the article's backdrop, so sharing it shows that the plug is in the
    article's field, not that the article discusses it; a word found in a few sentences (a product's name, the
    thing a paragraph is about) counts almost fully. So a plug made of the field's common words and a product the
    article never mentions ("AI model performance testing kits") covers little of the article, while a plug
    whose own distinctive words occur in it (the reviewed kettle's brand and model) still covers most. A word of
    the page's `subject` (the names in its title, less the words the plugs share) is what the article is about,
    and counts fully however often it is used: a one-product review names its product in every sentence."""
    if not plug or not article.n:
        return 0.0
    total = covered = 0.0
    for term in plug:
        found = article.frequency.get(term, 0)
        weight = article.weight(term)
        total += weight
        if term in subject:
            covered += weight
        elif found:
            covered += weight * (1 - found / article.n)
    return covered / total

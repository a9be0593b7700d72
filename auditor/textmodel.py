"""Sentences and TF-IDF vectors of a page's main text, computed once per page and shared by the checks."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from math import log, sqrt
from typing import Any, NamedTuple

from auditor import native
from auditor.language import STOPWORDS
from auditor.models import Block, Page

# a sentence ends at its mark; closing quotes and brackets after the mark, and the space, are dropped
_SENTENCE_END = re.compile(r"([.!?…])[\"'”’)\]]*\s+(?=\S)")
_WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
_SUFFIXES = ("ing", "ed", "es", "s", "en", "er", "e")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_ascii_key = compiled.ascii_key if (compiled := native.compiled()) is not None else None
TEXT_KINDS = frozenset(("editorial", "affiliate", "disclosure"))
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # the TF-IDF model's words: two or more word characters


class Sentence(NamedTuple):
    block: int
    text: str
    key: str
    """Lowercased words only: two sentences with the same key read the same."""
    words: int


def split_sentences(text: str) -> list[str]:
    if not any(mark in text for mark in ".!?…"):
        return [text] if text.strip() else []  # a heading, a label, a list item: one sentence
    parts = _SENTENCE_END.split(text)  # text, mark, text, mark, ..., text
    ended = [parts[i] + parts[i + 1] for i in range(0, len(parts) - 1, 2)] + [parts[-1]]
    return [s.strip() for s in ended if s.strip()]


def key_of(text: str) -> str:
    """A sentence's words, lowercased, one space between them (the compiled module keys text alike when its
    letters and digits are ASCII: most English text, typographic punctuation and all)."""
    key = _ascii_key(text) if _ascii_key is not None else None
    return key if key is not None else _NON_WORD.sub(" ", text.lower()).strip()


def main_blocks(page: Page) -> list[Block]:
    """The blocks a reader reads as the page's content (not menus, not the template around it)."""
    cached = page.memo.get("main_blocks")
    if cached is None:
        cached = page.memo["main_blocks"] = [b for b in page.blocks if b.text and reads_as_main(b.region, b.kind)]
    return list(cached)


def reads_as_main(region: str | None, kind: str | None) -> bool:
    """Whether a block of this region and kind is part of what a reader reads as the page's content."""
    return region == "main" and kind in TEXT_KINDS


def main_text(blocks: Iterable[Mapping[str, Any]]) -> str:
    """The main text of a page result in the JSON contract: what `main_blocks` reads, joined (a site's
    near-duplicate pass compares these)."""
    return " ".join(b["text"] for b in blocks if reads_as_main(b.get("region"), b.get("kind")))


def main_text_of(blocks: Iterable[Block]) -> str:
    """`main_text` of a page result's own blocks, before they are written as JSON."""
    return " ".join(b.text for b in blocks if reads_as_main(b.region, b.kind))


def sentences(page: Page) -> list[Sentence]:
    cached = page.memo.get("sentences")
    if cached is None:
        cached = [
            Sentence(block.id, text, key_of(text), len(text.split()))
            for block in main_blocks(page)
            for text in split_sentences(block.text)
        ]
        page.memo["sentences"] = cached
    return list(cached)


# TF-IDF written out, not scikit-learn's vectoriser: a page compares at most a few hundred short sentences, which
# takes a few dictionaries, while importing the vectoriser took 1.3 s of every command's start and left some 70,000
# objects (scikit-learn's and SciPy's) in the process, each visited by every full collection of the cycle collector.
Vector = dict[str, float]


def vectorize(texts: Sequence[str]) -> list[Vector]:
    """L2-normalised TF-IDF vectors of the texts (words of two or more letters, lowercased; sublinear tf,
    1 + log(count); smoothed IDF learnt from these texts, ln((1 + n) / (1 + df)) + 1), term -> weight: the
    weighting of scikit-learn's TfidfVectorizer(sublinear_tf=True)."""
    counts = [Counter(_TOKEN.findall(text.lower())) for text in texts]
    frequency = Counter(term for count in counts for term in count)
    n = len(texts)
    idf = {term: log((1 + n) / (1 + df)) + 1 for term, df in frequency.items()}
    vectors = []
    for count in counts:
        weights = {term: (1 + log(k)) * idf[term] for term, k in count.items()}
        norm = sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({term: w / norm for term, w in weights.items()})
    return vectors


def cosines(rows: Sequence[Vector], columns: Sequence[Vector]) -> list[dict[int, float]]:
    """For each row, its cosine similarity to each column that shares a term with it (the others are 0)."""
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for j, column in enumerate(columns):
        for term, weight in column.items():
            postings[term].append((j, weight))
    found = []
    for row in rows:
        similar: dict[int, float] = defaultdict(float)
        for term, weight in row.items():
            for j, other in postings.get(term, ()):
                similar[j] += weight * other
        found.append(similar)
    return found


def similar_pairs(texts: Sequence[str], threshold: float) -> list[tuple[int, int]]:
    """The pairs (i < j) of texts whose TF-IDF cosine similarity (the `vectorize` model) is at least `threshold`."""
    if len(texts) < 2:
        return []
    vectors = vectorize(texts)
    return sorted(
        (i, j)
        for i, similar in enumerate(cosines(vectors, vectors))
        for j, value in similar.items()
        if i < j and value >= threshold - 1e-9  # an exact copy may score 0.9999999999999998
    )


def terms(text: str, ignore: frozenset[str] = frozenset()) -> set[str]:
    """Content words, lowercased, with a light suffix strip so that "kits" meets "kit"."""
    return {
        _stem(word) if len(word) <= MAX_REMEMBERED_WORD else _stem.__wrapped__(word)
        for word in _WORD.findall(text.lower())
        if len(word) >= 2 and word not in STOPWORDS and word not in ignore
    }


def forget_stems() -> None:
    _stem.cache_clear()


def stemmed(text: str) -> str:
    """The text's words (the TF-IDF model's tokens), lowercased and each reduced to its stem, as `Coverage` sees
    them: a similarity measured on these agrees with the novelty measure on which words are the same."""
    return " ".join(
        _stem(word) if len(word) <= MAX_REMEMBERED_WORD else _stem.__wrapped__(word)
        for word in _TOKEN.findall(text.lower())
    )


# The memo of `_stem`: the last 16,384 words of at most 30 letters (longer ones are stemmed each time), about
# 4 MB at most: a site's working vocabulary, held however many pages a process reads.
MAX_REMEMBERED_WORD = 30


@lru_cache(maxsize=16_384)
def _stem(word: str) -> str:
    """The word without its first matching suffix, if at least four letters remain (a vocabulary repeats its
    words, so each is stemmed once)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            if word[-1] == word[-2] and word[-1] not in "aeiouls":  # "shopping" -> "shopp" -> "shop"
                word = word[:-1]
            break
    return word


class Coverage:
    """How much of a text's content a reference text already says: the IDF-weighted share of its terms that
    occur in the reference. A term's weight is its rarity in the reference (smoothed IDF over the reference's
    sentences), so words the reference never uses weigh most and words every sentence shares weigh least."""

    def __init__(self, reference: Iterable[str], ignore: frozenset[str] = frozenset()) -> None:
        self.ignore = ignore
        sentences = [terms(text, ignore) for text in reference]
        self.vocabulary: set[str] = set().union(*sentences) if sentences else set()
        self.frequency: dict[str, int] = {}
        for sentence in sentences:
            for term in sentence:
                self.frequency[term] = self.frequency.get(term, 0) + 1
        self.n = len(sentences)

    def weight(self, term: str) -> float:
        """The term's rarity in the reference: smoothed IDF over its sentences."""
        return log((1 + self.n) / (1 + self.frequency.get(term, 0))) + 1

    def of(self, text: str) -> float:
        found = terms(text, self.ignore)
        if not found:
            return 0.0
        weight = {t: self.weight(t) for t in found}
        return sum(w for t, w in weight.items() if t in self.vocabulary) / sum(weight.values())

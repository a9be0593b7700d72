"""Disclosure statements by meaning, where the wording patterns find none: a logistic regression over the
character n-grams of the sentences that carry a disclosure keyword ("SeniorLiving.org is supported by commissions
from providers listed on our site", a card labelled "Amazon Affiliate"), trained on the corpus's labelled
statements (`auditor train`). The patterns stay the first judge: they name the kind and the vague terms, and
their sources are regulators' guidance; the model speaks only on a page that sells and where they found nothing,
after its links are judged (its statements make no cloak an affiliate link).

Features: the lowercased sentence's character 3- to 5-grams within words (each word padded with a space, as
scikit-learn's `char_wb` analyser pads it), counted, each count taken as 1 + log(count), the vector scaled to unit
length over the n-grams the model knows. `auditor train` fits with scikit-learn's vectoriser given `grams` as its
analyser, so training and audit read a sentence the same way; the audit computes the same vector by hand, because
importing scikit-learn costs an audit a second."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

from auditor import disclosures, linear
from auditor.disclosures import BlockText, Wording, keyword_hits
from auditor.linear import LinearModel
from auditor.models import DisclosureKind, Statement
from auditor.rulefiles import rules_dir
from auditor.textmodel import split_sentences

FILE = "disclosure-model.json"
KIND = "disclosures"
# A candidate: a sentence of at most this many words with a disclosure keyword, in a block of at most BLOCK_WORDS
# (an article's whole text is not one statement; a disclosure is a line or a short paragraph).
SENTENCE_WORDS = 60
BLOCK_WORDS = 400
MIN_CHARS = 8
# A statement this short names the links ("Amazon Affiliate") rather than explaining who earns what.
LABEL_WORDS = 4
_SPACES = re.compile(r"\s+")


def keywords() -> list[str]:
    """The wording file's keywords, which choose the sentences the model reads (its card records them: a model
    fitted on other candidates would meet sentences it never learnt from)."""
    return sorted(disclosures.wording().keywords.all())


def load(folder: Path | None = None) -> LinearModel | None:
    """The shipped disclosure model, or the one in a folder of retrained models; None where there is none (a
    folder being trained has none yet: its pages are read with the patterns alone)."""
    return linear.load((folder or rules_dir()) / FILE, KIND, required=False)


def grams(text: str) -> list[str]:
    """The character 3- to 5-grams of each word of the lowercased text, the word padded with a space each side; a
    padded word no longer than n gives itself once, and no longer grams."""
    out: list[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in (3, 4, 5):
            if len(padded) <= n:
                out.append(padded)
                break
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def vector(text: str, known: Collection[str]) -> dict[str, float]:
    """The sentence's features as the model was fitted on them: sublinear counts of its known n-grams, unit length."""
    counts = Counter(g for g in grams(text) if g in known)
    if not counts:
        return {}
    values = {g: 1.0 + math.log(c) for g, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values()))
    return {g: v / norm for g, v in values.items()}


def candidates(blocks: Sequence[BlockText], words: Wording) -> Iterator[tuple[BlockText, str]]:
    """Each sentence that could be a statement: short, in a short block, with a disclosure keyword. A label of a
    few words counts only as the patterns count one: beside affiliate text links, not in an ad slot, and not made
    of the text of a link (a menu's "Affiliate" category)."""
    for index in keyword_hits(blocks, words):
        block = blocks[index]
        if block.words > BLOCK_WORDS or block.text in block.link_texts:
            continue
        for sentence in split_sentences(block.text):
            size = len(sentence.split())
            if len(sentence) < MIN_CHARS or size > SENTENCE_WORDS or not words.keywords.starts(sentence.lower()):
                continue
            if size <= LABEL_WORDS and (
                block.ad_slot or not block.text_link_near or any(t in sentence for t in block.link_texts)
            ):
                continue
            yield block, sentence


def find(blocks: Sequence[BlockText], words: Wording, model: LinearModel) -> list[Statement]:
    """The statements the model finds, in document order: label-only when a few words, else explanatory."""
    found: list[Statement] = []
    for block, sentence in candidates(blocks, words):
        if model.probability(vector(sentence, model.weights)) < model.threshold:
            continue
        kind: DisclosureKind = "label_only" if len(sentence.split()) <= LABEL_WORDS else "explanatory"
        vague = tuple(sorted({m.group(0).strip().lower() for m in words.vague.finditer(sentence)}))
        found.append(Statement(sentence, kind, block.id, block.region, block.id, vague, block.hidden))
    return found

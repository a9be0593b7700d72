"""Sentence keys and TF-IDF similarity: near copies are found and unrelated sentences are not; sentence keys are
the same compiled or not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import textmodel
from auditor.textmodel import key_of, similar_pairs

WORDS = "kettle pour spout water boil steel handle price deal a I 3 déjà-vu naïve Größe 42mm x".split()
sentences = st.lists(st.sampled_from(WORDS), min_size=0, max_size=14).map(" ".join)


def test_near_copies_are_found_in_small_and_large_sets() -> None:
    base = "The gooseneck kettle pours a steady stream and holds its temperature for an hour"
    texts = [base, base.replace("steady", "slow"), "Our budget pick is a plain stovetop kettle with a loud whistle"]
    assert similar_pairs(texts, 0.7) == [(0, 1)]
    padded = texts + [f"grinder{n} filter{n} roast{n} bean{n}" for n in range(30)]
    assert similar_pairs(padded, 0.7) == [(0, 1)]


@settings(max_examples=200, deadline=None)
@given(st.lists(sentences, min_size=0, max_size=12), st.sampled_from([0.5, 0.8, 0.9]))
def test_a_sentence_and_its_copy_are_a_pair(texts: list[str], threshold: float) -> None:
    """Every pair is ordered and in range, and a sentence with words of two letters or more is found beside its
    own copy, whatever else the set holds (including sets of only empty or one-letter texts)."""
    probe = "gooseneck kettle pours steadily"
    found = similar_pairs([*texts, probe, probe], threshold)
    n = len(texts)
    assert all(0 <= i < j < n + 2 for i, j in found)
    assert (n, n + 1) in found


@settings(max_examples=3000, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("aZ 09.,-_'\t\n\x1c\x7fé\u00a0Σ’–\u0301ⒶⅠİ\U0001d400")), max_size=30)
    | st.text(max_size=30)
)
def test_sentence_keys_are_the_pattern_keys(text: str) -> None:
    """Sentences whose letters and digits are ASCII are keyed by the compiled module (when built) as the pattern
    keys every sentence: typographic punctuation, combining marks, circled letters (symbols with a case), Roman
    numerals and mathematical letters (word characters beyond ASCII) are in the alphabet."""
    assert key_of(text) == textmodel._NON_WORD.sub(" ", text.lower()).strip()


@settings(max_examples=200, deadline=None)
@given(st.lists(sentences, min_size=1, max_size=10))
def test_tf_idf_weights_are_scikit_learns(texts: list[str]) -> None:
    """The hand-written vectors weigh every word as scikit-learn's TfidfVectorizer does (sublinear tf, smoothed
    IDF, L2 norm), the model the repetition thresholds were chosen with."""
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    reference = sklearn_text.TfidfVectorizer(sublinear_tf=True, token_pattern=None, tokenizer=textmodel._TOKEN.findall)
    try:
        matrix = reference.fit_transform(texts).toarray()
    except ValueError:  # no word of two letters in any text
        assert all(vector == {} for vector in textmodel.vectorize(texts))
        return
    vocabulary = reference.get_feature_names_out()
    for row, vector in zip(matrix, textmodel.vectorize(texts), strict=True):
        expected = {str(vocabulary[k]): float(w) for k, w in enumerate(row) if w}
        assert vector.keys() == expected.keys()
        assert all(abs(vector[t] - expected[t]) < 1e-9 for t in expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=0, max_size=40))
def test_shingle_hashes_count_the_distinct_word_five_grams(words: list[str]) -> None:
    """One hash per distinct 5-gram of the lowercased words (\\w+), a text of fewer words is one shingle, and
    the hashes of a 5-gram do not depend on the text around it."""
    from auditor.neardup import _WORD, shingle_hashes

    text = " ".join(words)
    tokens = _WORD.findall(text.lower())
    grams = {tuple(tokens[i : i + 5]) for i in range(max(1, len(tokens) - 4))} if tokens else set()
    hashes = shingle_hashes(text)
    assert len(hashes) == len(grams) and all(0 <= h < 2**32 for h in hashes)  # 32-bit: no collision among these
    if len(tokens) >= 5:
        assert set(shingle_hashes(" ".join(tokens[:5]))) <= set(hashes)

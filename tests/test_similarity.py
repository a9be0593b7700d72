"""Sentence keys and TF-IDF similarity: the direct similarity of small sentence sets agrees with scikit-learn's,
which serves larger sets; sentence keys are the same compiled or not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import textmodel
from auditor.textmodel import DIRECT_MAX_TEXTS, key_of, similar_pairs, tfidf_rows, vectorize

WORDS = "kettle pour spout water boil steel handle price deal a I 3 déjà-vu naïve Größe 42mm x".split()
sentences = st.lists(st.sampled_from(WORDS), min_size=0, max_size=14).map(" ".join)


def sklearn_similarity(texts: list[str]) -> list[list[float]]:
    matrix = vectorize(texts)
    return (matrix @ matrix.T).toarray().tolist()  # type: ignore[no-any-return]


def direct_similarity(texts: list[str]) -> list[list[float]]:
    rows = tfidf_rows(texts)
    return [[sum(w * b.get(t, 0.0) for t, w in a.items()) for b in rows] for a in rows]


@settings(max_examples=300, deadline=None)
@given(st.lists(sentences, min_size=2, max_size=DIRECT_MAX_TEXTS))
def test_direct_similarities_match_scikit_learn(texts: list[str]) -> None:
    expected, found = sklearn_similarity(texts), direct_similarity(texts)
    for i in range(len(texts)):
        for j in range(len(texts)):
            if i != j:
                assert abs(expected[i][j] - found[i][j]) < 1e-5, (texts[i], texts[j])


@settings(max_examples=300, deadline=None)
@given(st.lists(sentences, min_size=2, max_size=DIRECT_MAX_TEXTS), st.sampled_from([0.5, 0.8, 0.9]))
def test_pairs_over_a_threshold_match_scikit_learn(texts: list[str], threshold: float) -> None:
    similarity = sklearn_similarity(texts)
    sure = {(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts)) if similarity[i][j] >= threshold + 1e-5}
    maybe = {
        (i, j) for i in range(len(texts)) for j in range(i + 1, len(texts)) if similarity[i][j] >= threshold - 1e-5
    }
    found = set(similar_pairs(texts, threshold))
    assert sure <= found <= maybe


def test_near_copies_are_found_by_both_paths() -> None:
    base = "The gooseneck kettle pours a steady stream and holds its temperature for an hour"
    texts = [base, base.replace("steady", "slow"), "Our budget pick is a plain stovetop kettle with a loud whistle"]
    direct = similar_pairs(texts, 0.7)
    assert direct == [(0, 1)]
    padded = texts + [f"grinder{n} filter{n} roast{n} bean{n}" for n in range(30)]
    assert len(padded) > DIRECT_MAX_TEXTS
    assert similar_pairs(padded, 0.7) == [(0, 1)]


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

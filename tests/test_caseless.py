"""Caseless finds what a case-insensitive pattern finds, on any text, at the same places."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.caseless import Caseless, lowercased, lowers_exactly
from auditor.disclosures import wording

LETTERS = "aAfFsSiIkK_/ ıİſKßẞéÉ"
words = st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=5), min_size=0, max_size=5)
# text with letters of every kind: ASCII, letters that lowercase to ASCII or to two characters, letters beyond
# ASCII, and characters without case (typographic punctuation, the no-break space)
TEXT = st.text(alphabet=LETTERS + "’–…\xa0.!?-[]-xyzZ0", max_size=30)
# small patterns built from the pieces that matter here: letters of all kinds, classes, ranges, escapes
PATTERN = st.lists(
    st.sampled_from(
        [
            "a",
            "S",
            "k",
            "ı",
            "ſ",
            "K",
            "é",
            "É",
            "ß",
            "–",
            "’",
            "[a-z]",
            "[A-Z]",
            "[A-z]",
            "[à-ÿ]",
            "[ı-ſ]",
            "[–-]",
            "[^a-z]",
            r"\b",
            r"\w",
            r"\W",
            r"\s",
            r"\x41",
            r"\x27",
            r"\u00e9",
            r"\u2019",
            ".",
            "?",
            "*",
            "|",
        ]
    ),
    min_size=1,
    max_size=6,
).map("".join)


def span(match: re.Match[str] | None) -> tuple[int, int] | None:
    return match.span() if match else None


@settings(max_examples=500, deadline=None)
@given(words, st.text(alphabet=LETTERS, max_size=30))
def test_same_verdict_as_a_case_insensitive_pattern(found: list[str], text: str) -> None:
    expected = bool(found) and re.search("|".join(map(re.escape, found)), text, re.I) is not None
    assert (Caseless.of(found).search(text) is not None) == expected


@settings(max_examples=5000, deadline=None)
@given(PATTERN, TEXT)
def test_a_pattern_finds_the_same_spans_as_the_case_insensitive_one(source: str, text: str) -> None:
    try:
        expected = re.compile(source, re.I)
    except re.error:
        return
    caseless = Caseless.pattern(source)
    assert span(caseless.search(text)) == span(expected.search(text))
    assert [m.span() for m in caseless.finditer(text)] == [m.span() for m in expected.finditer(text)]


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "We",
                " EARN ",
                "a commission",
                " when you ",
                "BUY",
                "Affiliate",
                "-Links",
                " ",
                "Anzeige",
                "Provision",
                "ÜBER",
                "ſ",
                "İ",
                "K",
                "’",
                "…",
                "paid link",
                ".",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_the_disclosure_wording_finds_what_it_found_case_insensitively(text: str) -> None:
    words = wording()
    for caseless in (words.explanatory, words.label, words.ad_label, words.ad_title, words.vague, words.link_only):
        assert span(caseless.search(text)) == span(caseless.unicode.search(text))


def test_the_fast_pattern_is_made_only_where_lowercasing_keeps_the_meaning() -> None:
    assert Caseless.of(["Disclos", "policy"]).ascii is not None
    assert Caseless.of(["Offenlegung", "Größe"]).ascii is not None  # ö and ß meet no ASCII letter
    assert Caseless.of(["\u017fponsored"]).ascii is None  # a case-insensitive long s matches s
    assert Caseless.of(["İ"]).ascii is None  # two characters in lowercase
    assert lowercased(r"[A-Z]\d") is None and lowercased(r"[a-z]\d") == r"[a-z]\d"
    assert lowercased(r"\x41") is None and lowercased(r"[\x27]AB") == r"[\x27]ab"
    assert Caseless.of(["disclos"]).search("Our DISCLOSURE policy")
    assert Caseless.of([]).search("anything") is None


def test_text_lowers_exactly_when_its_only_cased_letters_are_ascii() -> None:
    assert lowers_exactly("Plain ASCII")
    assert lowers_exactly("We earn – at no cost to you…\xa0’")
    assert not lowers_exactly("Über")
    assert not lowers_exactly("ſ")

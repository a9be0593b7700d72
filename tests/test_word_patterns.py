"""The patterns built so that re tries them only where they can match find what the plain alternation of their
parts finds: `rulefiles.any_word` whether a text holds a word, `disclosures._join` the same match with the same
groups."""

from __future__ import annotations

import re
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import networks
from auditor.disclosures import _join
from auditor.rulefiles import any_word, patterns, rules_dir

WORDING = tomllib.loads((rules_dir() / "disclosures.toml").read_text(encoding="utf-8"))
LINK_WORDS = [*WORDING["link_keywords"], *WORDING["paid_link_words"], *WORDING["disclosure_page_words"]]
HINT_WORDS = sorted(networks.generic_words(networks.load().generic))
# Letters that case-fold onto others (the Kelvin sign, the long s, dotted and dotless i, sharp s, final sigma) and
# characters that mean something inside a character class, so that they open words as well as texts.
ODD = ["\u212a", "\u017f", "\u0130", "\u0131", "ß", "ẞ", "ς", "Σ", "k", "K", "s", "S", "i", "I", "^", "-", "]", "\\"]
letters = st.sampled_from([*ODD, "a", "b", "e", "n", "r", "_", "/", " ", ".", "広"])
words = st.lists(letters, min_size=1, max_size=4).map("".join)
word_lists = st.lists(words, max_size=6)
texts = st.lists(st.one_of(letters, st.sampled_from([*LINK_WORDS, *HINT_WORDS])), max_size=12).map("".join)


def plain(found: list[str]) -> re.Pattern[str]:
    """The alternation any_word replaces (an empty list finds nothing)."""
    return re.compile("|".join(map(re.escape, found)) or "(?!)", re.I)


@settings(max_examples=3000, deadline=None)
@given(word_lists, texts)
def test_any_word_finds_a_word_where_the_alternation_does(found: list[str], text: str) -> None:
    for listed in (found, LINK_WORDS, HINT_WORDS, WORDING["paid_link_words"]):
        assert bool(any_word(listed).search(text)) == bool(plain(listed).search(text)), (listed, text)


def test_the_odd_letters_open_a_word_found_whatever_the_case() -> None:
    assert any_word(["kennzeichnung"]).search("\u212aENNZEICHNUNG") is not None
    assert any_word(["sponsor"]).search("\u017fponsor") is not None
    assert any_word(["^x", "-y", "]z", "\\w"]).search("a ]Z b") is not None
    assert any_word(["^x", "-y", "]z", "\\w"]).search("a z b") is None


def test_any_word_without_words_finds_nothing_and_an_empty_word_everywhere() -> None:
    assert any_word([]).search("anything") is None
    assert any_word([""]).search("x") is not None
    assert any_word(["", "aff"]).search("x") is not None


SECTIONS = [v for v in WORDING.values() if isinstance(v, dict)]
KINDS = ("explanatory", "label", "ad_label", "ad_title", "ad_marker", "link_only", "vague", "star_legend")
wording_texts = st.lists(
    st.sampled_from(
        [
            *(e["text"] for e in WORDING.get("example", ())),
            "#CommissionsEarned",
            "Disclosure: compensated affiliate",
            "#ad",
            "(paid link)",
            " ",
            ". ",
            "Anzeige",
            "we earn",
            "a commission",
            "\u0130",
            "\u017f",
        ]
    ),
    max_size=6,
).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(wording_texts)
def test_joined_wording_matches_as_the_plain_alternation(text: str) -> None:
    for kind in KINDS:
        parts = [p for lang in SECTIONS for p in patterns(lang.get(kind, ()))]
        expected = re.compile("|".join(f"(?:{p})" for p in parts) or "$^", re.I).search(text)
        found = _join(parts).search(text)
        assert (found and (found.span(), found.groups())) == (expected and (expected.span(), expected.groups()))


def test_joined_patterns_keep_their_order_across_runs() -> None:
    """A pattern without a word boundary between two runs of patterns with one: the first alternative that
    matches at the leftmost position wins, as in the plain alternation."""
    parts = [r"\bab", "#?abc", r"\b(a)bc", r"\bx"]
    for text in ("abc", "#abc", " abc", "zabc", "x"):
        expected = re.compile("|".join(f"(?:{p})" for p in parts), re.I).search(text)
        found = _join(parts).search(text)
        assert (found and (found.span(), found.groups())) == (expected and (expected.span(), expected.groups()))

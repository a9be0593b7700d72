"""The patterns built for speed find what the plain alternation of their parts finds: `any_word` whether a text
holds a word, `disclosures._join` the same match with the same groups."""

from __future__ import annotations

import re
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.disclosures import _join
from auditor.rulefiles import any_word, patterns, rules_dir

WORDING = tomllib.loads((rules_dir() / "disclosures.toml").read_text(encoding="utf-8"))
LINK_WORDS = [*WORDING["link_keywords"], *WORDING["paid_link_words"], *WORDING["disclosure_page_words"]]
HINT_WORDS = ["idevaffiliate", "offer_id", "aff_id", "a_aid", "aff_l", "aff_c", "tap_a", "gspk", "aff", "/c/", "php"]
# letters that case-fold onto others (the Kelvin sign, the long s, dotted and dotless i) and the words' pieces
ODD = ["\u212a", "\u017f", "\u0130", "\u0131", "K", "S", "I", "ß", " ", "-", "_", "/", "."]
pieces = st.sampled_from([*LINK_WORDS, *HINT_WORDS, *ODD, "dis", "AFF", "Disclos", "pr", "ＰＲ", "広", "x"])


def plain(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, words)) or "(?!)", re.I)


@settings(max_examples=2000, deadline=None)
@given(st.lists(pieces, max_size=8).map("".join))
def test_any_word_finds_a_word_where_the_alternation_does(text: str) -> None:
    for words in (LINK_WORDS, HINT_WORDS, WORDING["paid_link_words"]):
        assert bool(any_word(words).search(text)) == bool(plain(words).search(text))


def test_any_word_without_words_finds_nothing_and_an_empty_word_everywhere() -> None:
    assert any_word([]).search("anything") is None
    assert any_word(["", "aff"]).search("x") is not None


SECTIONS = [v for v in WORDING.values() if isinstance(v, dict)]
KINDS = ("explanatory", "label", "ad_label", "ad_title", "ad_marker", "link_only", "vague", "star_legend")
texts = st.lists(
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
@given(texts)
def test_joined_wording_matches_as_the_plain_alternation(text: str) -> None:
    for kind in KINDS:
        parts = [p for lang in SECTIONS for p in patterns(lang.get(kind, ()))]
        expected = re.compile("|".join(f"(?:{p})" for p in parts) or "$^", re.I).search(text)
        found = _join(parts).search(text)
        assert (found and (found.span(), found.groups())) == (expected and (expected.span(), expected.groups()))

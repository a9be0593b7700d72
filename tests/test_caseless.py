"""Caseless finds what a case-insensitive pattern finds, on any text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.caseless import Caseless

LETTERS = "aAfFsSiIkK_/ ıİſKßẞéÉ"
words = st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=5), min_size=0, max_size=5)


@settings(max_examples=500, deadline=None)
@given(words, st.text(alphabet=LETTERS, max_size=30))
def test_same_verdict_as_a_case_insensitive_pattern(found: list[str], text: str) -> None:
    expected = bool(found) and re.search("|".join(map(re.escape, found)), text, re.I) is not None
    assert (Caseless.of(found).search(text) is not None) == expected


def test_ascii_words_take_the_fast_pattern_and_others_do_not() -> None:
    assert Caseless.of(["Disclos", "policy"]).ascii is not None
    assert Caseless.of(["Offenlegung", "Größe"]).ascii is None
    assert Caseless.of(["disclos"]).search("Our DISCLOSURE policy")
    assert Caseless.of([]).search("anything") is None

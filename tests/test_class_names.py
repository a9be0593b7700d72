"""What the layout reads from class and id strings: its quick first search skips only strings that none of the
region-hint, ad-slot and product-box patterns would match, and the compiled module's reading of ASCII strings
finds what the patterns find."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import layout
from auditor.networks import load

BOX_WORDS = load().box_words
# pieces of real class strings: the words the patterns look for, near misses, separators, other cases
PIECES = sorted(
    {*layout._HINT_WORDS, *layout._AD_WORDS, *BOX_WORDS, *layout._LOCAL_WORDS}
    | {"x", "2", "ad2", "bad", "header2", "sub", "Footer", "NAV", "Ad", "ıd", "é", "-", "_", " ", "--", "\t"}
)
class_strings = st.lists(st.sampled_from(PIECES), max_size=6).map("".join) | st.text(max_size=20)


def expected(names: str) -> tuple[layout.Region | None, bool, bool, bool]:
    """The three patterns, each searched on its own."""
    lowered = names.lower()
    match = layout._HINT_PATTERN.search(lowered)
    hint = layout._HINT_WORDS[match.group(1)] if match else None
    local = hint is not None and not layout._LOCAL_WORDS.isdisjoint(layout._WORD_SPLIT.split(lowered))
    is_box = layout.word_start_pattern(BOX_WORDS).search(lowered) is not None
    return hint, local, is_box, layout._AD_SLOT.search(lowered) is not None


@settings(max_examples=2000, deadline=None)
@given(class_strings)
def test_same_reading_as_the_three_patterns(names: str) -> None:
    assert layout.Names(BOX_WORDS, use_compiled=False)(names) == expected(names)
    assert layout.Names(BOX_WORDS)(names) == expected(names)  # ASCII strings read by the compiled module, if built


def test_examples() -> None:
    names = layout.Names(BOX_WORDS)
    assert names("site-footer widget") == ("footer", False, False, False)
    assert names("entry-header") == ("header", True, False, False)
    assert names("product-box ad-slot") == (None, False, True, True)
    assert names("shadow badge") == (None, False, False, False)
    assert names("bestseller") == (None, False, True, False)

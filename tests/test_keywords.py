"""The disclosure keyword search, compiled or not, reports what one pattern of all the keywords reports."""

from __future__ import annotations

import re
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.disclosures import Keywords
from auditor.rulefiles import rules_dir

SHIPPED = tomllib.loads((rules_dir() / "disclosures.toml").read_text(encoding="utf-8"))["keywords"]


def pattern(keywords: list[str]) -> re.Pattern[str]:
    """The definition: words where no letter comes before them, symbols anywhere, and so the words of scripts
    written without spaces (kana, CJK ideographs), leftmost first."""
    unspaced = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
    anywhere = [k for k in keywords if not k[:1].isalnum() or unspaced.match(k)]
    words = [re.escape(k) for k in keywords if k not in anywhere]
    symbols = [re.escape(k) for k in anywhere]
    return re.compile("|".join([rf"(?<![^\W\d_])(?:{'|'.join(words)})", *symbols]))


pieces = st.sampled_from([*SHIPPED, "l", "x", " ", "1", "_", "²", "½", "é", "*", "\n", "cost to", "to you", "ea"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(pieces, max_size=10).map("".join))
def test_shipped_keywords_sit_where_the_pattern_finds_them(text: str) -> None:
    expected = [m.start() for m in pattern(SHIPPED).finditer(text)]
    assert Keywords.of(SHIPPED).starts(text) == expected  # the compiled search, when built
    shipped = Keywords.of(SHIPPED)
    assert Keywords(shipped.words, shipped.symbols, shipped.unspaced).starts(text) == expected


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.text(alphabet="ab *-", min_size=1, max_size=4), min_size=1, max_size=5).filter(
        lambda ks: any(k[:1].isalnum() for k in ks)
    ),
    st.text(alphabet="ab *-xé1", max_size=20),
)
def test_any_keywords_sit_where_the_pattern_finds_them(keywords: list[str], text: str) -> None:
    expected = [m.start() for m in pattern(keywords).finditer(text)]
    found = Keywords.of(keywords)
    assert found.starts(text) == expected
    assert Keywords(found.words, found.symbols, found.unspaced).starts(text) == expected
